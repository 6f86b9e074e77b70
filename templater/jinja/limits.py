"""The bounds every render stays inside: value sizes, a step budget, amplifying calls, a deadline.

A template is untrusted code. Jinja2's sandbox stops it reaching Python internals, but not from
building a huge value or looping for ever. Each bound here is checked *before* the expensive work
where the cost can be known in advance (repetition, replacement, joining, format widths), and on
every value that crosses a call, filter, operator or output, so no single step can build more than
MAX_VALUE characters and no render can take more than MAX_STEPS steps. The step budget is counted,
not timed, so it holds the same in any thread or process; the SIGALRM deadline is a backstop
where signals work (the main thread of a process).
"""
from __future__ import annotations

import re
import signal
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from string import Formatter
from typing import Any, Callable, Iterable, Iterator

from jinja2.exceptions import SecurityError

MAX_VALUE = 100_000        # characters (or items) in any one value a template builds or prints
MAX_INT_ARG = 10_000       # widths, repeats and counts passed to calls and filters
MAX_INT_BITS = 4_096       # size of an integer built by '*' or '**' (about 1,200 digits)
MAX_RANGE = 1_000          # items of one range()
MAX_STEPS = 10_000         # loop iterations + calls + filter applications in one render
MAX_RETAINED = 1_000_000   # characters of the values one render keeps ({% set %}, {% with %}, macro text)
DEFAULT_TIMEOUT = 2.0      # seconds of rendering per message, where SIGALRM can enforce it


class LimitExceeded(SecurityError):
    """A template tried to go past one of the render bounds."""


class OutputTooLong(LimitExceeded):
    """The rendered text passed the output cap."""


class RenderTimeout(LimitExceeded):
    """Rendering took longer than the time budget."""


class TooManySteps(LimitExceeded):
    """The render ran more loop iterations and calls than the step budget."""


class TooDeep(LimitExceeded):
    """The render recursed too deeply (a macro or block calling itself)."""


def value_size(value: Any, limit: int = MAX_VALUE) -> int:
    """Characters a value takes as text, containers counted deeply; stops counting past limit."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset, dict, range)):
            # Count the items before walking them, so a huge container is refused without a walk.
            total += 2 * len(item) + 2
            if total > limit:
                return total
            stack.extend(item.items() if isinstance(item, dict) else item)
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 8
        if total > limit:
            return total
    return total


def check_size(value: Any, what: str) -> Any:
    """Return the value, or raise LimitExceeded if it is bigger than MAX_VALUE characters."""
    if value_size(value) > MAX_VALUE:
        raise LimitExceeded(f"{what} builds a value over the limit of {MAX_VALUE:,} characters")
    return value


def too_big_int(value: Any) -> bool:
    """A number too large to be a width, count or repeat."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT_ARG


def check_int_args(args: Iterable[Any], what: str) -> None:
    """Refuse a number over MAX_INT_ARG passed as a width, count or repeat."""
    if any(too_big_int(a) for a in args):
        raise LimitExceeded(f"a number passed to {what} is over the limit of {MAX_INT_ARG:,}")


# --- the step budget: one per render, per thread or task -------------------------------------

_STEPS: ContextVar[list[int] | None] = ContextVar("templater_render_steps", default=None)


@contextmanager
def step_budget(steps: int = MAX_STEPS) -> Iterator[None]:
    """Count the steps of one render; nested renders share the outer budget."""
    if _STEPS.get() is not None:
        yield
        return
    token = _STEPS.set([steps, MAX_RETAINED])
    try:
        yield
    finally:
        _STEPS.reset(token)


def step() -> None:
    """Spend one step of the current render's budget (a no-op outside a render)."""
    left = _STEPS.get()
    if left is None:
        return
    left[0] -= 1
    if left[0] < 0:
        raise TooManySteps(f"the template runs more than {MAX_STEPS:,} loop iterations and calls "
                           "(a loop nested too deeply?)")


def retain(value: Any) -> Any:
    """Count a value the render keeps ({% set %}, {% with %}, a macro's or set block's text) against
    the render's one budget of retained characters: each value is bounded by MAX_VALUE, and this
    bounds how many of them a render can hold at once (9,000 sets of 100,000 characters each took
    1.9 GB before)."""
    left = _STEPS.get()
    if left is not None:
        left[1] -= value_size(value)
        if left[1] < 0:
            raise LimitExceeded(f"the template keeps more than {MAX_RETAINED:,} characters of values "
                                "({% set %}, {% with %}, macros) in one render")
    return value


