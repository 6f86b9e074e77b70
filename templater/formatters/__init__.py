"""Output formats for lint findings: one small module each, imported when chosen."""
from __future__ import annotations

import importlib
from typing import Callable


# format_findings(findings, files, colour=False, rules=None): rules maps rule ids to the run's rule
# metadata (project rules included); a formatter never loads rules or imports the API itself.
Formatter = Callable[..., str]

# text: each finding with a code frame; concise: one line each.
_MODULES = {"text": "frames", "concise": "text", "json": "json_format", "github": "github", "sarif": "sarif",
            "junit": "junit"}
FORMATS = tuple(sorted(_MODULES))


def formatter(name: str) -> Formatter:
    """The format_findings function of one format (its module loads only when it is chosen)."""
    return importlib.import_module(f"templater.formatters.{_MODULES[name]}").format_findings
