"""Output formats for lint findings: one small module each, looked up by name."""
from __future__ import annotations

from typing import Callable

from templater.findings import Finding
from templater.formatters import github, json_format, junit, sarif, text

Formatter = Callable[[list[Finding], int, bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.format_findings,
    "json": json_format.format_findings,
    "github": github.format_findings,
    "sarif": sarif.format_findings,
    "junit": junit.format_findings,
}
