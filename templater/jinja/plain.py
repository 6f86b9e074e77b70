"""Plain bodies: text, {{ name }} and {% if name %} / {% elif name %} / {% else %}: one plan, one walker.

Nearly every SMS body (every one in the library) is made of literal text, printed variables and
if/elif/else on a variable. Such a body calls nothing, reads no attribute, runs no loop and builds
no value: the sandbox's interception and step budget have nothing to check, and Jinja2's lexer,
parser and compile to Python cost far more than what the compiled code does. So:

- `parse` makes Jinja2's own tree of such a body (node for node, line for line) without Jinja2's
  lexer and parser, or declines (None) and Jinja2 parses it;
- `Plain.of` turns a tree into a plan (a tuple of steps: a str is text, a _Var prints a variable,
  an _If picks a branch), or says None for anything else (a filter, a constant, a loop, an
  attribute...), which is compiled by the sandbox as before. Nothing in a plain tree can fail to
  compile, so skipping the compile hides no syntax error;
- one walker runs a plan in two modes. The lint mode (`Plain.render`) does exactly what the
  sandbox's compiled code does for these nodes (jinja2 3.1's CodeGenerator): literal text is
  printed as it is; a variable is looked up in the values and then the sandbox's globals, is
  StrictUndefined when absent, and is printed as str(finalize(value)); an if-test is the value's
  truth; the output cap raises as render_bounded does. The strict bulk mode (`Plain.walked`)
  renders only what it is sure to render exactly as the sandbox would, and steps aside (None)
  otherwise, so that the sandbox decides and raises its own error: a variable without a value, a
  value that is not a plain `str` (JSON numbers, lists), a value over the sandbox's size limit, a
  message over the output cap;
- `Plain.renderer` compiles the strict mode into one Python function (plans over 400 steps are
  walked instead).
"""
from __future__ import annotations

import keyword
import re
from typing import Any, Callable, Iterable, Iterator, Union

from jinja2 import nodes
from jinja2.utils import missing

from templater.jinja import sandbox
from templater.jinja.limits import MAX_VALUE

# Names the code generator treats specially rather than as a lookup in the values.
_SPECIAL = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})
# Deeply nested ifs compile to deeply indented Python, which Python refuses past 100 levels: such
# trees stay on the compiling path, which reports whatever it reports.
MAX_DEPTH = 20


# What Jinja2 reads as a tag start, and the only tags a plain body has, spaced with spaces alone
# (no '-' or '+' whitespace control, no line break inside a tag): then every line number is the
# line the tag starts on.
_TAG_START = re.compile(r"\{[{%#]")
_PRINT = re.compile(r"\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}")
_BLOCK = re.compile(r"\{% *(if|elif|else|endif)(?: +([A-Za-z_][A-Za-z0-9_]*))? *%\}")
# Words Jinja2 parses as constants or operators rather than as variables.
_RESERVED = frozenset({*keyword.kwlist, *keyword.softkwlist, "true", "false", "none"})
_DEFAULT_SYNTAX = ("{%", "%}", "{{", "}}", "{#", "#}", None, None, False, False, False, "\n")


def parse(body: str, environment: Any) -> nodes.Template | None:
    """The tree Jinja2's parser makes of a plain body (node for node, line for line); None for any
    other body, or any doubt, which Jinja2 then parses itself (and reports its errors).

    Parsing such a body the general way, token by token through Jinja2's lexer and parser, costs
    more than everything else the linter does with it.
    """
    env = environment
    syntax = (env.block_start_string, env.block_end_string, env.variable_start_string,
              env.variable_end_string, env.comment_start_string, env.comment_end_string,
              env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
              env.keep_trailing_newline, env.newline_sequence)
    if syntax != _DEFAULT_SYNTAX or env.extensions or "\r" in body:
        return None
    source = body[:-1] if body.endswith("\n") else body  # the lexer drops one final line break
    root: list[nodes.Node] = []
    body_of = root  # the list the next nodes go to
    opened: list[list] = []  # per open if: [the If, the list it sits in, whether its else began]
    pending: list[nodes.Node] = []  # text and variables since the last block tag: one Output
    line, pos = 1, 0

    # Each node gets its environment as it is made (Jinja2's parser sets it afterwards, node by node).
    def name_at(name: str) -> nodes.Name:
        return nodes.Name(name, "load", lineno=line, environment=env)

    def output(parts: list[nodes.Node]) -> nodes.Output:
        return nodes.Output(parts, lineno=parts[0].lineno, environment=env)

    while True:
        tag = _TAG_START.search(source, pos)
        end = tag.start() if tag is not None else len(source)
        if end > pos:
            pending.append(nodes.TemplateData(source[pos:end], lineno=line, environment=env))
            line += source.count("\n", pos, end)
        if tag is None:
            break
        printed = _PRINT.match(source, end)
        if printed is not None:
            if printed.group(1) in _RESERVED:
                return None
            pending.append(name_at(printed.group(1)))
            pos = printed.end()
            continue
        block = _BLOCK.match(source, end)
        if block is None:
            return None
        word, name = block.groups()
        if (name is None) != (word in ("else", "endif")) or name in _RESERVED:
            return None
        if pending:
            body_of.append(output(pending))
            pending = []
        if word == "if":
            node = nodes.If(name_at(name), [], [], [], lineno=line, environment=env)
            body_of.append(node)
            opened.append([node, body_of, False])
            body_of = node.body
        elif not opened or (word != "endif" and opened[-1][2]):
            return None  # an elif or else out of place: Jinja2 reports it
        elif word == "elif":
            node = nodes.If(name_at(name), [], [], [], lineno=line, environment=env)
            opened[-1][0].elif_.append(node)
            body_of = node.body
        elif word == "else":
            opened[-1][2] = True
            body_of = opened[-1][0].else_
        else:
            body_of = opened.pop()[1]
        if len(opened) > MAX_DEPTH:
            return None
        pos = block.end()
    if opened:
        return None
    if pending:
        body_of.append(output(pending))
    return nodes.Template(root, lineno=1, environment=env)


