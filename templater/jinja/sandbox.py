"""Jinja2's sandbox, tightened: fewer globals and filters, bounded values, steps, output and time.

What a template can reach (see docs/security.md): its own variables, `range` (at most 1,000
items), and Jinja2's filters less `attr`, `pprint`, `urlize` and `xmlattr`. The globals Jinja2
adds by default (`lipsum`, `cycler`, `joiner`, `namespace`, `dict`) are gone: an SMS needs none of
them, and `lipsum`, `cycler`, `joiner` and `namespace` are the usual first hop of an attribute walk
to `__globals__`. Every call, filter, operator, `~` join, loop iteration and printed value goes
through the checks of `limits`.
"""
from __future__ import annotations

import io
import math
import operator
from datetime import date, time
import re
import weakref
from contextlib import contextmanager
from functools import update_wrapper
from typing import Any, Callable, Iterator

from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import FilterArgumentError, SecurityError, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter

from templater.jinja import limits
from templater.jinja.limits import (  # noqa: F401 - re-exported for callers of this module
    DEFAULT_TIMEOUT, MAX_INT_ARG, MAX_RANGE, MAX_STEPS, MAX_VALUE, LimitExceeded, OutputTooLong,
    RenderTimeout, TooDeep, TooManySteps, deadline)

DEFAULT_MAX_OUTPUT = 1600
# What rendering an untrusted body can raise: Jinja2's errors (the limits' among them) and the
# Python errors a filter or operator raises on odd values ('{{ 1 // 0 }}', '{{ x|int(base=99) }}').
RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError, LookupError, AttributeError, RecursionError)
MAX_SEQUENCE = 10_000      # items or characters built by '*' and '+'

# Filters that only serve HTML or object inspection, and widen what a template can reach:
# `attr` looks up a computed attribute name (the classic filter-bypass hop), `pprint` prints an
# object's repr, `urlize` and `xmlattr` build HTML.
REMOVED_FILTERS = ("attr", "pprint", "urlize", "xmlattr")

# The filters and tests a template may use: an allow-list, so that a filter or test a new Jinja2
# release adds stays out until it is reviewed and listed here. Each one is wrapped in the limits
# (_guard, _guard_test).
ALLOWED_FILTERS = (
    "abs", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
    "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items",
    "join", "last", "length", "list", "lower", "map", "max", "min", "random", "reject", "rejectattr",
    "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string",
    "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode",
    "wordcount", "wordwrap")
ALLOWED_TESTS = (
    "!=", "<", "<=", "==", ">", ">=", "boolean", "callable", "defined", "divisibleby", "eq", "equalto",
    "escaped", "even", "false", "filter", "float", "ge", "greaterthan", "gt", "in", "integer",
    "iterable", "le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number", "odd", "sameas",
    "sequence", "string", "test", "true", "undefined", "upper")
# Tests that apply Python's '%' to their value: on a string that is printf formatting
# ('"%1000000000s" is divisibleby 1' builds a gigabyte), so they take numbers only.
_MODULO_TESTS = frozenset({"divisibleby", "even", "odd"})


