"""Plain bodies (templater/jinja/plain.py) read the same names and render the same text or error as
compiled ones: the small parser makes Jinja2's tree, the lint mode of the one walker renders what the
sandbox renders, and the strict bulk mode renders the same text whenever it does not step aside."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import Environment

from templater.jinja import plain, sandbox
from templater.jinja.plain import MAX_DEPTH, Plain

ROOT = Path(__file__).resolve().parent.parent
ENV = sandbox.environment()
NAMES = ["brand", "first_name", "x", "range", "class", "self", "loop"]
VALUES = ["", "Acme", 0, 7, None, [], [1], {"a": 1}, True, "x" * 200_000, "y" * 900]


def _outcome(render, values: dict, max_output: int) -> tuple:
    try:
        return "text", render(values, max_output)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return "error", type(exc).__name__, str(exc)


def _plain(body: str) -> Plain | None:
    return Plain.of(ENV.parse(body, needs_compile=lambda _tree: False), ENV.globals)


def _agree(body: str, values: dict, max_output: int = 1600) -> bool:
    """Whether the body is plain; when it is, asserts both ways give the same names and outcome."""
    found = _plain(body)
    if found is None:
        return False
    compiled = ENV.parse(body)
    assert found.names == sandbox.undeclared_variables(compiled), body
    template = sandbox.compile_ast(compiled, "t")
    expected = _outcome(lambda v, m: sandbox.render_bounded(template, v, m), values, max_output)
    assert _outcome(found.render, values, max_output) == expected, (body, values, max_output)
    # The strict bulk mode, walked and compiled, gives the same text, or steps aside for the sandbox.
    for render_row in (found.walked(max_output), found.renderer(max_output)):
        shaped = render_row(values, values)
        if shaped is not None:
            assert ("text", shaped[0]) == expected, (body, values, max_output)
    return True


def test_library_bodies_are_plain_and_agree():
    bodies = [p.read_text(encoding="utf-8").partition("\n---\n")[2] for p in (ROOT / "template_library").rglob("*.sms")]
    assert bodies and all(_agree(b, {"brand": "Acme", "first_name": ""}) for b in bodies)


def test_what_is_not_plain_stays_compiled():
    for body in ["{{ x|upper }}", "{{ 'q' }}", "{{ x.y }}", "{% for i in x %}{% endfor %}", "{{ self }}",
                 "{% if x == 1 %}a{% endif %}", "{% set y = 1 %}", "{{ loop }}", "{% raw %}{{ x }}{% endraw %}x{{ x|e }}"]:
        assert _plain(body) is None, body
    deep = "{% if x %}" * (MAX_DEPTH + 2) + "{% endif %}" * (MAX_DEPTH + 2)
    assert _plain(deep) is None


_piece = st.sampled_from(["Hi", " ", "\n", ": ", "é", "{# c #}", "{{- x -}}", "{{ x }}", "{{ brand }}", "{{ range }}",
                          "{{ class }}", "{{ first_name }}", "{% if x %}", "{% if brand %}", "{% elif first_name %}",
                          "{% else %}", "{% endif %}", "{%- endif %}", "{% if range %}", "{{ x|upper }}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_piece, max_size=12), st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES)),
       st.sampled_from([5, 60, 1600, 10**6]))
def test_generated_bodies_agree(pieces, values, max_output):
    body = "".join(pieces)
    try:
        ENV.parse(body, needs_compile=lambda _tree: False)
    except Exception:  # noqa: BLE001 - not a template; the linter reports it through the compiling path
        return
    _agree(body, values, max_output)


def _dump(node, out: list) -> list:
    out.append((type(node).__name__, node.lineno, node.environment is ENV))
    for child in node.iter_child_nodes():
        _dump(child, out)
    return out


_bit = st.sampled_from(["Hi", " ", "\n", "\n\n", ":", "}}", "%}", "{", "#}", "é", "\r", "{{ x }}", "{{x}}", "{{  brand }}",
                        "{{ x -}}", "{{ true }}", "{{ not }}", "{{ in }}", "{{ x\n}}", "{# c #}", "{% if x %}", "{%if brand%}",
                        "{% elif x %}", "{% elif %}", "{% else %}", "{% else x %}", "{% endif %}", "{%- endif %}", "{% if none %}",
                        "{% if x.y %}", "{% raw %}", "{{ range }}", "{{ class }}", "{% ifx %}"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_bit, max_size=14))
def test_the_plain_parser_makes_jinja2s_tree_or_declines(pieces):
    body = "".join(pieces)
    tree = plain.parse(body, ENV)
    if tree is None:
        return  # Jinja2 parses it (or reports its error)
    expected = Environment.parse(ENV, body)  # jinja2's own parser, without the sandbox's compile
    assert tree == expected and _dump(tree, []) == _dump(expected, []), body


def test_library_bodies_take_the_plain_parser():
    for path in (ROOT / "template_library").rglob("*.sms"):
        body = path.read_text(encoding="utf-8").partition("\n---\n")[2]
        tree = plain.parse(body, ENV)
        assert tree is not None and tree == Environment.parse(ENV, body), path