# A plan is a tuple of steps: a str is text, a _Var prints a variable, an _If picks a branch.
Steps = tuple
# (the branch taken at each {% if %} reached, in order: its index, or len(branches) for the else;
#  the values printed, in order)
Shape = tuple[tuple[int, ...], tuple[str, ...]]
# A row renderer: (row, defaults under it) -> (text, shape), or None to leave the row to the sandbox.
RowRenderer = Callable[[dict, dict], "tuple[str, Shape] | None"]


class _Var:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class _If:
    __slots__ = ("branches", "otherwise")

    def __init__(self, branches: list[tuple[str, Steps]], otherwise: Steps) -> None:
        self.branches = branches    # (variable name, plan) pairs: if, then each elif
        self.otherwise = otherwise  # the else plan (empty when there is none)


def _name(node: nodes.Node, names: set[str]) -> str | None:
    """The variable a Name node loads (added to names), or None for anything else."""
    if type(node) is not nodes.Name or node.ctx != "load" or node.name in _SPECIAL:
        return None
    names.add(node.name)
    return node.name


def _steps(body: list[nodes.Node], names: set[str], depth: int) -> Steps | None:
    """The plan of a body, and the names it reads into names; None when the body is not plain."""
    if depth > MAX_DEPTH:
        return None
    steps: list[Union[str, _Var, _If]] = []
    for node in body:
        if type(node) is nodes.Output:
            for child in node.nodes:
                if type(child) is nodes.TemplateData:
                    steps.append(child.data)  # Jinja2 prints template data as is, unfinalized
                    continue
                name = _name(child, names)
                if name is None:
                    return None
                steps.append(_Var(name))
        elif type(node) is nodes.If:
            branches = []
            for i, branch in enumerate((node, *node.elif_)):
                name = _name(branch.test, names)
                if name is None or (i and (branch.elif_ or branch.else_)):
                    return None
                inner = _steps(branch.body, names, depth + 1 + (i > 0))  # an elif's body nests one deeper
                if inner is None:
                    return None
                branches.append((name, inner))
            otherwise = _steps(node.else_, names, depth + 1)
            if otherwise is None:
                return None
            steps.append(_If(branches, otherwise))
        else:
            return None
    return tuple(steps)


def _walk(steps: Steps, show: Callable[[str], Any], test: Callable[[str], Any], parts: list[str],
          path: list[int], printed: list[str], room: list[int]) -> bool:
    """Run a plan, in either mode: show(name) is the text a variable prints, test(name) the truth of
    an if-test; either says None to step aside. False when the walk stepped aside or the output
    passed the cap (room[0]: characters left under it, counted as the parts come, so that a body
    printing a long value many times stops before anything is joined)."""
    for step in steps:
        kind = type(step)
        if kind is str:
            part = step
        elif kind is _Var:
            part = show(step.name)
            if part is None:
                return False
            printed.append(part)
        else:
            chosen, taken = step.otherwise, len(step.branches)
            for i, (name, body) in enumerate(step.branches):
                truth = test(name)
                if truth is None:
                    return False
                if truth:
                    chosen, taken = body, i
                    break
            path.append(taken)
            if chosen and not _walk(chosen, show, test, parts, path, printed, room):
                return False
            continue
        room[0] -= len(part)
        if room[0] < 0:
            return False
        parts.append(part)
    return True


