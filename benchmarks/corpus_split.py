"""The real-SMS corpus (benchmarks/corpus/*.jsonl) split by source, for leave-source-out figures.

One place for what both `benchmarks/accuracy.py` and `benchmarks/train_scorer.py` need:

* `source_group(url)`: the source a message came from. GitHub `owner/repo` (lower-cased) for
  github.com and raw.githubusercontent.com URLs, otherwise the host without `www.`. Every message
  of one group is measured by rules and models built without that group.
* the frozen test split: the groups first seen in a frozen batch (`FROZEN_BATCH`: `pass9`,
  `pass10`, `pass11`, `pass12`, `pass13`), that is, no row of any other batch comes from them, whose
  `int(sha256(group).hexdigest(), 16) % 3 == 0`. Every row of such a group is frozen. A group with
  any row of an older batch is not new, so adding a batch never moves a group already in the
  development part. The split is measured, never read: nobody writing rules or training the scorer
  looks at its messages, and the benchmark prints only its aggregate figures.
* the development part: every other row, cut into `FOLDS` grouped folds for cross-validation.
* `derived(row)`: the mixed messages benchmarks/derive_mixed.py builds from real ones. Each keeps
  its base's source and batch, so it moves no group between the splits.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
FROZEN_BATCH = frozenset({"pass9", "pass10", "pass11", "pass12", "pass13"})
FOLDS = 5


def source_group(url: str) -> str:
    """GitHub owner/repo (lower-cased) for github.com and raw.githubusercontent.com, else the host."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or url.strip()).lower()
    if host in ("github.com", "raw.githubusercontent.com"):
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2:
            return f"{segments[0]}/{segments[1]}".lower()
    return host.removeprefix("www.")


def load_rows(source: Path = CORPUS_DIR) -> list[dict]:
    """Every row of a corpus file, or of every *.jsonl of a directory in name order, with its `group`."""
    files = sorted(source.glob("*.jsonl")) if source.is_dir() else [source]
    rows = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    row = json.loads(line)
                    row["group"] = source_group(row.get("source") or f"{path.name}:{number}")
                    rows.append(row)
    return rows


def derived(row: dict) -> bool:
    """Whether a row was derived by benchmarks/derive_mixed.py (a real notice + a real promotional
    sentence of the same source) rather than copied from a source: counted in the mixed-content
    recall only, never trained on."""
    return row.get("labelled_by") == "derived"


def _hashed(group: str) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest(), 16)


def frozen_groups(rows: Iterable[tuple[str, str | None]]) -> set[str]:
    """The groups of the frozen test split, from every row's (group, batch): new in a frozen batch
    (no row of an earlier batch), and one in three of those by hash."""
    rows = list(rows)
    earlier = {group for group, batch in rows if batch not in FROZEN_BATCH}
    new = {group for group, batch in rows if batch in FROZEN_BATCH} - earlier
    return {g for g in new if _hashed(g) % 3 == 0}


def dev_half(group: str) -> str:
    """"study" or "check": the development part cut in two by a salted hash of the source group, for
    work on the rules inside a session. Whoever writes rules reads the misses of the study half only,
    and judges a change by the check half's aggregate figures, on sources the change was not written
    from (`python benchmarks/accuracy.py --halves`). Stable as the corpus grows: a group never moves."""
    return "check" if int(hashlib.sha256(f"half:{group}".encode()).hexdigest(), 16) % 2 else "study"


def fold_of(groups: Iterable[str], k: int = FOLDS) -> dict[str, int]:
    """Group -> fold (0..k-1), from every development row's group: the largest groups first, each
    into the fold with fewest rows so far.

    Deterministic (ties broken by group name, then by fold number) and balanced in rows, so that no
    fold is one big source.
    """
    sizes: dict[str, int] = {}
    for group in groups:
        sizes[group] = sizes.get(group, 0) + 1
    load = [0] * k
    out = {}
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        fold = min(range(k), key=lambda i: (load[i], i))
        out[group] = fold
        load[fold] += sizes[group]
    return out
