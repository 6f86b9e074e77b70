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


def _call(span: tuple[int, int]) -> list:  # runs in a worker: the function and items were set before the fork
    return [_WORK(_ITEMS[i]) for i in range(*span)]  # type: ignore[misc]


MAX_SPAN = 256


def spans(count: int, jobs: int, smallest: int) -> list[tuple[int, int]]:
    """Index ranges to hand out: large while much work is left, small towards the end.

    Each range is one message each way between the parent and a worker, and the parent's share
    of the work grows with the number of messages; small ranges at the end keep a worker from
    waiting long for another to finish a large one.
    """
    out, start = [], 0
    while start < count:
        size = max(smallest, min(MAX_SPAN, (count - start) // (jobs * 4)))
        out.append((start, min(count, start + size)))
        start += size
    return out


def ordered_map(func: Callable[[T], R], items: Iterable[T], jobs: int, chunksize: int = 16) -> Iterator[R]:
    """func over items in `jobs` processes, results in input order; in-process when jobs <= 1.

    chunksize is the fewest items handed to a worker at once. The workers are templater.pool's, as
    for the bulk renderer: a worker that dies (SIGKILL, the out-of-memory killer) ends the run with
    one error (WorkerDied) instead of a wait for ever.
    """
    items = list(items)
    if jobs <= 1 or len(items) < 2 * chunksize:
        yield from map(func, items)
        return
    import multiprocessing  # only runs that fan out pay for importing it

    if "fork" not in multiprocessing.get_all_start_methods():
        yield from map(func, items)
        return
    from templater import pool

    global _WORK, _ITEMS
    # Forked workers inherit func and everything it closes over (loaded rules, compiled
    # templates) instead of pickling or rebuilding them; and the items too, so that the parent,
    # which hands out the work alone, sends each worker indexes rather than pickled items.
    _WORK, _ITEMS = func, items
    try:
        for _span, results in pool.ordered_chunks(_call, iter(spans(len(items), jobs, chunksize)),
                                                  min(jobs, len(items)), _died):
            yield from results
    finally:
        _WORK, _ITEMS = None, []


def _died(how: str) -> Exception:
    from templater.pool import WorkerDied

    return WorkerDied(f"a worker process died ({how}; the system may be out of memory), so some files "
                      "were not linted: run again, with fewer --jobs if memory is short")
