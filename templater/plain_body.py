"""Plain bodies: text, {{ name }} and {% if name %} blocks, rendered without compiling Python code.

Nearly every SMS body is made of literal text, variables and if/elif/else on a variable. For such
a tree Jinja2's compile step (generating Python source, then compiling it) costs several times
what parsing did, while what the compiled code does is simple enough to follow node by node. The
linter renders every template once, with its examples, so it evaluates plain trees here instead.

The evaluation is exactly what the sandbox's compiled code does for these nodes (jinja2 3.1's
CodeGenerator): literal text is yielded as it is; a variable is looked up in the values and then
the sandbox's globals, is StrictUndefined when absent, and is yielded as str(finalize(value)); an
if-test is the value's truth. Anything else in a tree (a filter, a constant, a loop, an
attribute...) makes it not plain, and it is compiled as before. Nothing in a plain tree can fail
to compile, so skipping the compile hides no syntax error.
"""
from __future__ import annotations

from typing import Any, Iterator

from jinja2 import nodes
from jinja2.utils import missing

# Names the code generator treats specially rather than as a lookup in the values.
_SPECIAL = frozenset({"self", "loop", "caller", "varargs", "kwargs", "super"})
# Deeply nested ifs compile to deeply indented Python, which Python refuses past 100 levels: such
# trees stay on the compiling path, which reports whatever it reports.
MAX_DEPTH = 20


def _walk(body: list[nodes.Node], names: set[str], depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    for node in body:
        if type(node) is nodes.Output:
            for child in node.nodes:
                if type(child) is nodes.Name:
                    if child.ctx != "load" or child.name in _SPECIAL:
                        return False
                    names.add(child.name)
                elif type(child) is not nodes.TemplateData:
                    return False
        elif type(node) is nodes.If:
            test = node.test
            if type(test) is not nodes.Name or test.ctx != "load" or test.name in _SPECIAL:
                return False
            names.add(test.name)
            if not (_walk(node.body, names, depth + 1) and _walk(node.elif_, names, depth + 1)
                    and _walk(node.else_, names, depth + 1)):
                return False
        else:
            return False
    return True


def plain_names(tree: nodes.Template, globals_: Any) -> frozenset[str] | None:
    """The names a plain tree reads from its values (as jinja2.meta would find them); None if not plain."""
    if type(tree) is not nodes.Template:
        return None
    names: set[str] = set()
    if not _walk(tree.body, names, 0):
        return None
    return frozenset(n for n in names if n not in globals_)


class PlainTemplate:
    """A plain tree with the generate() of a compiled jinja2 Template, for sandbox.render_bounded."""

    def __init__(self, tree: nodes.Template, environment: Any) -> None:
        self.tree = tree
        self.environment = environment

    def generate(self, values: dict) -> Iterator[str]:
        env = self.environment
        # new_context(): the values over the globals; resolve_or_missing() then looks there.
        scope = {**env.globals, **values}
        return self._body(self.tree.body, scope, env.undefined, env.finalize)

    def _body(self, body: list[nodes.Node], scope: dict, undefined: Any, finalize: Any) -> Iterator[str]:
        for node in body:
            if type(node) is nodes.Output:
                for child in node.nodes:
                    if type(child) is nodes.TemplateData:
                        yield child.data
                    else:
                        value = scope.get(child.name, missing)
                        if value is missing:
                            value = undefined(name=child.name)
                        yield str(finalize(value))
                continue
            branch = None
            for test in (node, *node.elif_):
                value = scope.get(test.test.name, missing)
                if value is missing:
                    value = undefined(name=test.test.name)
                if value:
                    branch = test.body
                    break
            else:
                branch = node.else_
            yield from self._body(branch, scope, undefined, finalize)
