"""Ordered parallel map over worker processes, for per-file and per-row work."""
from __future__ import annotations

import os
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_WORK: Callable | None = None
_ITEMS: list = []


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _call(index: int):  # runs in a worker: the function and the items were set before the fork
    return _WORK(_ITEMS[index])  # type: ignore[misc]


def ordered_map(func: Callable[[T], R], items: Iterable[T], jobs: int, chunksize: int = 16) -> Iterator[R]:
    """func over items in `jobs` processes, results in input order; in-process when jobs <= 1."""
    items = list(items)
    if jobs <= 1 or len(items) < 2 * chunksize:
        yield from map(func, items)
        return
    import multiprocessing  # only runs that fan out pay for importing it

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from map(func, items)
        return
    global _WORK, _ITEMS
    # Forked workers inherit func and everything it closes over (loaded rules, compiled
    # templates) instead of pickling or rebuilding them; and the items too, so that the parent,
    # which hands out the work alone, sends each worker indexes rather than pickled items.
    _WORK, _ITEMS = func, items
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(items))) as pool:
            yield from pool.imap(_call, range(len(items)), chunksize)
    finally:
        _WORK, _ITEMS = None, []
