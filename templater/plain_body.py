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

import keyword
import re
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
