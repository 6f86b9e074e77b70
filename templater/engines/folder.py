"""The ledger folder an engine writes (--out DIR/): refused when it holds anything but a previous
ledger, written beside it under a hidden name and swapped in only once complete and reconciled."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from typing import Any, Iterator

from templater.errors import InputError

MARKER = "_templater_ledger.json"  # in every complete ledger folder: its schema and counts


def check_out(out: str, engine: str) -> None:
    """InputError unless `out` is new, empty, or a previous ledger (which the run replaces)."""
    if os.path.isfile(out):
        raise InputError(f"--out is a file: the {engine} engine writes a folder of Parquet files; give a folder", out)
    if os.path.isdir(out) and os.listdir(out) and not os.path.exists(os.path.join(out, MARKER)):
        raise InputError("--out holds files that are not a templater ledger: give a new or empty folder", out)


def partial_path(out: str) -> str:
    """A hidden folder beside `out` for the ledger being written."""
    target = os.path.abspath(out)
    return os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.partial-{uuid.uuid4().hex[:8]}")


def swap(partial: str, out: str) -> None:
    """The complete ledger into place; a previous one goes only once the new one is there."""
    old = None
    if os.path.isdir(out):
        old = f"{partial}.old"
        os.replace(out, old)
    os.replace(partial, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged(out: str, engine: str) -> Iterator[str]:
    """The hidden folder to write the ledger in (after check_out): swapped into `out` when the
    block ends normally, removed when it raises (reconcile failed, the job failed, Ctrl-C)."""
    check_out(out, engine)
    partial = partial_path(out)
    try:
        yield partial
        swap(partial, os.path.abspath(out))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def mark(partial: str, facts: dict) -> None:
    """Write the MARKER file (the ledger's schema, counts, engine, inputs) into the staged folder."""
    with open(os.path.join(partial, MARKER), "w", encoding="utf-8") as f:
        json.dump(facts, f, indent=2, default=str)


def summary(out: str, warnings: list[str], input_rows: int, tally: dict) -> Any:
    """The local run's Summary (what the CLI prints) of a ledger written in `out` and its tally."""
    from templater.render.batch import Summary

    found = Summary(out, out, warnings=list(warnings))
    found.input, found.rendered = input_rows, tally["rendered"]
    found.reasons.update(tally["reasons"])
    found.rules.update(tally["rules"])
    return found
