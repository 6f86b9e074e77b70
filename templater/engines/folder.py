"""The ledger folder an engine writes (--out DIR/): refused when it holds anything but a previous
ledger, written beside it under a hidden name and swapped in only once complete and reconciled."""
from __future__ import annotations

import os
import shutil
import uuid

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