def _bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise LimitExceeded(f"range() of {len(rng):,} items is over the limit of {MAX_RANGE:,}")
    return rng


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `~` and `{% for %}` through the environment, so that both are bounded.

    It also records the names the template reads from its context, as jinja2.meta's
    TrackingCodeGenerator does, so that finding them costs no second pass over the tree.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.undeclared: set[str] = set()

    def enter_frame(self, frame: Frame) -> None:
        super().enter_frame(frame)
        for _, (action, param) in frame.symbols.loads.items():
            if action == "resolve" and param not in self.environment.globals:
                self.undeclared.add(param)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # Jinja2 compiles `a ~ b` to a join the sandbox never sees; route it through join_values.
        self.write("environment.join_values((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_Assign(self, node: nodes.Assign, frame: Frame) -> None:
        # {% set x = ... %}: the value counts against the render's budget of retained characters.
        with _through(node, "node", "retain"):
            super().visit_Assign(node, frame)

    def visit_With(self, node: nodes.With, frame: Frame) -> None:
        with _through(node, "values", "retain"):
            super().visit_With(node, frame)

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        # Every loop iterates through budget_iter, one step per item, however it is nested.
        with _through(node, "iter", "budget_iter"):
            super().visit_For(node, frame)


@contextmanager
def _through(node: nodes.Node, field: str, method: str) -> Iterator[None]:
    """While a node compiles, its `field` (an expression, or a list of them) passed through the
    environment's `method`; then the field as parsed again (the tree is shared with the linter)."""
    original = getattr(node, field)

    def call(value: nodes.Expr) -> nodes.Call:
        return nodes.Call(nodes.EnvironmentAttribute(method), [value], [], None, None, lineno=value.lineno)

    setattr(node, field, [call(v) for v in original] if isinstance(original, list) else call(original))
    try:
        yield
    finally:
        setattr(node, field, original)


def _power(left: Any, right: Any) -> Any:
    if limits.too_big_int(right) or (isinstance(right, (int, float)) and right > 64):
        raise LimitExceeded("the exponent is over the limit of 64")
    if isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() * max(right, 0) > limits.MAX_INT_BITS:
        raise LimitExceeded(f"the power builds a number over the limit of {limits.MAX_INT_BITS:,} bits")
    return left ** right


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > limits.MAX_INT_BITS:
            raise LimitExceeded(f"the product builds a number over the limit of {limits.MAX_INT_BITS:,} bits")
        return left * right
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, list, tuple)) and isinstance(count, int):
            if max(len(seq), limits.value_size(seq)) * max(count, 0) > MAX_SEQUENCE:
                raise LimitExceeded(f"repetition builds a value over the limit of {MAX_SEQUENCE:,} characters or items")
    return left * right


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
        if limits.value_size(left) + limits.value_size(right) > MAX_VALUE:
            raise LimitExceeded(f"concatenation builds a value over the limit of {MAX_VALUE:,} characters")
    return left + right


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise SecurityError("the % formatting operator is not allowed in templates")
    return left % right


# The operators the sandbox intercepts, each with the checked operation it computes (as Jinja2's
# sandbox keeps its operator policy in module-level tables). BoundedSandbox intercepts exactly
# these; an operator intercepted without an entry is refused, never computed as another one.
BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "**": _power, "*": _multiply, "+": _add, "%": _modulo, "//": operator.floordiv}


