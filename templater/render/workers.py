"""Chunks of rows over forked worker processes, results in input order, with few chunks in flight."""
from __future__ import annotations

import itertools
import signal
from array import array
from collections import Counter, deque
from typing import Any, Iterator, NamedTuple

from templater.errors import RenderError
from templater.parallel import default_jobs

IN_FLIGHT_PER_JOB = 3  # chunks queued per worker: enough to keep it busy, few enough to keep memory flat

_PROCESSOR: Any = None


class Packed(NamedTuple):
    """A chunk's results (rows.Result) in a form cheap to send between processes and cheap to write:
    the output lines of the messages joined, those of the rejects joined, and per-row facts in arrays.

    Row i's output line is sent[out_at[i]:out_at[i + 1]] (a message) or else
    rejected[rej_at[i]:rej_at[i + 1]] (a reject); output lines are never empty.
    """

    lines: array            # the line of each row
    out_at: array           # len(lines) + 1 offsets into sent
    rej_at: array           # len(lines) + 1 offsets into rejected
    sent: str
    rejected: str
    reasons: list           # each row's reject reason, None for a message
    rules: list             # each row's lint rule, or None
    reason_counts: dict     # reason -> rows
    rule_counts: dict       # lint rule -> rows
    keys: array             # int(phone[1:]) of the rows with a number, in order ('+%d' % key is the phone)
    key_lines: array        # the lines of those rows

    @property
    def rendered(self) -> int:
        return len(self.lines) - sum(self.reason_counts.values())


def pack(results: list) -> Packed:
    """The Packed form of one chunk's results, in the process that made them."""
    texts = [r[2] for r in results]
    reasons = [r[3] for r in results]
    rules = [r[4] for r in results]
    sent_lens = [len(t) if why is None else 0 for t, why in zip(texts, reasons)]
    rej_lens = [0 if why is None else len(t) for t, why in zip(texts, reasons)]
    # Every phone is E.164 (Phones.normalize): '+' then at most 15 digits, the first not 0, so
    # '+%d' % key gives it back and it fits a signed 64-bit int.
    keys = array("q", [int(r[1][1:]) for r in results if r[1] is not None])
    return Packed(array("q", [r[0] for r in results]),
                  array("q", itertools.accumulate(sent_lens, initial=0)),
                  array("q", itertools.accumulate(rej_lens, initial=0)),
                  "".join([t for t, why in zip(texts, reasons) if why is None]),
                  "".join([t for t, why in zip(texts, reasons) if why is not None]),
                  reasons, rules, dict(Counter([r for r in reasons if r is not None])),
                  dict(Counter([r for r in rules if r])), keys,
                  array("q", [r[0] for r in results if r[1] is not None]))


def _get(result: Any, workers: list) -> Any:
    """The chunk's result; RenderError when a worker died meanwhile (a pool never redoes its chunk,
    so waiting would last for ever)."""
    import multiprocessing

    while True:
        try:
            return result.get(timeout=_POLL)
        except multiprocessing.TimeoutError:
            # Workers leave only when the pool closes: an exit code now means one was killed.
            code = next((w.exitcode for w in workers if w.exitcode is not None), None)
            if code is not None:
                how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
                raise RenderError(f"a worker process died ({how}; the system may be out of memory), so "
                                  "some rows were never rendered: nothing was written; run again, with "
                                  "fewer --jobs if memory is short") from None


_POLL = 0.5  # seconds between looks at the workers while a result is awaited


def _init() -> None:
    # Ctrl-C reaches the whole process group: the parent cleans up, the workers just stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(chunk: list) -> Packed:
    # Packed here, in the worker: the parent only unpickles a few strings and arrays per chunk.
    return pack(_PROCESSOR.process(chunk))


def ordered_chunks(processor: Any, chunks: Iterator[Any], jobs: int | None) -> Iterator[tuple[Any, Packed]]:
    """(chunk, pack(processor.process(chunk))) for each chunk, in order; in this process when
    jobs <= 1 or input is small.

    Unlike Pool.imap, which reads its whole input ahead, at most jobs * IN_FLIGHT_PER_JOB chunks are
    read and not yet written at any time, so memory does not grow with the file.
    """
    jobs = default_jobs() if jobs is None else jobs
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:
        for chunk in itertools.chain(head, chunks):
            yield chunk, pack(processor.process(chunk))
        return
    import multiprocessing  # only when fanning out
    from multiprocessing.pool import Pool

    class _Pool(Pool):
        # The stock pool's worker-minding thread also wakes whenever results wait in the pipe, and
        # spins while a large one is read (about 1 us of the parent's CPU per row). Without
        # maxtasksperchild, a worker's exit (its sentinel) and the pool's own changes are enough.
        def _get_sentinels(self) -> list:
            return [self._change_notifier._reader]  # type: ignore[attr-defined]

    global _PROCESSOR
    _PROCESSOR = processor  # forked workers inherit the compiled template, rules and caches
    try:
        with _Pool(jobs, initializer=_init, context=multiprocessing.get_context("fork")) as pool:
            workers = list(pool._pool)  # type: ignore[attr-defined]
            pending: deque = deque()
            for chunk in itertools.chain(head, chunks):
                pending.append((chunk, pool.apply_async(_work, (chunk,))))
                if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                    done, result = pending.popleft()
                    yield done, _get(result, workers)
            while pending:
                done, result = pending.popleft()
                yield done, _get(result, workers)
    finally:
        _PROCESSOR = None
