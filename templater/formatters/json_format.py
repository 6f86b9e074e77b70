"""JSON: a list of finding objects with path, line, column, rule, severity, message."""
from __future__ import annotations

import json

from templater.findings import Finding


def format_findings(findings: list[Finding], files: int, colour: bool = False) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)
