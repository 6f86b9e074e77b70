"""Output formats for lint findings: one small module each, looked up by name."""
from __future__ import annotations

from typing import Callable

from templater.findings import Finding
from templater.formatters import json_format, text

Formatter = Callable[[list[Finding], int, bool], str]

FORMATTERS: dict[str, Formatter] = {
    "text": text.format_findings,
    "json": json_format.format_findings,
}
