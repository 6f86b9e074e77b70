"""Templates made only of text, printed variables and {% if %} on variables, rendered without Jinja2.

Most SMS templates (every one in the library) are text with `{{ name }}` and `{% if name %}` /
`{% elif name %}` / `{% else %}`. Such a body calls nothing, reads no attribute, runs no loop and
builds no value: the sandbox's interception and step budget have nothing to check, and what
Jinja2 itself does per message (a new Context, a generator, finalize per value) costs more than
the message. `SimpleTemplate` walks the parsed tree once into a small plan, compiles the plan
into one Python function (`render_row`; plans over 400 steps are walked instead) and renders by
joining strings.

It renders only what it is sure to render exactly as the sandbox would, and says None otherwise,
so that the sandbox decides (and raises its own error): a variable without a value, a value that
is not a plain `str` (JSON numbers, lists), a value over the sandbox's size limit, a message
over the output cap. `SimpleTemplate.build` returns None for any body templater.plain_body does
not call plain.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Union

from jinja2 import nodes

from templater.plain_body import plain_names
from templater.jinja import sandbox
from templater.jinja.limits import MAX_VALUE

# A plan is a tuple of steps: a str is text, a _Var prints a variable, an _If picks a branch.
Plan = tuple


class _Var:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _If:
    __slots__ = ("branches", "otherwise")

    def __init__(self, branches: list[tuple[str, Plan]], otherwise: Plan) -> None:
        self.branches = branches    # (variable name, plan) pairs: if, then each elif
        self.otherwise = otherwise  # the else plan (empty when there is none)


def _plan(body: list[nodes.Node]) -> Plan:
    """The steps of a plain body (templater.plain_body says which bodies are plain)."""
    steps: list[Union[str, _Var, _If]] = []
    for node in body:
        if type(node) is nodes.Output:
            # Jinja2 prints template data as is, unfinalized; the other children are names.
            steps += [c.data if type(c) is nodes.TemplateData else _Var(c.name) for c in node.nodes]
        else:  # an If whose tests are names
            branches = [(b.test.name, _plan(b.body)) for b in (node, *node.elif_)]
            steps.append(_If(branches, _plan(node.else_)))
    return tuple(steps)


class SimpleTemplate:
    """A body of text, variables and if/elif/else on variables, rendered by joining strings."""

    def __init__(self, plan: Plan, max_output: int, required: Iterable[str] = ()) -> None:
        self.plan = plan
        self.max_output = max_output
        self.required = tuple(required)
        self.render_row = _compile(plan, max_output, self.required) or self._render_row

    @classmethod
    def build(cls, ast: nodes.Template, max_output: int, required: Iterable[str] = (),
              plain: bool | None = None) -> "SimpleTemplate | None":
        """The template's plan, or None when the body has anything but text, variables and if.

        required: names that must have a non-empty value; render_row steps aside when one has none.
        plain: whether templater.plain_body already called the body plain (None: find out here).
        """
        if plain is None:
            plain = plain_names(ast, sandbox.environment().globals) is not None
        if not plain:
            return None
        return cls(_plan(ast.body), max_output, required)

    def render(self, values: dict[str, Any]) -> str | None:
        """The rendered text, as the sandbox would render it; None when the sandbox must decide."""
        shaped = self.render_shaped(values)
        return shaped[0] if shaped is not None else None

    def render_shaped(self, values: dict[str, Any]) -> tuple[str, Shape] | None:
        """render(), with the message's shape: the branches taken and the values printed, in order."""
        return self.render_row(values, values)

    def _render_row(self, row: dict[str, Any], base: dict[str, Any]) -> tuple[str, Shape] | None:
        """render_row for a plan too big to compile: the plan walked step by step."""
        if any(row.get(n) in (None, "") and base.get(n) in (None, "") for n in self.required):
            return None
        values = _Merged(row, base)
        parts: list[str] = []
        path: list[int] = []
        printed: list[str] = []
        # room[0]: characters left under the output cap, counted as the parts come, so that a
        # body printing a long value many times steps aside before anything is joined.
        if not _run(self.plan, values, parts, path, printed, [self.max_output]):
            return None
        return "".join(parts), (tuple(path), tuple(printed))


class _Merged:
    """A row's values over defaults, as the sandbox gets them: a row's None or '' gives way to base."""

    __slots__ = ("row", "base")

    def __init__(self, row: dict[str, Any], base: dict[str, Any]) -> None:
        self.row, self.base = row, base

    def get(self, name: str) -> Any:
        value = self.row.get(name)
        return self.base.get(name) if value is None or value == "" else value


# Plans up to this many steps are compiled to a Python function; bigger ones are walked (a body is
# untrusted: compiling a huge one would cost more than it saves).
_COMPILE_STEPS = 400


class _Aside(Exception):
    """Raised inside a compiled body to step aside (an elif's test cannot be preceded by a statement)."""


def _aside() -> Any:
    raise _Aside


