"""Compare templater's segment counts with Twilio's calculator on seeded random texts.

    npm install --prefix benchmarks/tools
    python benchmarks/tools/compare_segments.py --count 2000 --seed 1

Prints how many texts agree on every figure (encoding, segments, characters, units, non-GSM
characters) and the first disagreements. tests/test_segments.py uses the same generator.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).with_name("twilio_segments.js")
# GSM-7 text, extension characters, and what forces UCS-2: accents, typography, emoji sequences,
# flags, combining accents, CR LF, other scripts.
POOL = (list("abc XYZ.,!?019@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓ") + list("^{}\\[~]|€") * 3
        + ["ê", "ç", "’", "“", "\u00a0", "…", "😀", "👍🏽", "🇫🇷", "👨\u200d👩\u200d👧", "e\u0301",
           "\r\n", "❤️", "您", "\t", "`", "한", "1️⃣"])


def random_texts(count: int, seed: int) -> list[str]:
    """Texts around the segment limits, half of them GSM-7 only."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        size = rng.choice([rng.randint(0, 40), rng.randint(60, 80), rng.randint(130, 170), rng.randint(290, 470)])
        chars = POOL[:40] if rng.random() < 0.5 else POOL
        texts.append("".join(rng.choice(chars) if rng.random() < 0.3 else "a" for _ in range(size)))
    return texts


def twilio(texts: list[str] | None) -> list[dict] | None:
    """Twilio's figures for the texts (the script's own list when None); None without node or the package."""
    with tempfile.TemporaryDirectory() as tmp:
        args = ["node", str(SCRIPT)]
        if texts is not None:
            path = Path(tmp) / "texts.json"
            path.write_text(json.dumps(texts), encoding="utf-8")
            args.append(str(path))
        try:
            proc = subprocess.run(args, capture_output=True, text=True, encoding="utf-8")
        except FileNotFoundError:
            return None
    if proc.returncode != 0:
        if "Cannot find module" in proc.stderr:
            return None
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout)["texts"]


def figures(text: str) -> dict:
    """templater's figures, in the shape the Twilio script writes."""
    from templater.encoding import analyze

    facts = analyze(text)
    return {"encoding": facts.encoding, "segments": facts.segments, "characters": facts.characters,
            "units": facts.units, "non_gsm": [c.char for c in facts.non_gsm]}


def disagreements(cases: list[dict]) -> list[tuple[str, dict, dict]]:
    """(text, ours, theirs) for every case where a figure differs."""
    out = []
    for case in cases:
        theirs = {key: case[key] for key in ("encoding", "segments", "characters", "units", "non_gsm")}
        ours = figures(case["text"])
        if ours != theirs:
            out.append((case["text"], ours, theirs))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cases = twilio(random_texts(args.count, args.seed))
    if cases is None:
        print("node or sms-segments-calculator missing: npm install --prefix benchmarks/tools", file=sys.stderr)
        return 2
    bad = disagreements(cases)
    print(f"{len(cases)} texts (seed {args.seed}): {len(cases) - len(bad)} agree, {len(bad)} disagree")
    for text, ours, theirs in bad[:5]:
        print(f"  {text[:60]!r}: templater {ours} / Twilio {theirs}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
