"""Jinja2's sandbox, tightened: bounded numbers, sequences, output length and time."""
from __future__ import annotations

import operator
import signal
import threading
from contextlib import contextmanager
from typing import Any, Iterator

from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

DEFAULT_MAX_OUTPUT = 1600
MAX_INT_ARG = 10_000       # widths, repeats and counts passed to calls and filters
MAX_SEQUENCE = 10_000      # items or characters built by '*' and '+'
MAX_RANGE = 1_000
DEFAULT_TIMEOUT = 2.0      # seconds of rendering per message


class OutputTooLong(SecurityError):
    """The rendered text passed the output cap."""


class RenderTimeout(SecurityError):
    """Rendering took longer than the time budget."""


def _too_big(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_INT_ARG
    return False


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"range() of {len(rng)} items is over the limit of {MAX_RANGE}")
    return rng


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """A sandbox where no expression can build a huge value or call with a huge count."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
                         cache_size=0)
        self.globals = {"range": _bounded_range}
        for name, func in list(self.filters.items()):
            self.filters[name] = _guard(name, func)

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        if operator_ == "**":
            if _too_big(right) or (isinstance(right, (int, float)) and right > 64):
                raise SecurityError("exponent is too large")
            return left ** right
        if operator_ == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
                    if len(seq) * max(count, 0) > MAX_SEQUENCE:
                        raise SecurityError("repetition builds a value over the size limit")
            return left * right
        if operator_ == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                if len(left) + len(right) > MAX_SEQUENCE:
                    raise SecurityError("concatenation builds a value over the size limit")
            return left + right
        if operator_ == "%":
            if isinstance(left, str):
                raise SecurityError("the % formatting operator is not allowed in templates")
            return left % right
        return operator.floordiv(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if any(_too_big(a) for a in args) or any(_too_big(v) for v in kwargs.values()):
            raise SecurityError(f"a number passed to a call is over the limit of {MAX_INT_ARG}")
        return super().call(__context, __obj, *args, **kwargs)


def _guard(name: str, func: Any) -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if any(_too_big(a) for a in args[1:]) or any(_too_big(v) for v in kwargs.values()):
            raise SecurityError(f"a number passed to the '{name}' filter is over the limit of {MAX_INT_ARG}")
        return func(*args, **kwargs)

    for attr in ("jinja_pass_arg",):
        if hasattr(func, attr):
            setattr(guarded, attr, getattr(func, attr))
    return guarded


_ENV: BoundedSandbox | None = None


def environment() -> BoundedSandbox:
    """The process-wide sandbox (created on first use; it holds no per-template state)."""
    global _ENV
    if _ENV is None:
        _ENV = BoundedSandbox()
    return _ENV


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout if the block runs longer than `seconds` (main thread only)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum: int, _frame: Any) -> None:
        raise RenderTimeout(f"rendering took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def compile_ast(ast: nodes.Template, name: str) -> Any:
    """A Template object from an already parsed body, without parsing it again."""
    env = environment()
    code = env.compile(ast, name=name, filename=name)
    return env.template_class.from_code(env, code, env.make_globals(None))


def render_bounded(template: Any, values: dict, max_output: int = DEFAULT_MAX_OUTPUT,
                   timeout: float = DEFAULT_TIMEOUT) -> str:
    """Render with the values, stopping as soon as the output passes max_output characters."""
    parts: list[str] = []
    size = 0
    with deadline(timeout):
        for chunk in template.generate(values):
            size += len(chunk)
            if size > max_output:
                raise OutputTooLong(f"the rendered message is over the {max_output}-character limit")
            parts.append(chunk)
    return "".join(parts)