class Plain:
    """A plain body's plan and the names it reads from its values (as jinja2.meta would find them)."""

    __slots__ = ("steps", "names")

    def __init__(self, steps: Steps, names: frozenset[str]) -> None:
        self.steps = steps
        self.names = names

    @classmethod
    def of(cls, tree: nodes.Template, globals_: Any) -> "Plain | None":
        """The plan of a parsed body; None when the body is not plain."""
        if type(tree) is not nodes.Template:
            return None
        names: set[str] = set()
        steps = _steps(tree.body, names, 0)
        if steps is None:
            return None
        return cls(steps, frozenset(n for n in names if n not in globals_))

    def render(self, values: dict, max_output: int = sandbox.DEFAULT_MAX_OUTPUT) -> str:
        """Lint mode: the text the sandbox renders with these values, or the error it raises."""
        env = sandbox.environment()
        # new_context(): the values over the globals; resolve_or_missing() then looks there.
        scope = {**env.globals, **values}
        undefined, finalize = env.undefined, env.finalize
        assert finalize is not None  # sandbox.environment() sets it: the bounds on what prints

        def value(name: str) -> Any:
            found = scope.get(name, missing)
            return undefined(name=name) if found is missing else found

        parts: list[str] = []
        if not _walk(self.steps, lambda name: str(finalize(value(name))), lambda name: bool(value(name)),
                     parts, [], [], [max_output]):
            raise sandbox.too_long(max_output)
        text = "".join(parts)
        if not text.isascii():
            sandbox.check_text(text)
        return text

    def walked(self, max_output: int, required: Iterable[str] = ()) -> RowRenderer:
        """Strict bulk mode: a row renderer that walks the plan (see renderer())."""
        required = tuple(required)
        steps = self.steps

        def render_row(row: dict, base: dict) -> tuple[str, Shape] | None:
            def value(name: str) -> Any:
                found = row.get(name)
                return base.get(name) if found is None or found == "" else found

            if any(value(n) in (None, "") for n in required):
                return None

            # Only a plain str prints as itself under finalize (the size check) and str(); a
            # missing or other value in a test is the sandbox's to judge.
            def show(name: str) -> str | None:
                found = value(name)
                return found if type(found) is str and len(found) <= MAX_VALUE else None

            def test(name: str) -> str | None:
                found = value(name)
                return found if type(found) is str else None

            parts: list[str] = []
            path: list[int] = []
            printed: list[str] = []
            if not _walk(steps, show, test, parts, path, printed, [max_output]):
                return None
            return "".join(parts), (tuple(path), tuple(printed))

        return render_row

    def renderer(self, max_output: int, required: Iterable[str] = ()) -> RowRenderer:
        """Strict bulk mode, compiled: (row, base) -> (text, shape), or None to leave the row to the
        sandbox. A row's None or '' gives way to base; a required variable with no value there
        either steps aside (the sandbox's path reports it)."""
        required = tuple(required)
        return _compile(self.steps, max_output, required) or self.walked(max_output, required)

    def layout(self, path: tuple[int, ...]) -> list[str | int]:
        """The text of a path through the plan: fixed strings (consecutive ones joined) and, for
        each printed value, its position among the printed values."""
        items: list[str | int] = []
        _lay(self.steps, iter(path), items, [0])
        return items


# Plans up to this many steps are compiled to a Python function; bigger ones are walked (a body is
# untrusted: compiling a huge one would cost more than it saves).
_COMPILE_STEPS = 400


class _Aside(Exception):
    """Raised inside a compiled body to step aside (an elif's test cannot be preceded by a statement)."""


def _aside() -> Any:
    raise _Aside


def _compile(plan: Steps, max_output: int, required: tuple[str, ...]) -> Any:
    """A function (row, base) -> (text, shape) | None doing what Plain.walked does, or None for a big plan.

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

    def emit(steps_of: Steps, indent: str, checked: set[str]) -> None:
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
    try:  # plain bodies nest at most MAX_DEPTH ifs, well under Python's 100 indents
        exec(compile(source, "<templater plain body>", "exec"), scope)  # noqa: S102 - see the docstring
    except (SyntaxError, RecursionError, MemoryError):
        return None  # walked instead
    return scope["render_row"]


def _lay(plan: Steps, path: Iterator[int], items: list[str | int], count: list[int]) -> None:
    for step in plan:
        if type(step) is str:
            if items and type(items[-1]) is str:
                items[-1] += step
            else:
                items.append(step)
        elif type(step) is _Var:
            items.append(count[0])
            count[0] += 1
        else:
            taken = next(path)
            _lay(step.branches[taken][1] if taken < len(step.branches) else step.otherwise, path, items, count)
