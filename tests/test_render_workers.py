"""ordered_chunks: results in input order from forked workers and the main process alike, the main
process rendering chunks itself when the workers hold enough, and a worker's exception raised in
the main process."""
from __future__ import annotations

import os
import threading
import time

import pytest

from templater.errors import RenderError
from templater.pool import IN_FLIGHT_PER_JOB
from templater.render.workers import ordered_chunks


class _Echo:
    """Turns a chunk (a list of line numbers) into one message per line naming the process that
    rendered it; slow enough that the workers' queues fill up."""

    def __init__(self, fail_on: int | None = None, seconds: float = 0.01) -> None:
        self.fail_on, self.seconds = fail_on, seconds

    def process(self, chunk: list[int]) -> list[tuple]:
        time.sleep(self.seconds)
        if self.fail_on in chunk:
            raise ValueError(f"line {self.fail_on} is bad")
        return [(line, None, f"{line} {os.getpid()}\n", None, None) for line in chunk]


def _chunks(count: int, size: int = 5) -> list[list[int]]:
    return [list(range(start, start + size)) for start in range(2, 2 + count * size, size)]


@pytest.mark.parametrize("jobs", [2, 3])
def test_results_come_in_input_order_and_this_process_renders_some_chunks(jobs):
    chunks = _chunks(40)
    got = list(ordered_chunks(_Echo(), iter(chunks), jobs))
    assert [chunk for chunk, _ in got] == chunks
    lines = "".join(packed.sent for _, packed in got).splitlines()
    assert [int(line.split()[0]) for line in lines] == [n for chunk in chunks for n in chunk]
    pids = {int(line.split()[1]) for line in lines}
    # jobs - 1 workers and this process: each worker holds IN_FLIGHT_PER_JOB chunks before this
    # process takes one, so all of them render some.
    assert os.getpid() in pids and len(pids) == jobs
    assert all(packed.rendered == len(chunk) for chunk, packed in got)


class _SlowWorkers(_Echo):
    """Quick in the main process, slow in the workers."""

    def __init__(self) -> None:
        super().__init__(seconds=0)
        self.main = os.getpid()

    def process(self, chunk: list[int]) -> list[tuple]:
        if os.getpid() != self.main:
            time.sleep(0.05)
        return super().process(chunk)


def test_with_a_slow_worker_this_process_holds_a_bounded_number_of_chunks():
    pulled = 0

    def chunks():
        nonlocal pulled
        for chunk in _chunks(40):
            pulled += 1
            yield chunk

    held = []
    for done, (chunk, _) in enumerate(ordered_chunks(_SlowWorkers(), chunks(), 2), 1):
        held.append(pulled - done + 1)  # read from the file and not yet written, this one included
    assert max(held) <= 2 * IN_FLIGHT_PER_JOB + 1
    assert max(held) > IN_FLIGHT_PER_JOB  # this process went on rendering while the worker was slow


def test_an_exception_in_a_worker_is_raised_here():
    chunks = _chunks(20)
    with pytest.raises(ValueError, match="line 7 is bad"):
        list(ordered_chunks(_Echo(fail_on=7), iter(chunks), 2))  # chunk 2 goes to the worker


class _TwoArgs(Exception):
    """Pickles (its args are its message) but cannot be rebuilt from them in the parent."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line} is {why}")


class _Locked(Exception):
    """Does not pickle at all."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


class _Raising(_Echo):
    def __init__(self, error: Exception) -> None:
        super().__init__(fail_on=7)
        self.error = error

    def process(self, chunk: list[int]) -> list[tuple]:
        if self.fail_on in chunk:
            raise self.error
        return super().process(chunk)


@pytest.mark.parametrize("error", [_TwoArgs(7, "bad"), _Locked("line 7 is bad")], ids=["unpickles-badly", "unpicklable"])
def test_an_exception_that_cannot_cross_between_processes_is_still_named_here(error):
    with pytest.raises(RenderError, match=f"{type(error).__name__}: line 7 is bad"):
        list(ordered_chunks(_Raising(error), iter(_chunks(20)), 2))
