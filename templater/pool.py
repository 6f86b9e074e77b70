"""The one fork-based parallel map: chunks of work over forked worker processes and this one,
results in input order, few in flight.

The bulk renderer (templater/render/workers.py: ordered_chunks, with results packed to travel as
bytes) and `lint --jobs` (ordered_map, per file) both use it: a worker that dies (SIGKILL, the
out-of-memory killer) fails the run with one error instead of leaving it waiting for ever for that
worker's chunk.
"""
from __future__ import annotations

import gc
import itertools
import os
import pickle
import threading
from collections import deque
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator, TypeVar

from templater import reference
from templater.errors import TemplaterError
from templater.interrupts import ignore_stops

IN_FLIGHT_PER_JOB = 5  # chunks a worker holds: enough to keep it busy, few enough to keep memory flat

_WORK: Any = None    # set before the fork: chunk -> result, in the workers
_WIRE: Any = None    # (result -> (picklable head, [bytes]), (head, [bytes]) -> result)
_UNPICKLABLE: Any = TemplaterError


T = TypeVar("T")
R = TypeVar("R")


class WorkerDied(TemplaterError):
    """A worker process died, so some of the work was never done."""


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


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

    chunksize is the fewest items handed to a worker at once. Forked workers inherit func and
    everything it closes over (loaded rules, compiled templates) instead of pickling or rebuilding
    them, and the items too, so that the parent, which hands out the work alone, sends each worker
    index ranges rather than pickled items. A worker that dies ends the run with WorkerDied.
    """
    items = list(items)
    if jobs <= 1 or len(items) < 2 * chunksize:
        yield from map(func, items)
        return
    ranges = spans(len(items), jobs, chunksize)
    # Each result is small and the caller keeps them all: this process never waits for a worker's
    # earlier range while ranges are left (hold), and a worker holds two, one to work on and the
    # next, so that at the end it is never far behind (in_flight).
    for _span, results in ordered_chunks(lambda span: [func(items[i]) for i in range(*span)],
                                         iter(ranges), min(jobs, len(items)), _files_died,
                                         in_flight=MAP_IN_FLIGHT, hold=len(ranges)):
        yield from results


MAP_IN_FLIGHT = 2  # ordered_map's ranges a worker holds


def _files_died(how: str) -> Exception:
    return WorkerDied(f"a worker process died ({how}; the system may be out of memory), so some files "
                      "were not linted: run again, with fewer --jobs if memory is short")


def _plain_out(result: Any) -> tuple[Any, list[bytes]]:
    return result, []


def _plain_back(head: Any, _parts: list[bytes]) -> Any:
    return head


class _Worker:
    """A forked process with a pipe for its chunks and one for its results: results come back in
    the order the chunks went, so the parent reads each result from the worker it sent the chunk to."""

    def __init__(self, context: Any, others: list[_Worker]) -> None:
        self.failure: Exception | None = None  # why the sending thread could not send it a chunk
        self.queued = 0  # chunks sent and not yet received
        task_end, self.tasks = context.Pipe(duplex=False)
        self.results, result_end = context.Pipe(duplex=False)
        for conn in (self.tasks, self.results):
            _widen(conn)
        # The child closes the parent's ends it inherited (its own and earlier workers'), so that
        # each pipe ends (EOF) when its one reader or writer goes.
        inherited = [c for w in [*others, self] for c in (w.tasks, w.results)]
        self.process = context.Process(target=_serve, args=(task_end, result_end, inherited), daemon=True)
        self.process.start()
        task_end.close()
        result_end.close()

    def receive(self, died: Callable[[str], Exception]) -> Any:
        """The next result; died(how) raised when the process died (its chunk would never come)."""
        try:
            kind, value, count = self.results.recv()
            if kind == "ok":  # the large parts come after, as bytes (see _serve)
                parts = [self.results.recv_bytes() for _ in range(count)]
        except (EOFError, OSError):
            if self.failure is not None:
                raise self.failure from None
            self.process.join()
            code = self.process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise died(how) from None
        if kind == "error":
            raise value
        return _WIRE[1](value, parts)


def _widen(conn: Any) -> None:
    """A pipe that holds a whole chunk or result (1 MiB, Linux): the writer seldom waits for the reader."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # the system's size: slower, still correct


_PIPE_BYTES = 1 << 20


def _serve(tasks: Any, results: Any, inherited: list) -> None:
    """A worker's loop: a chunk in, its result (or the exception it raised) out, until None."""
    # Ctrl-C (or a SIGTERM/SIGHUP sent to the whole group) reaches every process: the parent cleans
    # up and kills its workers, which just stop.
    ignore_stops()
    for conn in inherited:
        conn.close()
    while True:
        try:
            chunk = tasks.recv()
        except EOFError:  # the parent is gone
            return
        if chunk is None:
            return
        try:
            head, parts = _WIRE[0](_WORK(chunk))
        except Exception as exc:  # the parent raises it
            try:
                pickle.loads(pickle.dumps(exc))  # the parent must be able to rebuild it, not just read it
            except Exception:  # an exception that does not pickle, or whose class takes other arguments
                exc = _UNPICKLABLE(f"{type(exc).__name__}: {exc}")
            results.send(("error", exc, 0))
            continue
        # Large parts go as bytes (see render/workers.py: pickling a large str costs several times more).
        results.send(("ok", head, len(parts)))
        for part in parts:
            results.send_bytes(part)


