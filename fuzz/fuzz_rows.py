"""Fuzz the recipients reader and the bulk renderer with random recipient files (CSV and JSON Lines).

Run for a bounded time (see fuzz/README.md):

    python fuzz/fuzz_rows.py -max_total_time=60

Each input is a recipients file: read as CSV (under a header naming the reserved columns and the
template's variables) and as JSON Lines, and rendered in bulk for a transactional template whose
values are printed and filtered, in this process (--jobs 1). Every row must be accounted for once:
input = rendered + rejected, and the line numbers of the output and the rejects file are those of
the non-blank records, each once. A problem with the whole file (its header) is one InputError;
anything else that escapes (a KeyError, a RecursionError, an UnicodeEncodeError...) is a bug.
Without a corpus folder on the command line, fuzz/.corpus-rows/ is seeded from tests/data/recipients.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import atheris
import harness

with atheris.instrument_imports(include=["templater"]):
    from templater import api
    from templater.errors import InputError
    from templater.render import rows
    from templater.template import parse

ROOT = harness.ROOT
SCRATCH = Path(tempfile.mkdtemp(prefix="templater-fuzz-rows-"))
SOURCE = ("---\nid: t\ncategory: transactional\nlanguage: en\nvariables:\n  name: {example: Ana}\n"
          "  note: {example: Thanks}\n---\nAcme: Hi {{ name|title }}, your order shipped. {{ note }}\n")
TEMPLATE, _ = parse(SOURCE, "t.sms", "t")
HEADER = b"phone,name,note,consent,consent_scope,consent_at,opt_out,timezone\n"

# The re-check's pre-test takes most of a run's set-up (its literal index over every rule pattern)
# and depends on the template alone, which is the same in every run: built once.
_CHECKS: dict = {}
_MessageCheck = rows.MessageCheck


def _check_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    if "check" not in _CHECKS:
        _CHECKS["check"] = _MessageCheck(*args, **kwargs)
    return _CHECKS["check"]


rows.MessageCheck = _check_once


def recipients_files() -> list[tuple[str, bytes]]:
    """The test recipients files' first 4 KiB, as starting points."""
    return [(path.name, path.read_bytes()[:4096]) for path in sorted((ROOT / "tests" / "data" / "recipients").iterdir())
            if path.suffix in (".csv", ".jsonl")]


def _lines(path: Path, csv: bool) -> list[int]:
    if not path.exists():
        return []
    if csv:
        import csv as csv_module

        with path.open(encoding="utf-8", newline="") as f:
            return [int(row["line"]) for row in csv_module.DictReader(f)]
    return [json.loads(line)["line"] for line in path.read_text("utf-8").splitlines()]


def check(name: str, data: bytes, fmt: str) -> None:
    people = SCRATCH / name
    people.write_bytes(data)
    out = SCRATCH / f"out.{fmt}"
    rejects = SCRATCH / f"out.rejects.{fmt}"
    try:
        summary = api.render_batch(TEMPLATE, str(people), str(out), str(rejects), jobs=1,
                                   send_at="2025-05-06T16:00:00Z", default_region="US", out_format=fmt)
    except InputError:
        return  # a problem with the whole file (the header): one line, nothing written
    csv = fmt == "csv"
    sent, refused = _lines(out, csv), _lines(rejects, csv)
    assert summary.input == summary.rendered + summary.rejected, summary.to_dict()
    assert (len(sent), len(refused)) == (summary.rendered, summary.rejected), (summary.to_dict(), sent, refused)
    lines = sorted(sent + refused)
    assert len(set(lines)) == len(lines), lines  # each record once


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    check("people.csv", HEADER + data, "csv")
    check("people.jsonl", data, "jsonl")


def main() -> None:
    harness.run(TestOneInput, ".corpus-rows", recipients_files)


if __name__ == "__main__":
    main()
