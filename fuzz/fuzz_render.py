"""Fuzz the sandbox with random expressions: every allowed filter and test, operators, methods,
with random arguments and values.

Run for a bounded time (see fuzz/README.md):

    python fuzz/fuzz_render.py -max_total_time=60

Each input is read as a recipe for one expression (or a few, joined by text and {% set %}):
literals (texts with '%' fields, huge and negative numbers, lists, mappings), variables whose values
come from the input too, every filter of sandbox.ALLOWED_FILTERS and test of sandbox.ALLOWED_TESTS
with random arguments, binary operators and str methods. The expression is compiled and rendered
with the sandbox's bounds, as a template body is. Allowed outcomes: a message, or the errors a
render turns into a finding or a rejected row (Jinja2's TemplateError, which the bounds raise, and
the TypeError, ValueError, ArithmeticError, LookupError and AttributeError of a bad argument).
Anything else (AssertionError, UnicodeEncodeError, SystemError, MemoryError...) is a bug, as is a
message that no encoding can carry.
"""
from __future__ import annotations

import sys

import atheris
import harness

with atheris.instrument_imports(include=["templater", "jinja2", "markupsafe"]):
    from jinja2.exceptions import TemplateError

    from templater.jinja import sandbox

HANDLED = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)
STRINGS = ["", "a", "Ana", "%s", "%1000000000s", "%d", "%(x)s", "{}", "{0:>99999}", "{x.__class__}",
           "\ud800", "\u200b", "é", "x" * 1000, "1e9", "99999", "-1", " ", "\n", "<b>", "{{ x }}", "a,b,c"]
NUMBERS = [0, 1, -1, 2, 3, 7, 10, 64, 1000, 10_000, 10_001, 10**9, -10**9, 2**63, 10**100, 0.5, -0.0,
           float("inf"), float("nan"), 1e308, True, False]
OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "~", "==", "<", "in", "and", "or"]
METHODS = ["upper", "lower", "replace", "center", "ljust", "zfill", "format", "split", "join", "expandtabs",
           "strip", "startswith", "count", "encode", "title", "partition", "splitlines", "format_map"]
NAMES = ["a", "b", "c"]


class Recipe:
    """Expressions drawn from the fuzzer's bytes."""

    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)

    def pick(self, items: list):
        return items[self.fdp.ConsumeIntInRange(0, len(items) - 1)]

    def literal(self, depth: int) -> str:
        kind = self.fdp.ConsumeIntInRange(0, 5)
        if kind == 0:
            return repr(self.pick(STRINGS))
        if kind == 1:
            number = self.pick(NUMBERS)
            return repr(number) if isinstance(number, (bool, int)) or number == number and abs(number) != float("inf") \
                else "(1e308 * 10)"
        if kind == 2:
            return repr(self.fdp.ConsumeUnicodeNoSurrogates(self.fdp.ConsumeIntInRange(0, 20)))
        if kind == 3 and depth < 3:
            return "[" + ", ".join(self.expr(depth + 1) for _ in range(self.fdp.ConsumeIntInRange(0, 3))) + "]"
        if kind == 4 and depth < 3:
            return "{" + ", ".join(f"{self.literal(depth + 1)}: {self.expr(depth + 1)}"
                                   for _ in range(self.fdp.ConsumeIntInRange(0, 2))) + "}"
        return self.pick(NAMES + ["range(3)", "range(1001)"])

    def args(self, depth: int) -> str:
        parts = [self.expr(depth + 1) for _ in range(self.fdp.ConsumeIntInRange(0, 3))]
        if self.fdp.ConsumeBool():
            parts.append(f"{self.pick(['leeway', 'end', 'killwords', 'width', 'first', 'attribute', 'd'])}="
                         f"{self.expr(depth + 1)}")
        return ", ".join(parts)

    def expr(self, depth: int = 0) -> str:
        if depth >= 4:
            return self.literal(depth)
        kind = self.fdp.ConsumeIntInRange(0, 6)
        if kind == 0:
            return self.literal(depth)
        if kind == 1:
            return f"({self.expr(depth + 1)}|{self.pick(list(sandbox.ALLOWED_FILTERS))}({self.args(depth)}))"
        if kind == 2:
            test = self.pick([t for t in sandbox.ALLOWED_TESTS if t.isidentifier()])
            return f"({self.expr(depth + 1)} is {test}({self.args(depth)}))"
        if kind == 3:
            return f"({self.expr(depth + 1)} {self.pick(OPERATORS)} {self.expr(depth + 1)})"
        if kind == 4:
            return f"({self.expr(depth + 1)}).{self.pick(METHODS)}({self.args(depth)})"
        if kind == 5:
            name = self.pick(["select", "reject", "map", "selectattr", "sort", "groupby", "batch", "slice"])
            return f"({self.expr(depth + 1)}|{name}({repr(self.pick(list(sandbox.ALLOWED_TESTS)))}, {self.args(depth)}))"
        return f"({self.expr(depth + 1)})[{self.expr(depth + 1)}]"

    def body(self) -> str:
        parts = []
        for _ in range(self.fdp.ConsumeIntInRange(1, 3)):
            if self.fdp.ConsumeBool():
                parts.append(f"{{% set {self.pick(NAMES)} = {self.expr()} %}}")
            parts.append(f"Hi {{{{ {self.expr()} }}}}.")
        return "".join(parts)

    def values(self) -> dict:
        return {name: self.pick(STRINGS + NUMBERS + [[1, 2], {"k": "v"}, None]) for name in NAMES}


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    recipe = Recipe(data)
    body = recipe.body()
    values = recipe.values()
    env = sandbox.environment()
    try:
        template = sandbox.compile_ast(env.parse(body), "fuzz")
        text = sandbox.render_bounded(template, values)
    except HANDLED:
        return
    except Exception as exc:
        sys.stderr.write(f"\nbody: {body!r}\nvalues: {values!r}\n")
        raise AssertionError(f"{type(exc).__name__} escaped the sandbox's handling: {exc}") from exc
    text.encode("utf-8")  # a message must be sendable
    assert len(text) <= sandbox.DEFAULT_MAX_OUTPUT, len(text)


def main() -> None:
    if not any(a.startswith("-max_len=") for a in sys.argv):
        sys.argv += ["-max_len=512", "-len_control=0"]  # room for nested expressions from the start
    harness.run(TestOneInput)


if __name__ == "__main__":
    main()
