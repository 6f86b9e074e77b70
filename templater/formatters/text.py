"""The human format: one `path:line:col: severity rule message` line per finding, then a summary."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping
from collections import Counter

import click

from templater.findings import Finding, Severity
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def summary(findings: list[Finding], files: int) -> str:
    """'2 errors, 1 warning in 3 files' or 'no findings in 3 files'."""
    counts = Counter(f.severity for f in findings)
    noun = "file" if files == 1 else "files"
    if not findings:
        return f"no findings in {files} {noun}"
    parts = []
    for sev in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts.get(sev, 0)
        if n:
            parts.append(f"{n} {sev}{'s' if n != 1 else ''}")
    return f"{', '.join(parts)} in {files} {noun}"


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None) -> str:
    lines = []
    for f in findings:
        sev = click.style(str(f.severity), fg=_COLOURS[f.severity], bold=True) if colour else str(f.severity)
        lines.append(f"{f.path}:{f.line}:{f.column}: {sev} {f.rule} {f.message}")
    lines.append(summary(findings, files))
    return "\n".join(lines)