class _BoundedFormatter(SandboxedFormatter):
    """str.format in the sandbox, with widths capped and the total result bounded."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self._size = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        limits.step()
        limits.check_format_spec(format_spec)
        self._size += limits.value_size(value)
        if self._size > MAX_VALUE:
            raise LimitExceeded(f"str.format builds a value over the limit of {MAX_VALUE:,} characters")
        return super().format_field(value, format_spec)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """A sandbox where no expression can build a huge value, loop without end or reach internals."""

    intercepted_binops = frozenset(BINOPS)
    code_generator_class = _BoundedCodeGenerator

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False,
                         cache_size=0, finalize=_finalize)
        self.globals = {"range": _bounded_range}
        self.filters = {name: _guard(name, self.filters[name]) for name in ALLOWED_FILTERS
                        if name in self.filters}
        self.tests = {name: _guard_test(name, self.tests[name]) for name in ALLOWED_TESTS
                      if name in self.tests}
        self.budget_iter = limits.budget_iter
        self.retain = limits.retain

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        limits.step()
        checked = BINOPS.get(operator_)
        if checked is None:  # intercepted yet not in the table: refuse rather than guess what to compute
            raise SecurityError(f"the operator {operator_!r} is not allowed in templates")
        return checked(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if __obj is limits.retain:  # a {% set %} / {% with %} value, wrapped by the code generator
            return limits.retain(*args)
        limits.step()
        limits.check_int_args((*args, *kwargs.values()), "a call")
        for arg in (*args, *kwargs.values()):
            limits.check_size(arg, "an argument")
        receiver, name = getattr(__obj, "__self__", None), getattr(__obj, "__name__", "a call")
        if isinstance(receiver, str):
            if name == "join" and args:
                args = (limits.bounded_join(receiver, args[0], "join()"), *args[1:])
            elif limits.amplified_size(name, receiver, args, kwargs) > MAX_VALUE:
                raise LimitExceeded(f"{name}() builds a value over the limit of {MAX_VALUE:,} characters")
        result = super().call(__context, __obj, *args, **kwargs)
        return limits.check_size(result, f"{name}()")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and format_map, sandboxed (as Jinja2 does) and bounded."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template: str = value.__self__
        limits.check_format_string(template)
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                return str(_BoundedFormatter(self).vformat(template, (), args[0]))
            return str(_BoundedFormatter(self).vformat(template, args, kwargs))

        return update_wrapper(wrapper, value)

    def _generate(self, source: nodes.Template, name: str | None, filename: str | None,
                  defer_init: bool = False) -> str:
        # Environment._generate, keeping the generator to read the names it saw the template read.
        stream = io.StringIO()
        generator = self.code_generator_class(self, name, filename, stream, defer_init=defer_init,
                                              optimized=self.optimized)
        generator.visit(source)
        _UNDECLARED[source] = frozenset(generator.undeclared)
        return stream.getvalue()

    def parse(self, source: str, name: str | None = None, filename: str | None = None,
              needs_compile: Callable[[nodes.Template], bool] | None = None) -> nodes.Template:
        """Parse a body, and compile it once so an unknown filter or test is a syntax error here.

        needs_compile(tree) False skips that compile, for a caller that knows the tree compiles
        (templater.jinja.plain) and may never need its code; compile_ast compiles on demand.
        """
        try:
            ast = super().parse(source, name, filename)
            if needs_compile is None or needs_compile(ast):
                _CODE[ast] = self.compile(ast, name, filename)  # kept for compile_ast: no second compile
        except RecursionError:  # Jinja2's parser recurses per level: '{{ ((((…' (found by fuzzing)
            raise _syntax_error("expressions nested too deeply", 1, name, filename) from None
        except SyntaxError as exc:
            line = next((source.count("\n", 0, i) + 1 for i, ch in enumerate(source)
                         if ch.isdecimal() and not ch.isascii()), None)
            if line is None:  # Python refuses the code made for blocks nested too deeply
                raise _syntax_error(f"blocks nested too deeply for Python ({exc.msg}): nest fewer "
                                    "{% if %} / {% for %} inside each other", 1, name, filename) from None
            # '{{ 1.5e٢ }}': Jinja2's lexer takes any Unicode digit for a number, then Python's
            # literal_eval refuses it (found by fuzzing)
            raise _syntax_error("a number with a digit other than 0-9", line, name, filename) from None
        return ast

    def get_template(self, *args: Any, **kwargs: Any) -> Any:
        """{% include %}, {% import %} and {% extends %}: a template is one file and reads no other."""
        raise SecurityError("a template cannot include, import or extend another file")

    select_template = get_or_select_template = get_template

    def join_values(self, parts: tuple) -> str:
        """`a ~ b ~ c`: each part as text, refused before joining if the result is too big."""
        limits.step()
        if sum(limits.value_size(p) for p in parts) > MAX_VALUE:
            raise LimitExceeded(f"'~' builds a value over the limit of {MAX_VALUE:,} characters")
        return "".join(str(p) for p in parts)

    def concat(self, parts: Any) -> str:
        """The text of a macro or {% set %} block, refused before joining if it is too big."""
        parts = list(parts)
        if sum(len(p) for p in parts) > MAX_VALUE:
            raise LimitExceeded("a macro or {% set %} block builds text over the limit of "
                                f"{MAX_VALUE:,} characters")
        return limits.retain("".join(parts))


def _syntax_error(message: str, line: int, name: str | None, filename: str | None) -> TemplateSyntaxError:
    error = TemplateSyntaxError(message, line, name, filename)
    error.translated = True  # its text is the message alone, as for Jinja2's own errors
    return error


def _finalize(value: Any) -> Any:
    """Every printed {{ value }}, checked before it is turned into text."""
    if type(value) is str and len(value) <= MAX_VALUE:
        return value  # a str's size is its length: the usual value, without the general walk
    limits.check_size(value, "a printed value")
    if (not isinstance(value, _PRINTABLE) and type(value).__module__ != "decimal") \
            or (type(value) is float and not math.isfinite(value)):  # (decimal: not imported for this)
        raise SecurityError(_unprintable(value))
    return value


# What a message may print: text, numbers (a Decimal too), true/false, none, and dates (YAML reads them). Anything
# else would print as Python's repr: "['a', 'b']", "{'k': 1}", "<function … at 0x7f…>" (an address).
_PRINTABLE = (str, int, float, type(None), date, time, Undefined)  # Undefined: str() raises
_UNPRINTABLE_KINDS: dict[type, str] = {dict: "a mapping", list: "a list", tuple: "a list"}


def _unprintable(value: Any) -> str:
    if isinstance(value, float):
        return f"the value {value} is not a number a message can show: give a finite number"
    kind = _UNPRINTABLE_KINDS.get(type(value))
    if kind:
        return (f"{kind} cannot be printed in a message (it would print as Python's notation): print "
                "one of its items, or join a list with |join(', ')")
    return ("this value cannot be printed in a message (it would print as Python's description of "
            "an object): print text or a number")


def _guard(name: str, func: Any) -> Any:
    """A filter wrapped in the step budget and the size checks."""
    first = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0  # context comes first

    def guarded(*args: Any, **kwargs: Any) -> Any:
        limits.step()
        value, rest = (args[first] if len(args) > first else None), args[first + 1:]
        limits.check_int_args((*rest, *kwargs.values()), f"the '{name}' filter")
        for arg in (value, *rest, *kwargs.values()):
            limits.check_size(arg, f"the '{name}' filter")
        if name == "format":
            limits.check_printf(value)
        if name == "join" and value is not None:
            separator = rest[0] if rest else kwargs.get("d", "")
            items = limits.bounded_join(separator if isinstance(separator, str) else "", value,
                                        "the 'join' filter")
            args = (*args[:first], items, *rest)
        if limits.amplified_size(name, value, rest, kwargs) > MAX_VALUE:
            raise LimitExceeded(f"the '{name}' filter builds a value over the limit of {MAX_VALUE:,} characters")
        try:
            result = func(*args, **kwargs)
        except AssertionError as exc:  # truncate(2), truncate(leeway=-1): Jinja2 asserts its arguments
            raise FilterArgumentError(f"the '{name}' filter: {exc}") from None
        return limits.check_size(result, f"the '{name}' filter")

    return update_wrapper(guarded, func)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _guard_test(name: str, func: Any) -> Any:
    """A test (`x is divisibleby 3`, `select('odd')`) wrapped in the step budget and the size checks."""
    modulo = name in _MODULO_TESTS

    def guarded(*args: Any, **kwargs: Any) -> Any:
        limits.step()
        for arg in (*args, *kwargs.values()):
            limits.check_size(arg, f"the '{name}' test")
        if modulo and not all(_is_number(a) for a in (*args, *kwargs.values())):
            raise FilterArgumentError(f"the '{name}' test takes numbers")
        try:
            return func(*args, **kwargs)
        except AssertionError as exc:
            raise FilterArgumentError(f"the '{name}' test: {exc}") from None

    return update_wrapper(guarded, func)


_ENV: BoundedSandbox | None = None
_CODE: "weakref.WeakKeyDictionary[nodes.Template, Any]" = weakref.WeakKeyDictionary()
_UNDECLARED: "weakref.WeakKeyDictionary[nodes.Template, frozenset[str]]" = weakref.WeakKeyDictionary()


def undeclared_variables(ast: nodes.Template) -> frozenset[str]:
    """The names a parsed body reads from its context (jinja2.meta.find_undeclared_variables)."""
    found = _UNDECLARED.get(ast)
    if found is None:
        environment().compile(ast)
        found = _UNDECLARED[ast]
    return found


def environment() -> BoundedSandbox:
    """The process-wide sandbox (created on first use; it holds no per-template state)."""
    global _ENV
    if _ENV is None:
        _ENV = BoundedSandbox()
    return _ENV


def compile_ast(ast: nodes.Template, name: str) -> Any:
    """A Template object from an already parsed body, without parsing it again."""
    env = environment()
    code = _CODE.get(ast) or env.compile(ast, name=name, filename=name)
    return env.template_class.from_code(env, code, env.make_globals(None))


def too_long(max_output: int) -> OutputTooLong:
    return OutputTooLong(f"the rendered message is over the {max_output}-character limit")


def render_bounded(template: Any, values: dict, max_output: int = DEFAULT_MAX_OUTPUT,
                   timeout: float = DEFAULT_TIMEOUT) -> str:
    """Render with the values, stopping as soon as the output passes max_output characters."""
    parts: list[str] = []
    size = 0
    try:
        with limits.step_budget(), deadline(timeout):
            for chunk in template.generate(values):
                size += len(chunk)
                if size > max_output:
                    raise too_long(max_output)
                parts.append(chunk)
    except RecursionError:
        raise TooDeep("the template calls itself too deeply (a macro or block that calls itself?)") from None
    except MemoryError:
        raise LimitExceeded("the template needs more memory than a message can take") from None
    text = "".join(parts)
    if not text.isascii():
        check_text(text)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(text: str) -> None:
    """Refuse text that cannot be sent: a lone surrogate ('\\ud800' in a string literal) is no
    character, and no encoding (UTF-8, UCS-2 on the air) can carry it."""
    found = _SURROGATE.search(text)
    if found:
        raise LimitExceeded(f"the message holds U+{ord(found.group()):04X}, a lone surrogate that is not a "
                            "character and cannot be sent: remove the '\\u' escape that makes it")
