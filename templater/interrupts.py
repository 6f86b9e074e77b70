"""SIGTERM and SIGHUP end a run the way Ctrl-C does: an exception that unwinds it, so that partial
output files and scratch data are removed on the way out, then exit 128 + the signal's number."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

# The signals a CI runner or a closed terminal sends to stop a job (SIGINT is KeyboardInterrupt).
STOPS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Terminated(BaseException):
    """The process was asked to stop (SIGTERM, SIGHUP). A BaseException, as KeyboardInterrupt is,
    so that no `except Exception` holds it up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def stops_raise() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise Terminated in the main thread (elsewhere: no change)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise) for sig in STOPS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ignore_stops() -> None:
    """In a worker process: the parent handles the stop and ends its workers itself."""
    for sig in (signal.SIGINT, *STOPS):
        signal.signal(sig, signal.SIG_IGN)
