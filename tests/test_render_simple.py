"""The bulk renderer's sandbox-free path (the strict mode of templater/jinja/plain.py) gives the sandbox's
text, or steps aside for the sandbox."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from templater.library import load_template
from templater.jinja import sandbox
from templater.jinja.plain import MAX_DEPTH, Plain

ROOT = Path(__file__).resolve().parent.parent
ENV = sandbox.environment()
HOSTILE = ["", "Acme", "0", 0, 1.5, None, [], ["a"], {"k": "v"}, True, "{{ 7*7 }}", "é\u2019🙂",
           "z" * (sandbox.MAX_VALUE + 1), "w" * 1500]


def _sandbox(body: str, values: dict, max_output: int) -> tuple:
    try:
        return "text", sandbox.render_bounded(sandbox.compile_ast(ENV.parse(body), "t"), values, max_output)
    except Exception as exc:  # noqa: BLE001 - the error decides nothing here: the fast path must step aside
        return "error", type(exc).__name__


def _build(body: str) -> Plain | None:
    return Plain.of(ENV.parse(body), ENV.globals)


def _render(plain: Plain, values: dict, max_output: int = 1600) -> str | None:
    shaped = plain.renderer(max_output)(values, values)
    return shaped[0] if shaped is not None else None


def _check(body: str, values: dict, max_output: int = 1600) -> str | None:
    """The fast path's text, asserted equal to the sandbox's; None when it steps aside."""
    plain = _build(body)
    text = _render(plain, values, max_output) if plain is not None else None
    if text is not None:
        assert ("text", text) == _sandbox(body, values, max_output), (body, values)
    return text


def test_every_library_body_takes_the_fast_path_with_its_examples():
    for path in (ROOT / "template_library").rglob("*.sms"):
        t = load_template(path)
        values = {n: str(s.get("example", "x")) for n, s in t.variables.items()}
        assert _check(t.body, values) is not None, path
        assert _check(t.body, {**values, "first_name": ""}) is not None, path


def test_it_steps_aside_for_anything_the_sandbox_must_decide():
    assert _check("Hi {{ name }}", {}) is None                      # undefined: the sandbox's error
    assert _check("Hi {{ name }}", {"name": 7}) is None             # not a str
    assert _check("Hi {{ name }}", {"name": ["a"]}) is None
    assert _check("Hi {{ name }}", {"name": "z" * (sandbox.MAX_VALUE + 1)}) is None  # over the size limit
    assert _check("Hi {{ name }}", {"name": "w" * 20}, max_output=10) is None       # over the output cap
    assert _check("{% if name %}a{% endif %}", {"name": None}) is None
    assert _check("{{ range }}", {}) is None                        # a global, printed by the sandbox
    for body in ["{{ name|upper }}", "{{ self }}", "{{ loop }}", "{{ x.y }}", "{% for i in x %}{% endfor %}"]:
        assert _build(body) is None, body


def test_template_data_is_printed_as_is():
    assert _check("{{ a }}{{ b }} {% raw %}{{ c }}{% endraw %}\n", {"a": "{{ b }}", "b": "%s"}) == "{{ b }}%s {{ c }}"


_PIECE = st.sampled_from(["Hi", " ", "\n", ", ", "é", "{# c #}", "{{- a -}}", "{{ a }}", "{{ b }}", "{{ range }}",
                          "{% if a %}", "{% if b %}", "{% elif b %}", "{% elif c %}", "{% else %}", "{% endif %}",
                          "{%- endif %}", "{% if range %}", "{{ a|e }}"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, max_size=14), st.dictionaries(st.sampled_from(["a", "b", "c", "range"]), st.sampled_from(HOSTILE)),
       st.sampled_from([3, 40, 1600, 10**6]))
def test_generated_bodies_render_alike(pieces, values, max_output):
    body = "".join(pieces)
    try:
        ENV.parse(body)
    except Exception:  # noqa: BLE001 - unbalanced tags: nothing to render
        return
    _check(body, values, max_output)


class _CountingValues(dict):
    """Values that count the lookups the fast path makes."""

    lookups = 0

    def get(self, key, default=None):
        self.lookups += 1
        return super().get(key, default)


def test_a_long_message_steps_aside_before_it_is_built():
    # 30,000 prints of a 1,000-character value would be 30 MB joined; the cap is passed at the
    # second print, and the fast path stops there rather than after building the whole text.
    body = "{{ x }}" * 30_000
    values = _CountingValues(x="v" * 1000)
    assert _check(body, values) is None
    assert values.lookups <= 2
    assert _sandbox(body, {"x": "v" * 1000}, 1600)[0] == "error"


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, max_size=14),
       st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(HOSTILE)),
       st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["", "dflt", None, 3])),
       st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
       st.sampled_from([3, 40, 1600]))
def test_the_compiled_plan_renders_a_row_as_the_walked_plan_and_the_sandbox_do(pieces, row, base, required,
                                                                             max_output):
    # A row's own value wins unless it is None or '' (then the default), as the bulk renderer
    # merges them; a required variable with no value makes both step aside for the slow path.
    body = "".join(pieces)
    try:
        ast = ENV.parse(body)
    except Exception:  # noqa: BLE001 - unbalanced tags: nothing to render
        return
    plain = Plain.of(ast, ENV.globals)
    if plain is None:
        return
    compiled, walked = plain.renderer(max_output, required), plain.walked(max_output, required)
    assert compiled.__qualname__ == "render_row" and walked.__qualname__.startswith("Plain.walked")  # small plans compile
    compiled, walked = compiled(row, base), walked(row, base)
    assert compiled == walked, (body, row, base)
    if compiled is not None:
        merged = {**base, **{k: v for k, v in row.items() if v not in (None, "")}}
        assert all(merged.get(n) not in (None, "") for n in required)
        assert ("text", compiled[0]) == _sandbox(body, merged, max_output), (body, row, base)


def test_a_big_plan_is_walked_not_compiled():
    plain = _build("{{ x }}," * 1000)
    assert plain.renderer(10**6).__qualname__.startswith("Plain.walked")
    assert _render(plain, {"x": "ab"}, 10**6) == "ab," * 1000


def test_template_text_reaches_the_compiled_code_as_data():
    # Names and text that look like Python stay data: the compiled function prints them as is.
    body = "'); import os #{{ a }}\"\"\"{% if b %}\\n{{ b }}{% endif %}"
    assert _check(body, {"a": "x", "b": "y"}) == "'); import os #x\"\"\"\\ny"


def test_the_deepest_plain_nesting_compiles():
    depth = MAX_DEPTH
    body = "{% if a %}{{ a }}" * depth + "!" + "{% endif %}" * depth
    plain = _build(body)
    assert plain is not None and plain.renderer(10**6).__qualname__ == "render_row"
    assert _check(body, {"a": "z"}) == "z" * depth + "!"
