"""Chunks of rows over forked worker processes, results in input order, with few chunks in flight."""
from __future__ import annotations

import itertools
import signal
from collections import deque
from typing import Any, Iterator

from templater.parallel import default_jobs

IN_FLIGHT_PER_JOB = 3  # chunks queued per worker: enough to keep it busy, few enough to keep memory flat

_PROCESSOR: Any = None


def _init() -> None:
    # Ctrl-C reaches the whole process group: the parent cleans up, the workers just stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(chunk: list) -> list:
    return _PROCESSOR.process(chunk)


def ordered_chunks(processor: Any, chunks: Iterator[Any], jobs: int | None) -> Iterator[tuple[Any, list]]:
    """(chunk, processor.process(chunk)) for each chunk, in order; in this process when jobs <= 1 or
    input is small.

    Unlike Pool.imap, which reads its whole input ahead, at most jobs * IN_FLIGHT_PER_JOB chunks are
    read and not yet written at any time, so memory does not grow with the file.
    """
    jobs = default_jobs() if jobs is None else jobs
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:
        for chunk in itertools.chain(head, chunks):
            yield chunk, processor.process(chunk)
        return
    import multiprocessing  # only when fanning out

    global _PROCESSOR
    _PROCESSOR = processor  # forked workers inherit the compiled template, rules and caches
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_init) as pool:
            pending: deque = deque()
            for chunk in itertools.chain(head, chunks):
                pending.append((chunk, pool.apply_async(_work, (chunk,))))
                if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                    done, result = pending.popleft()
                    yield done, result.get()
            while pending:
                done, result = pending.popleft()
                yield done, result.get()
    finally:
        _PROCESSOR = None
