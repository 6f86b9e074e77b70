"""unsafe-template: the constructs the sandbox always refuses, found statically in the body's tree.

Such a template can never render, so lint fails it (and render refuses it) with the construct's
place instead of a warning that its example did not render. Only what is refused whatever the
values are is reported: an attribute or item whose name starts with '_' (Python internals),
{% include %}/{% import %}/{% from %}/{% extends %} (a template reads no other file), a range(),
a repetition or a power of constants over the sandbox's limits, and a macro that calls itself
unconditionally.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from jinja2 import nodes

from templater import reference
from templater.context import Hit, LintContext
from templater.jinja.limits import MAX_INT_BITS, MAX_RANGE
from templater.jinja.sandbox import MAX_SEQUENCE
from templater.rulepacks.model import Rule
from templater.checks.registry import check

_FILES: dict[type[nodes.Node], str] = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "from", nodes.Extends: "extends"}
_TOO_BIG = object()  # a constant over the limits: never computed
MAX_EXPONENT = 64  # the sandbox refuses any larger exponent (sandbox.SandboxEnvironment.call_binop)


def _const(node: nodes.Node) -> Any:
    """The value of a constant integer or string expression, _TOO_BIG, or None when not constant."""
    if isinstance(node, nodes.Const) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, nodes.Neg):
        value = _const(node.node)
        return -value if isinstance(value, int) else value if value is _TOO_BIG else None
    if isinstance(node, (nodes.Pow, nodes.Mul, nodes.Add, nodes.Sub)):
        left, right = _const(node.left), _const(node.right)
        if left is None or right is None:
            return None
        if left is _TOO_BIG or right is _TOO_BIG:
            return _TOO_BIG
        if isinstance(node, nodes.Pow):
            if not (isinstance(left, int) and isinstance(right, int)) or right < 0:
                return None
            too_big = right > MAX_EXPONENT or abs(left).bit_length() * right > MAX_INT_BITS
            return _TOO_BIG if too_big else left ** right
        if isinstance(node, nodes.Mul):
            if isinstance(left, str) or isinstance(right, str):
                text, count = (left, right) if isinstance(left, str) else (right, left)
                return _TOO_BIG if isinstance(count, int) and len(text) * count > MAX_SEQUENCE else None
            return left * right if abs(left).bit_length() + abs(right).bit_length() <= MAX_INT_BITS else _TOO_BIG
        if isinstance(left, int) and isinstance(right, int):
            return left + right if isinstance(node, nodes.Add) else left - right
    return None


def _range_size(args: list[Any]) -> int | None:
    if not 1 <= len(args) <= 3 or not all(isinstance(a, int) for a in args):
        return None
    try:
        return len(range(*args))
    except (ValueError, OverflowError):  # a step of 0 (the sandbox says so too), or past sys.maxsize
        return MAX_RANGE + 1 if len(args) < 3 or args[2] != 0 else None


def _problems(tree: nodes.Template) -> Iterator[tuple[nodes.Node, str, str]]:
    """(node, what to look for on its line, why) for each construct the sandbox always refuses."""
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            yield node, node.attr, f"the attribute '{node.attr}' reaches Python internals"
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                and isinstance(node.arg.value, str) and node.arg.value.startswith("_"):
            yield node, node.arg.value, f"the item '{node.arg.value}' reaches Python internals"
        elif (tag := _FILES.get(type(node))) is not None:
            yield node, tag, f"{{% {tag} %}} reads another file, and a template is one file"
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == "range":
            args = [_const(a) for a in node.args]
            size = MAX_RANGE + 1 if _TOO_BIG in args else _range_size(args)
            if size is not None and size > MAX_RANGE and not node.kwargs and node.dyn_args is None:
                yield node, "range", f"range() of more than {MAX_RANGE:,} items"
        elif isinstance(node, (nodes.Pow, nodes.Mul)) and _const(node) is _TOO_BIG \
                and _const(node.left) is not _TOO_BIG and _const(node.right) is not _TOO_BIG:
            op = "**" if isinstance(node, nodes.Pow) else "*"
            what = (f"a power over the limits (an exponent over {MAX_EXPONENT}, or a number over "
                    f"{MAX_INT_BITS:,} bits)" if op == "**" else
                    f"a value of more than {MAX_SEQUENCE:,} characters or items")
            yield node, op, f"'{op}' of constants builds {what}"
    for macro in tree.find_all(nodes.Macro):
        if _calls_itself(macro.body, macro.name):
            yield macro, "macro", f"the macro '{macro.name}' calls itself unconditionally, for ever"


_BRANCHES = (nodes.If, nodes.For, nodes.CondExpr, nodes.And, nodes.Or, nodes.Macro, nodes.CallBlock)


def _calls_itself(body: list[nodes.Node], name: str) -> bool:
    """Whether a call to `name` is reached on every path through body (not under a branch)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name == name:
            return True
        if not isinstance(node, _BRANCHES):
            stack.extend(node.iter_child_nodes())
    return False


@check("unsafe_template", needs_body=True)
def unsafe_template(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    if ctx.plain is not None and not reference.ON:
        return  # text, names and if/elif/else on a name (jinja/plain.py): nothing _problems looks for
    template = ctx.template
    lines = template.body.split("\n")
    seen = set()
    for node, needle, why in _problems(ctx.ast):  # type: ignore[arg-type]
        lineno = max(getattr(node, "lineno", 1) or 1, 1)
        text = lines[lineno - 1] if lineno <= len(lines) else ""
        found = re.search(re.escape(needle), text)
        column = found.start() + 1 if found else 1
        if (lineno, column, why) not in seen:
            seen.add((lineno, column, why))
            yield Hit(rule.id, {"problem": why}, line=template.body_line + lineno - 1, column=column)