def budget_iter(iterable: Any) -> Iterator[Any]:
    """Iterate as a {% for %} loop does, one step per item."""
    for item in iterable:
        step()
        yield item


# --- calls whose result can be far bigger than their inputs ----------------------------------

# printf-style fields: %[(name)][flags][width][.precision]type
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


def check_printf(fmt: Any) -> None:
    """Refuse printf-style widths and precisions over MAX_INT_ARG ('%999999999s')."""
    if isinstance(fmt, str):
        for m in _PRINTF_FIELD.finditer(fmt):
            check_int_args((int(g) for g in m.groups() if g and g != "*"), "a % format")


def check_format_spec(spec: str) -> None:
    """Refuse str.format widths and precisions over MAX_INT_ARG ('{:>999999999}')."""
    check_int_args((int(n) for n in _NUMBER.findall(spec)), "a format specification")


def check_format_string(fmt: str) -> None:
    """Check every literal format spec of a str.format string, nested ones included."""
    try:
        for _literal, _name, spec, _conv in Formatter().parse(fmt):
            if spec:
                check_format_spec(spec)
    except ValueError:
        return  # a malformed format string fails on its own when called


def _replace_size(text: Any, old: Any, new: Any, count: Any = None) -> int:
    if not (isinstance(text, str) and isinstance(old, str) and isinstance(new, str)):
        return 0
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(len(new) - len(old), 0)


def _lines(text: Any) -> int:
    return text.count("\n") + 1 if isinstance(text, str) else 1


def amplified_size(name: str, receiver: Any, args: tuple, kwargs: dict) -> int:
    """Upper bound of the result of a str method or filter that can multiply its input, else 0."""
    arg = list(args) + list(kwargs.values())
    if name == "replace" and len(arg) >= 2:
        return _replace_size(receiver, arg[0], arg[1], arg[2] if len(arg) > 2 else None)
    if name == "expandtabs" and isinstance(receiver, str):
        size = arg[0] if arg and isinstance(arg[0], int) else 8
        return len(receiver) * max(size, 1)
    if name == "indent" and isinstance(receiver, str):
        width = arg[0] if arg else 4
        width = len(width) if isinstance(width, str) else width if isinstance(width, int) else 4
        return len(receiver) + _lines(receiver) * max(width, 0)
    if name == "wordwrap" and isinstance(receiver, str):
        wrap = kwargs.get("wrapstring", arg[3] if len(args) > 3 else "\n")
        return len(receiver) * (1 + len(wrap if isinstance(wrap, str) else "\n"))
    return 0


def bounded_join(separator: str, items: Any, what: str) -> list:
    """The items of a join as a list, refused before joining if the result would be too big."""
    out, total = [], 0
    for item in items:
        step()
        total += value_size(item) + len(separator)
        if total > MAX_VALUE:
            raise LimitExceeded(f"{what} builds a value over the limit of {MAX_VALUE:,} characters")
        out.append(item)
    return out


# --- the wall-clock backstop ------------------------------------------------------------------

class Alarm:
    """The one SIGALRM timer: `with Alarm(seconds) as arm:` installs the handler once, then arm(True)
    starts the countdown and arm(False) stops it, one system call each (the bulk renderer arms it
    per row of a chunk); on expiry the code running raises RenderTimeout.

    Only the main thread of a process receives signals, so elsewhere (a worker thread) arm does
    nothing and the step budget alone bounds the render. Each forked worker of templater.pool runs
    its work on its own main thread, so the alarm holds there too. An alarm already set by the
    caller (libFuzzer's -timeout, a caller's own) is left alone rather than overwritten.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.previous: Any = None
        self.active = False

    def __enter__(self) -> Callable[[bool], Any]:
        seconds = self.seconds
        self.active = (seconds > 0 and threading.current_thread() is threading.main_thread()
                       and hasattr(signal, "SIGALRM") and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
        if not self.active:
            return _unarmed

        def expire(_signum: int, _frame: Any) -> None:
            raise RenderTimeout(f"rendering took longer than {seconds:g} s")

        self.previous = signal.signal(signal.SIGALRM, expire)
        return lambda on: signal.setitimer(signal.ITIMER_REAL, seconds if on else 0)

    def __exit__(self, *exc: Any) -> None:
        if self.active:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _unarmed(_on: bool) -> None:
    return None


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout if the block runs longer than `seconds` (where an Alarm can: see there)."""
    with Alarm(seconds) as arm:
        arm(True)
        yield