def _send(queue: Any) -> None:
    """The parent's sending thread: the main thread never blocks on a full pipe while a worker
    blocks on sending it a result."""
    while True:
        item = queue.get()
        if item is None:
            return
        worker, chunk = item
        try:
            worker.tasks.send(chunk)
        except OSError:
            pass  # the worker died: the main thread finds out when it reads its result
        except Exception as exc:  # not expected (chunks are bytes and numbers): fail the run, not hang it
            worker.failure = exc
            worker.process.kill()


def _next(pending: deque, died: Callable[[str], Exception]) -> tuple[Any, Any]:
    chunk, result = pending.popleft()
    if type(result) is not _Worker:
        return chunk, result
    result.queued -= 1
    return chunk, result.receive(died)


def ordered_chunks(work: Callable[[Any], Any], chunks: Iterator[Any], jobs: int,
                   died: Callable[[str], Exception], wire: tuple | None = None,
                   unpicklable: type = TemplaterError, in_flight: int = IN_FLIGHT_PER_JOB,
                   hold: int = 0) -> Iterator[tuple[Any, Any]]:
    """(chunk, work(chunk)) for each chunk, in order; in this process when jobs <= 1, input is small
    or the system cannot fork.

    died(how) is the exception raised when a worker process dies ('killed by signal 9'); wire is
    (out, back): out(result) -> (picklable head, [bytes]) in the worker, back(head, [bytes]) ->
    result here, for results that travel faster as bytes; unpicklable(message) stands for a worker's
    exception that cannot be rebuilt here.

    Otherwise jobs - 1 forked workers and this process share the chunks: a chunk goes to the worker
    holding the fewest, unless each already holds in_flight (IN_FLIGHT_PER_JOB), and then this
    process renders it itself instead of waiting. So on N cores N processes render, none idles while
    another has work queued, and this one also writes the results in order (batch._Sink). At most
    hold (by default jobs * in_flight) chunks are read and not yet written at any time, so memory
    does not grow with the file.
    """
    hold = hold or jobs * in_flight
    head = list(itertools.islice(chunks, 2))
    if jobs > 1 and len(head) == 2:
        import multiprocessing  # only when fanning out
        from queue import SimpleQueue
    if jobs <= 1 or len(head) < 2 or reference.ON or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in itertools.chain(head, chunks):
            yield chunk, work(chunk)
        return

    global _WORK, _WIRE, _UNPICKLABLE
    # Forked workers inherit the work and everything it closes over (compiled template, rules, caches).
    _WORK, _WIRE, _UNPICKLABLE = work, wire or (_plain_out, _plain_back), unpicklable
    context = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    queue: SimpleQueue[tuple[_Worker, Any] | None] = SimpleQueue()
    sender = threading.Thread(target=_send, args=(queue,), daemon=True)
    finished = False
    try:
        # The workers share this process's memory until they write to it, and a collection that
        # walks the inherited objects writes to every one of them (their reference counts and
        # links): frozen, the inherited objects are never walked in a worker (Python's gc.freeze
        # documentation). Here they are unfrozen at once, unless this process had frozen objects
        # itself (`templater lint` freezes what it loaded: cli._freeze_loaded).
        frozen_before = gc.get_freeze_count() > 0
        gc.freeze()
        try:
            for _ in range(jobs - 1):  # this process is the last of the jobs
                workers.append(_Worker(context, workers))
        finally:
            if not frozen_before:
                gc.unfreeze()
        sender.start()
        pending: deque = deque()  # (chunk, its result or the worker that has it), in input order
        for chunk in itertools.chain(head, chunks):
            while pending and (type(pending[0][1]) is not _Worker or pending[0][1].results.poll()):
                yield _next(pending, died)
            worker = min(workers, key=attrgetter("queued"))
            if worker.queued < in_flight:
                queue.put((worker, chunk))
                worker.queued += 1
                pending.append((chunk, worker))
            else:  # every worker has enough to do: rather than wait, this process takes the chunk
                pending.append((chunk, work(chunk)))
            while len(pending) > hold:  # a slow worker: wait, hold no more
                yield _next(pending, died)
        while pending:
            yield _next(pending, died)
        finished = True
    finally:
        _WORK = _WIRE = None
        if not finished:  # an error, Ctrl-C or SIGTERM: stop the workers now (a blocked send then fails)
            for worker in workers:
                worker.process.kill()  # they ignore SIGTERM (ignore_stops)
        for worker in workers:
            queue.put((worker, None))
        queue.put(None)
        if sender.is_alive():
            sender.join()
        for worker in workers:
            worker.process.join()
            worker.tasks.close()
            worker.results.close()
