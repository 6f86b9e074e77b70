"""GitHub Actions: one workflow-command annotation per finding (::error file=...::message)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from templater.findings import Finding, Severity
from templater.formatters.text import summary
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # The escapes of @actions/core (command.ts): the message may not break the command's line.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None) -> str:
    """Annotations that GitHub shows on the pull request's changed lines, then a plain summary."""
    lines = [f"::{_LEVELS[f.severity]} file={_property(f.path)},line={f.line},endLine={f.end[0]},col={f.column},"
             f"endColumn={f.end[1]},"
             f"title={_property(f'templater {f.rule}')}::{_data(f.message)}" for f in findings]
    lines.append(summary(findings, files))
    return "\n".join(lines)
