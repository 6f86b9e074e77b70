"""Speed of the learned scorer (templater/scorer.py): import, model load, and cost a message.

Run `python benchmarks/scorer_speed.py` from the repository root. Targets (issue 13): import
<= 5 ms, <= 50 us a message. It prints:

* the import time of templater.scorer in a fresh interpreter that has already imported what the
  lint path imports (python -X importtime, the module's own time and its new imports);
* the time to load each shipped model (read and index the JSON file);
* the cost a message of the scorer's opinion on every corpus message of the language, once with
  empty caches (every word new) and once more (words and sentences already seen, as in a
  content repository or a library where the same sentences recur);
* a reference loop (sum(range(1000)), about 10 us on an idle machine) so that a figure taken on a
  busy machine can be read.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus_split  # noqa: E402


def import_ms() -> float:
    """Microseconds of `import templater.scorer` after the lint path's modules, in ms (cumulative)."""
    code = "import templater.cli, templater.linter, templater.signals; import templater.scorer"
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stderr
    line = next(l for l in err.splitlines() if l.rstrip().endswith("| templater.scorer"))
    return int(line.split("|")[1]) / 1000


def main() -> int:
    from templater import scorer

    reference = timeit.timeit("sum(range(1000))", number=2000) / 2000 * 1e6
    print(f"reference loop {reference:.1f} us (about 10 us on an idle machine)")
    print(f"import templater.scorer: {min(import_ms() for _ in range(3)):.2f} ms (best of 3, cumulative)")
    texts: dict[str, list[str]] = {}
    for row in corpus_split.load_rows():
        texts.setdefault(row["language"], []).append(row["text"])
    for path in sorted(scorer.DATA.glob("scorer.*.json")):
        started = time.perf_counter()
        model = scorer.Model(json.loads(path.read_text(encoding="utf-8")))
        loaded = (time.perf_counter() - started) * 1000
        batch = texts.get(model.language, [])
        started = time.perf_counter()
        flagged = sum(model.opinion(t) is not None for t in batch)
        first = (time.perf_counter() - started) / max(len(batch), 1) * 1e6
        started = time.perf_counter()
        for t in batch:
            model.opinion(t)
        again = (time.perf_counter() - started) / max(len(batch), 1) * 1e6
        print(f"{path.name}: load {loaded:.1f} ms; {len(batch)} corpus messages ({flagged} flagged): "
              f"{first:.1f} us a message with empty caches, {again:.1f} us seen again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
