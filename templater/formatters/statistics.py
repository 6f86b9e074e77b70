"""`templater lint --statistics`: how many findings each rule has, most first (as ruff prints it)."""
from __future__ import annotations

import json
from collections import Counter

from templater.findings import Finding
from templater.formatters.text import summary


def format_statistics(findings: list[Finding], files: int, fmt: str = "text") -> str:
    """One row per rule: count, rule id, severity; JSON (for any format but text) a list of
    {"rule", "severity", "count"}."""
    counts = Counter((f.rule, f.severity) for f in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    if fmt != "text":
        return json.dumps([{"rule": r, "severity": str(s), "count": n} for (r, s), n in rows], indent=2)
    width = max((len(str(n)) for n in counts.values()), default=1)
    rule_width = max((len(r) for r, _s in counts), default=0)
    lines = [f"{n:>{width}}  {r:<{rule_width}}  {s}" for (r, s), n in rows]
    return "\n".join([*lines, summary(findings, files)])
