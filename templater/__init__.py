"""templater: lint and render business SMS templates so each message matches its consent."""
from __future__ import annotations

from typing import Any

from templater.version import __version__

# The public API, imported on first use so that `import templater` (and CLI start-up) stays cheap.
_API = {"lint", "classify", "classify_file", "render", "RenderBlocked", "ruleset", "render_batch",
        "BatchSummary"}


def __getattr__(name: str) -> Any:
    if name in _API:
        from templater import api
        return getattr(api, name)
    raise AttributeError(f"module 'templater' has no attribute {name!r}")
