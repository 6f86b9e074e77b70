"""JSON: a list of finding objects with path, line, column, rule, severity, message."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import json

from templater.findings import Finding
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None) -> str:
    return json.dumps([f.to_dict() for f in findings], ensure_ascii=False, indent=2)
