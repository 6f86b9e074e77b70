"""The one place that knows where the bundled rules/ and template_library/ live."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _folder(name: str) -> Path:
    # A built wheel maps the top-level data folders into the package (templater/rules, ...);
    # a source checkout or an editable install keeps them at the top level beside the package.
    # (importlib.resources would hand back a MultiplexedPath for these namespace folders.)
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def rules_dir() -> Path:
    """The folder of the bundled rule packs."""
    return _folder("rules")


def library_dir() -> Path:
    """The folder of the bundled template library."""
    return _folder("template_library")
