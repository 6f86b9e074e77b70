"""Fast against reference, byte for byte: every speed-up on, then TEMPLATER_REFERENCE=1 (all off).

    python .ci/reference_diff.py [--rows N]      # run by .ci/run

Lints the bundled library and a generated corpus (every rule example as a file; every corpus
message as a body as it is, and one in three also after a variable and inside {% if %}), with --jobs 2, and bulk-renders a
generated recipients file through four library templates (promotional, transactional and
conversational, English and French), with --jobs 2. The fast runs start with an empty rule cache
and run the lint twice (the second reads the cache). Any difference in exit code, standard output or
an output file, between the fast runs and the reference run, fails with the first differing lines.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEND_AT = "2025-05-06T16:00:00Z"  # a Tuesday: noon in New York, 6 am in Honolulu, 6 pm in Paris
TEMPLATES = {  # id -> its variables' values to draw from
    "retail.discount.en": {"percent": ["20", "50", "100"], "products": ["all spring jackets", "EVERYTHING", ""],
                           "end_date": ["May 12", "Sunday"], "shop_url": ["https://acme.example/spring",
                                                                          "https://bit.ly/3xYz", "acme.example/s"]},
    "retail.order-shipped.en": {"order_id": ["12345", "A-9", ""], "carrier": ["UPS", "FedEx", ""],
                                "tracking_url": ["https://acme.example/t/1", "https://tinyurl.com/x"]},
    "retail.discount.fr": {"percent": ["20", "30"], "products": ["les vestes", "TOUT LE MAGASIN"],
                           "end_date": ["dimanche", "12 mai"], "shop_url": ["https://acme.example/fr"]},
    "retail.order-status-reply.fr": {"arrival_day": ["demain", "lundi", ""], "agent_name": ["Sophie", ""]},
}
# Values that make a message differ from the template's own lint: promotional words, placeholders
# left in, capitals, emoji, characters outside GSM-7, long text, markup.
HOSTILE = ["Ana", "Chloé", "Zoë ’s", "50% OFF today only, buy now!", "{{ coupon }}", "[FIRST_NAME]", "FREE GIFT",
           "🎉🎉🎉🎉", "Reply STOP", "x" * 300, "<b>hi</b>", "bit.ly/abc", "Ana\nBen", "", "  ", "%s", "Ben & Jerry"]
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Émile", ""]
CONSENTS = ["express_written"] * 6 + ["express", "implied", "none", "", "Express-Written", "yes"]


def templater(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[int, bytes, bytes]:
    run = subprocess.run([sys.executable, "-m", "templater.cli", *args], capture_output=True, env=env, cwd=cwd)
    return run.returncode, run.stdout, run.stderr


def corpus(folder: Path) -> None:
    """Rule examples and corpus messages as .sms files below folder."""
    sys.path.insert(0, str(ROOT))
    from templater import api
    from templater.catalogue import example_source

    ruleset = api.ruleset()
    for item in [*ruleset.signals.values(), *ruleset.rules.values()]:
        for kind, examples in (("fail", item.fail), ("pass", item.passes)):
            for i, example in enumerate(examples):
                (folder / f"example-{item.id}-{kind}-{i}.sms").write_text(example_source(example), encoding="utf-8")
    lines = (ROOT / "benchmarks/corpus/messages.jsonl").read_text(encoding="utf-8").splitlines()
    for record in map(json.loads, lines):
        category = record["label"] if record["label"] in ("promotional", "transactional", "conversational") \
            else "transactional"
        head = f"---\ncategory: {category}\nlanguage: {record['language']}\n"
        text = record["text"]
        bodies = {"plain": (head, text),
                  "variable": (head + "variables:\n  first_name: {example: Ana}\n", "Hi {{ first_name }}, " + text),
                  "if": (head + "variables:\n  code: {example: '1234'}\n",
                         "{% if code %}" + text + "{% else %}Your code: {{ code }}{% endif %}")}
        for name, (meta, body) in list(bodies.items())[:1 if int(record["id"][-1]) % 3 else 3]:
            (folder / f"{record['id']}-{name}.sms").write_text(f"{meta}---\n{body}\n", encoding="utf-8")


def recipients(path: Path, rows: int, country: str, seed: int = 15) -> None:
    """Rows for every template: phones of several kinds (most of the country's), consent levels,
    scopes, values."""
    rng = random.Random(seed)
    variables = sorted({name for values in TEMPLATES.values() for name in values})
    header = ["phone", "brand", "first_name", *variables, "consent", "consent_scope", "consent_at", "timezone",
              "opt_out", "inbound_at"]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(rows):
            kind = rng.random()
            us = f"+1{rng.choice(['212', '305', '415', '808', '907'])}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
            fr = f"+336{rng.randint(0, 99_999_999):08d}"
            if kind < 0.7:
                phone = us if country == "us" else fr
            elif kind < 0.8:
                phone = fr if country == "us" else us
            elif kind < 0.85:
                phone = f"+1212555{rng.randint(0, 20):04d}"  # repeats: duplicates
            else:
                phone = rng.choice(["", "12345", "(212) 555-0100", "+44 20 7946 0958", "not a phone"])
            values = [rng.choice([*TEMPLATES_VALUES[name], rng.choice(HOSTILE)]) for name in variables]
            out.writerow([phone, rng.choice(["Acme", "Acme", "ACME SALE"]), rng.choice(FIRST), *values,
                          rng.choice(CONSENTS), rng.choice(["order-shipped", "retail.order-shipped", "", "other"]),
                          _rarely(rng, ["2024-03-01T10:00:00Z", ""], ["last tuesday"]),
                          _rarely(rng, ["", "", "America/New_York", "Europe/Paris"], ["Mars/Base"]),
                          _rarely(rng, ["", "0", "no"], ["yes", "STOP"]),
                          _rarely(rng, ["2025-05-06T10:00:00Z", ""], ["2025-05-01T10:00:00Z", "soon"])])


def _rarely(rng: random.Random, usual: list[str], odd: list[str]) -> str:
    """One of the usual values, or one in ten times an odd one (which rejects the row)."""
    return rng.choice(odd if rng.random() < 0.1 else usual)


TEMPLATES_VALUES = {name: values for each in TEMPLATES.values() for name, values in each.items()}


def diff(what: str, fast: tuple, reference: tuple) -> list[str]:
    """Lines that say how two runs (exit code, stdout, files...) differ; [] when they agree."""
    if fast == reference:
        return []
    problems = [f"{what}: fast and reference runs differ"]
    for i, (a, b) in enumerate(zip(fast, reference)):
        if a != b:
            left = a.decode("utf-8", "replace").splitlines() if isinstance(a, bytes) else [repr(a)]
            right = b.decode("utf-8", "replace").splitlines() if isinstance(b, bytes) else [repr(b)]
            problems += list(difflib.unified_diff(left, right, f"fast[{i}]", f"reference[{i}]", n=1, lineterm=""))[:30]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="recipients rows per file (default 1000)")
    args = parser.parse_args()
    started = time.monotonic()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        (tmp / "corpus").mkdir()
        corpus(tmp / "corpus")
        recipients(tmp / "people-us.csv", args.rows, "us")
        recipients(tmp / "people-fr.csv", args.rows, "fr")
        base = {k: v for k, v in os.environ.items() if k not in ("TEMPLATER_REFERENCE", "TEMPLATER_NO_CACHE")}
        fast = {**base, "TEMPLATER_CACHE_DIR": str(tmp / "cache")}
        reference = {**base, "TEMPLATER_REFERENCE": "1", "TEMPLATER_CACHE_DIR": str(tmp / "no-cache")}
        lint = ["lint", "--format", "json", "--jobs", "2", "template_library", str(tmp / "corpus")]
        cold, warm, plain = templater(lint, fast), templater(lint, fast), templater(lint, reference)
        problems += diff("lint (empty rule cache)", cold, plain) + diff("lint (rule cache)", warm, plain)
        if (tmp / "no-cache").exists():
            problems.append("the reference run wrote the rule cache")
        files = len(list((tmp / "corpus").glob("*.sms")))
        print(f"lint: {files} generated files and the library, {len(json.loads(plain[1] or b'[]'))} findings")
        for template in TEMPLATES:
            runs = []
            people = tmp / f"people-{template.rsplit('.', 1)[1].replace('en', 'us')}.csv"
            for mode, env in (("fast", fast), ("reference", reference)):
                folder = tmp / mode / template  # the same relative paths: the summary names them
                folder.mkdir(parents=True)
                code, stdout, stderr = templater(["render", template, "--recipients", str(people), "--out", "out.jsonl",
                                                  "--send-at", SEND_AT, "--jobs", "2"], env, folder)
                runs.append((code, stdout, stderr, *(f.read_bytes() if f.exists() else b""
                                                     for f in (folder / "out.jsonl", folder / "out.rejects.jsonl"))))
            problems += diff(f"render {template}", *runs)
            sent = runs[1][3].count(b"\n")
            print(f"render {template}: {args.rows} rows, {sent} messages, exit {runs[1][0]}")
    for line in problems:
        print(line)
    print(f"reference diff: {'DIFFERENT' if problems else 'identical'} ({time.monotonic() - started:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
