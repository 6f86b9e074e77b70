"""Chunks of rows over forked worker processes and this one, results in input order, few chunks in flight."""
from __future__ import annotations

import itertools
import pickle
import threading
from array import array
from collections import Counter, deque
from operator import attrgetter
from queue import SimpleQueue
from typing import Any, Iterator, NamedTuple

from templater.errors import RenderError
from templater.interrupts import ignore_stops
from templater.parallel import default_jobs

IN_FLIGHT_PER_JOB = 5  # chunks a worker holds: enough to keep it busy, few enough to keep memory flat

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
    long_keys: tuple = ()   # (line, digits) of the rows whose number has over 15 digits (see pack)

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
    # E.164 numbers have at most 15 digits, the first not 0, so '+%d' % key gives one back and it
    # fits the 50 bits seen.SeenPhones packs it into. phonenumbers also finds valid numbers of 16 to
    # 19 digits ('+49 89 123456789012'): those few go apart, as text.
    keys = array("q", [int(r[1][1:]) for r in results if r[1] is not None and len(r[1]) <= 16])
    long_keys = tuple((r[0], r[1][1:]) for r in results if r[1] is not None and len(r[1]) > 16)
    return Packed(array("q", [r[0] for r in results]),
                  array("q", itertools.accumulate(sent_lens, initial=0)),
                  array("q", itertools.accumulate(rej_lens, initial=0)),
                  "".join([t for t, why in zip(texts, reasons) if why is None]),
                  "".join([t for t, why in zip(texts, reasons) if why is not None]),
                  reasons, rules, dict(Counter([r for r in reasons if r is not None])),
                  dict(Counter([r for r in rules if r])), keys,
                  array("q", [r[0] for r in results if r[1] is not None and len(r[1]) <= 16]), long_keys)


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

    def receive(self) -> Packed:
        """The next result; RenderError when the process died (its chunk would never come)."""
        try:
            kind, value = self.results.recv()
            if kind == "ok":  # the text comes after, as UTF-8 bytes (see _serve)
                sent, rejected = self.results.recv_bytes(), self.results.recv_bytes()
        except (EOFError, OSError):
            if self.failure is not None:
                raise self.failure from None
            self.process.join()
            code = self.process.exitcode
            how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            raise RenderError(f"a worker process died ({how}; the system may be out of memory), so "
                              "some rows were never rendered: nothing was written; run again, with "
                              "fewer --jobs if memory is short") from None
        if kind == "error":
            raise value
        return value._replace(sent=sent.decode("utf-8", "surrogatepass"),
                              rejected=rejected.decode("utf-8", "surrogatepass"))


def _widen(conn: Any) -> None:
    """A pipe that holds a whole chunk or result (1 MiB, Linux): the writer seldom waits for the reader."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass  # the system's size: slower, still correct


_PIPE_BYTES = 1 << 20


def _serve(tasks: Any, results: Any, inherited: list) -> None:
    """A worker's loop: a chunk in, its Packed results (or the exception it raised) out, until None."""
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
            packed = pack(_PROCESSOR.process(chunk))
        except Exception as exc:  # the parent raises it
            try:
                pickle.loads(pickle.dumps(exc))  # the parent must be able to rebuild it, not just read it
            except Exception:  # an exception that does not pickle, or whose class takes other arguments
                exc = RenderError(f"{type(exc).__name__}: {exc}")
            results.send(("error", exc))
            continue
        # The output lines go as bytes: pickling a large str costs several times more (its buffer
        # grows by copies, and each new one is fresh memory for the kernel to map). surrogatepass: a
        # lone surrogate comes back as it is, as with jobs 1 (rows are checked for them when read,
        # but a value given through the API could still hold one).
        results.send(("ok", packed._replace(sent="", rejected="")))
        results.send_bytes(packed.sent.encode("utf-8", "surrogatepass"))
        results.send_bytes(packed.rejected.encode("utf-8", "surrogatepass"))


def _send(queue: SimpleQueue) -> None:
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


def _next(pending: deque) -> tuple[Any, Packed]:
    chunk, result = pending.popleft()
    if type(result) is Packed:
        return chunk, result
    result.queued -= 1
    return chunk, result.receive()


def ordered_chunks(processor: Any, chunks: Iterator[Any], jobs: int | None) -> Iterator[tuple[Any, Packed]]:
    """(chunk, pack(processor.process(chunk))) for each chunk, in order; in this process when
    jobs <= 1 or input is small.

    Otherwise jobs - 1 forked workers and this process share the chunks: a chunk goes to the worker
    holding the fewest, unless each already holds IN_FLIGHT_PER_JOB, and then this process renders
    it itself instead of waiting. So on N cores N processes render, none idles while another has
    work queued, and this one also writes the results in order (batch._Sink). At most
    jobs * IN_FLIGHT_PER_JOB chunks are read and not yet written at any time, so memory does not
    grow with the file.
    """
    jobs = default_jobs() if jobs is None else jobs
    head = list(itertools.islice(chunks, 2))
    if jobs <= 1 or len(head) < 2:
        for chunk in itertools.chain(head, chunks):
            yield chunk, pack(processor.process(chunk))
        return
    import multiprocessing  # only when fanning out

    global _PROCESSOR
    _PROCESSOR = processor  # forked workers inherit the compiled template, rules and caches
    context = multiprocessing.get_context("fork")
    workers: list[_Worker] = []
    queue: SimpleQueue = SimpleQueue()
    sender = threading.Thread(target=_send, args=(queue,), daemon=True)
    finished = False
    try:
        for _ in range(jobs - 1):  # this process is the last of the jobs
            workers.append(_Worker(context, workers))
        sender.start()
        pending: deque = deque()  # (chunk, its Packed or the worker that has it), in input order
        for chunk in itertools.chain(head, chunks):
            while pending and (type(pending[0][1]) is Packed or pending[0][1].results.poll()):
                yield _next(pending)
            worker = min(workers, key=attrgetter("queued"))
            if worker.queued < IN_FLIGHT_PER_JOB:
                queue.put((worker, chunk))
                worker.queued += 1
                pending.append((chunk, worker))
            else:  # every worker has enough to do: rather than wait, this process takes the chunk
                pending.append((chunk, pack(processor.process(chunk))))
            while len(pending) > jobs * IN_FLIGHT_PER_JOB:  # a slow worker: wait, hold no more
                yield _next(pending)
        while pending:
            yield _next(pending)
        finished = True
    finally:
        _PROCESSOR = None
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
