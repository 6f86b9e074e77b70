"""The one place that knows where the bundled rules/ and template_library/ live."""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def _folder(package: str, dev_name: str) -> Path:
    # Installed (wheel or editable): the data is a subpackage of templater.
    try:
        path = Path(str(resources.files(package)))
        if path.is_dir():
            return path
    except (ModuleNotFoundError, TypeError):
        pass
    # A source checkout run without installing: the top-level folder beside the package.
    return Path(__file__).resolve().parent.parent / dev_name


def rules_dir() -> Path:
    """The folder of the bundled rule packs."""
    return _folder("templater.rules", "rules")


def library_dir() -> Path:
    """The folder of the bundled template library."""
    return _folder("templater.template_library", "template_library")
