"""A per-user cache of parsed data files (rule packs, markets.yaml, hyphenation dictionaries), keyed
by content: the caller names every file the parsed value depends on, its code too."""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, TypeVar

from templater.cachedir import cache_dir

T = TypeVar("T")


def key_of(files: list[Path]) -> str:
    """A digest of the files' names and bytes, and of this module's (which writes the entries)."""
    digest = hashlib.sha256()
    for path in [Path(__file__), *files]:
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


KEEP = 16  # entries kept per kind: enough for a few projects' rule folders side by side


def prune(folder: Path, kind: str, suffix: str = ".pickle") -> None:
    """Drop all but the KEEP most recently written entries of a kind (edited packs leave old ones)."""
    entries = sorted(folder.glob(f"{kind}-*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)


def _load(fh: BinaryIO) -> Any:
    """pickle.load with the cyclic garbage collector paused: unpickling a rule set makes some
    100,000 objects, all kept, and each collection the allocations set off would walk the ones made
    so far (measured: 32 ms with the collector on against 7 ms off, for the bundled rules)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(fh)
    finally:
        if enabled:
            gc.enable()


def cached(files: list[Path], load: Callable[[], T], kind: str = "rules") -> T:
    """load() once for these files' content; later runs unpickle the result instead."""
    folder = cache_dir()
    if folder is None:
        return load()
    try:
        path = folder / f"{kind}-{key_of(files)}.pickle"
    except OSError:
        return load()
    try:
        with path.open("rb") as fh:
            return _load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # missing, unreadable or stale: load and rewrite
    value = load()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        prune(folder, kind)
    except OSError:
        pass  # a read-only home is fine: the cache only saves time
    return value