def _compile(plan: Plan, max_output: int, required: tuple[str, ...]) -> Any:
    """A function (row, base) -> (text, shape) | None doing what _render_row does, or None for a big plan.

    The generated code only names local variables and default arguments: every name and text of
    the template reaches it as a value (_n0, _t0, ...), never as source text. Each value is
    checked where the walk would check it, on the branch that uses it, so both step aside alike.
    """
    names: dict[str, int] = {}      # variable -> index, in order of first use
    texts: list[str] = []
    body: list[str] = []
    steps = [0]

    def var(name: str) -> str:
        return f"v{names.setdefault(name, len(names))}"

    # Only a plain str prints as itself under finalize (the size check) and str(), and a missing
    # or other value in a test is the sandbox's to judge.
    def printable(v: str) -> str:
        return f"if type({v}) is not str or len({v}) > _MAX: return None"

    def emit(steps_of: Plan, indent: str, checked: set[str]) -> None:
        run: list[str] = []     # the parts of a stretch without {% if %}, added in one go
        shown: list[str] = []   # the variables it prints
        size = 0                # the length of its fixed text

        def flush() -> None:
            nonlocal size
            for v in dict.fromkeys(shown):
                if v not in checked:
                    body.append(f"{indent}{printable(v)}")
                    checked.add(v)
            if run:
                body.append(f"{indent}parts += ({', '.join(run)},)")
            if shown:
                body.append(f"{indent}out += ({', '.join(shown)},)")
            if size:
                body.append(f"{indent}n += {size}")
            run.clear()
            shown.clear()
            size = 0

        for step in steps_of:
            steps[0] += 1
            if type(step) is str:
                texts.append(step)
                run.append(f"_t{len(texts) - 1}")
                size += len(step)
            elif type(step) is _Var:
                run.append(var(step.name))
                shown.append(var(step.name))
            else:
                flush()
                chain = set(checked)  # what the branches after each test know to be checked
                for i, (name, branch) in enumerate(step.branches):
                    v = var(name)
                    if i == 0:
                        if v not in checked:  # runs whatever the branch: checked after the if too
                            body.append(f"{indent}if type({v}) is not str: return None")
                            checked.add(v)
                            chain.add(v)
                        body.append(f"{indent}if {v}:")
                    elif v in chain:
                        body.append(f"{indent}elif {v}:")
                    else:
                        body.append(f"{indent}elif ({v} if type({v}) is str else _aside()):")
                        chain.add(v)  # only where this test ran: the later branches, not after the if
                    body.append(f"{indent}    path.append({i})")
                    emit(branch, indent + "    ", set(chain))
                body.append(f"{indent}else:")
                body.append(f"{indent}    path.append({len(step.branches)})")
                emit(step.otherwise, indent + "    ", set(chain))
        flush()

    emit(plan, "        ", set())
    if steps[0] > _COMPILE_STEPS:
        return None
    for name in required:
        var(name)
    head = []
    for name, i in names.items():
        head.append(f"    v{i} = row.get(_n{i})")
        head.append(f"    if v{i} is None or v{i} == '': v{i} = base.get(_n{i})")
        if name in required:
            head.append(f"    if v{i} is None or v{i} == '': return None")
    args = [f"_n{i}=_N[{i}]" for i in range(len(names))] + [f"_t{i}=_T[{i}]" for i in range(len(texts))]
    source = "\n".join([
        f"def render_row(row, base, {', '.join(args + ['_MAX=_LIMIT', '_CAP=_CAPV', '_aside=_aside'])}):",
        *head,
        "    parts = []; out = []; path = []; n = 0",
        "    try:",
        *body,
        "        pass",
        "    except _Aside:",
        "        return None",
        # The parts are references: the cap is checked before anything is joined.
        "    if n + sum(map(len, out)) > _CAP: return None",
        "    return ''.join(parts), (tuple(path), tuple(out))",
    ])
    scope = {"_N": tuple(names), "_T": tuple(texts), "_LIMIT": MAX_VALUE, "_CAPV": max_output,
             "_aside": _aside, "_Aside": _Aside}
    try:  # plain bodies nest at most plain_body.MAX_DEPTH ifs, well under Python's 100 indents
        exec(compile(source, "<templater plain body>", "exec"), scope)  # noqa: S102 - see the docstring
    except (SyntaxError, RecursionError, MemoryError):
        return None  # walked instead
    return scope["render_row"]


# (the branch taken at each {% if %} reached, in order: its index, or len(branches) for the else;
#  the values printed, in order)
Shape = tuple[tuple[int, ...], tuple[str, ...]]


def _run(plan: Plan, values: dict[str, Any], parts: list[str], path: list[int], printed: list[str],
         room: list[int]) -> bool:
    for step in plan:
        kind = type(step)
        if kind is str:
            room[0] -= len(step)
            if room[0] < 0:
                return False
            parts.append(step)
        elif kind is _Var:
            value = values.get(step.name)
            # Only a plain str prints as itself under finalize (the size check) and str().
            if type(value) is not str or len(value) > MAX_VALUE:
                return False
            room[0] -= len(value)
            if room[0] < 0:
                return False
            parts.append(value)
            printed.append(value)
        else:
            chosen, taken = step.otherwise, len(step.branches)
            for i, (name, body) in enumerate(step.branches):
                value = values.get(name)
                if type(value) is not str:  # missing (an undefined error) or another type
                    return False
                if value:
                    chosen, taken = body, i
                    break
            path.append(taken)
            if chosen and not _run(chosen, values, parts, path, printed, room):
                return False
    return True


def layout(plan: Plan, path: tuple[int, ...]) -> list[str | int]:
    """The text of a path through the plan: fixed strings (consecutive ones joined) and, for each
    printed value, its position among the printed values."""
    items: list[str | int] = []
    _lay(plan, iter(path), items, [0])
    return items


def _lay(plan: Plan, path: Iterator[int], items: list[str | int], count: list[int]) -> None:
    for step in plan:
        if type(step) is str:
            if items and type(items[-1]) is str:
                items[-1] += step  # type: ignore[operator]
            else:
                items.append(step)
        elif type(step) is _Var:
            items.append(count[0])
            count[0] += 1
        else:
            taken = next(path)
            _lay(step.branches[taken][1] if taken < len(step.branches) else step.otherwise, path, items, count)
