"""`templater lint --baseline FILE` / `--write-baseline FILE`: adopt templater in a repository full
of existing templates by recording today's findings and reporting only new ones.

A finding is known when the baseline holds one of the same file (its path relative to the
baseline file's folder), rule and message: line numbers are not compared, so editing other lines
of a file does not bring its old findings back. Each recorded finding excuses one finding (two
identical findings in a file need two records). The file is JSON, sorted, one record per finding,
so it diffs well in review.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from templater.errors import InputError

VERSION = 1


def _key(folder: Path, path: str, rule: str, message: str) -> tuple[str, str, str]:
    try:
        rel = Path(path).resolve().relative_to(folder).as_posix()
    except ValueError:
        rel = Path(path).as_posix()
    return rel, rule, message


def write(report, file: str) -> int:
    """Record every finding of a report; returns how many."""
    target = Path(file)
    folder = target.parent.resolve()
    rows = sorted(_key(folder, f.path, f.rule, f.message) for f in report.findings)
    data = {"version": VERSION, "tool": "templater",
            "findings": [{"path": p, "rule": r, "message": m} for p, r, m in rows]}
    try:
        target.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the baseline: {exc.strerror}", file) from None
    return len(rows)


def read(file: str) -> Counter:
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such baseline: write one with --write-baseline FILE", file) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"not a templater baseline (invalid JSON: {exc})", file) from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise InputError(f"not a templater baseline: expected {{\"version\": {VERSION}, \"findings\": [...]}} "
                         "as --write-baseline writes it", file)
    try:
        return Counter((str(r["path"]), str(r["rule"]), str(r["message"])) for r in data["findings"])
    except (KeyError, TypeError):
        raise InputError("not a templater baseline: each finding needs path, rule and message", file) from None


def apply(report, file: str):
    """The report without the findings the baseline already records."""
    known = read(file)
    folder = Path(file).parent.resolve()
    files = []
    for lf in report.files:
        kept = []
        for f in lf.findings:
            key = _key(folder, f.path, f.rule, f.message)
            if known[key] > 0:
                known[key] -= 1
            else:
                kept.append(f)
        files.append(replace(lf, findings=kept))
    return replace(report, files=files)
