"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import json
from pathlib import PurePath

from templater.findings import Finding, Fix, Severity
from templater.resources import is_bundled, rule_doc_url
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> str:
    from urllib.parse import quote  # only this format needs it: keep `templater` quick to start
    # Relative paths stay relative (code scanning resolves them from the repository root).
    pure = PurePath(path)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix())
    return quote(pure.as_posix())


def _descriptor(rule_id: str, rule: Rule | None) -> dict:
    out: dict = {"id": rule_id}
    if rule is not None:
        # fullDescription: what the rule checks and why; help: what to do about a finding.
        out.update({"shortDescription": {"text": rule.summary}, "fullDescription": {"text": rule.doc.strip()},
                    "help": {"text": f"{rule.summary} `templater rules {rule_id}` explains it with a failing "
                                     f"and a passing example (docs/rules.md#{rule_id})."},
                    "defaultConfiguration": {"level": _LEVELS[rule.severity]}})
        if rule.packs and all(is_bundled(p) for p in rule.packs):
            out["helpUri"] = rule_doc_url(rule_id)
    return out


def _fix(f: Finding, fix: Fix) -> dict:
    """A result's fix (SARIF 'fixes'): the edits the rule that found it proposes, as `lint --fix` makes them."""
    return {"description": {"text": fix.description}, "artifactChanges": [{
        "artifactLocation": {"uri": _uri(f.path)},
        "replacements": [{"deletedRegion": {"startLine": e.region[0], "startColumn": e.region[1],
                                            "endLine": e.region[2], "endColumn": e.region[3]},
                          "insertedContent": {"text": e.text}} for e in fix.edits]}]}


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None) -> str:
    """One run of the templater tool: its rules (those that fired, described from `rules`, the run's
    rule metadata, project rules included) and one result per finding."""
    from templater.version import __version__
    rule_ids = sorted({f.rule for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = [{
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(f.path)},
            "region": {"startLine": f.line, "startColumn": f.column, "endLine": f.end[0], "endColumn": f.end[1]},
        }}],
        **({"fixes": [_fix(f, f.fix)]} if f.fix is not None and f.fix.edits else {}),
    } for f in findings]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "templater", "version": __version__,
                                "rules": [_descriptor(r, (rules or {}).get(r)) for r in rule_ids]}},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)
