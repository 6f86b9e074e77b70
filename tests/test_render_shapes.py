"""The re-check's literal test from a message's shape gives what testing the whole message gives."""
from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from templater.api import ruleset
from templater.library import load_template
from templater.linter import Linter
from templater.jinja import sandbox
from templater.render.recheck import MessageCheck
from templater.jinja.plain import Plain
from templater.text import fold

ROOT = Path(__file__).resolve().parent.parent
LINTER = Linter(ruleset())
# Values that bring rule literals, white space of every kind, and characters whose case folding
# or normalization is not one-to-one.
VALUES = ["", "Acme", "Ana Maria", " ", "\u00a0", "bit.ly/x", "BIT.LY", "https://acme.example/s/12",
          "tinyurl.com", "t.co", "{{ name }}", "%", "[Name]", "50% OFF", "ΣΑΣ", "İstanbul", "\u212a", "x\ny",
          "\u2019s", "Hi ,", "casino", "free", "STOP", "—", "ﬁ", "a\tb", "Reply STOP to opt out", "bit", "BIT",
          "tiny", "url.com", ".ly", "ly x", "x bit", "bit\u200b.ly", "b\u0456t.ly", "\u0336ly", "\uff42it.ly"]


def _plain(ast) -> Plain | None:
    return Plain.of(ast, sandbox.environment().globals)


def _shaped(plain: Plain, values: dict):
    """The text and shape of the message the bulk renderer makes with these values (None: the sandbox's)."""
    render_row = _RENDERERS.get(plain) or _RENDERERS.setdefault(plain, plain.renderer(1600))
    return render_row(values, values)


_RENDERERS: dict = {}


def _agree(check: MessageCheck, plain: Plain, values: dict) -> None:
    shaped = _shaped(plain, values)
    if shaped is None:
        return
    text, shape = shaped
    text = text.strip()
    low = fold(text).lower()
    assert check.shapes.met(shape) == check.index.met(low), (text, shape)
    first = lambda plan: sorted(plan, key=lambda step: step[0])  # noqa: E731 - (alarm, start literals) pairs
    assert first(check.shapes.patterns(shape)) == first(check._plan(check.index.hits(low))), (text, shape)
    check._seen.clear()
    with_shape = check.errors(text, shape)
    check._seen.clear()
    assert with_shape == check.errors(text), text


def test_library_messages_with_hostile_values():
    rng = random.Random(11)
    for path in sorted((ROOT / "template_library").rglob("*.sms")):
        t = load_template(path)
        simple = _plain(sandbox.environment().parse(t.body))
        check = MessageCheck(LINTER, t, simple)
        assert check.shapes is not None, path
        names = sorted(t.variables)
        for _ in range(60):
            _agree(check, simple, {n: rng.choice(VALUES) for n in names})


_PIECE = st.sampled_from(["Hi", " ", "\n", ", ", ": ", "bit", ".ly", ".ly x", "x bit", "tiny", "url.com", "é",
                          "{{ a }}", "{{ b }}", "{{ c }}",
                          "{% if a %}", "{% if b %}", "{% elif c %}", "{% else %}", "{% endif %}", "{{- a -}}"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECE, max_size=16), st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(VALUES)))
def test_generated_bodies(pieces, values):
    try:
        ast = sandbox.environment().parse("".join(pieces))
    except Exception:  # noqa: BLE001 - unbalanced tags: nothing to render
        return
    simple = _plain(ast)
    if simple is not None:
        t = load_template(ROOT / "template_library" / "retail" / "discount.en.sms")
        _agree(MessageCheck(LINTER, t, simple), simple, {"a": "", "b": "", "c": "", **values})


def test_words_across_fixed_text_and_values():
    t = load_template(ROOT / "template_library" / "retail" / "discount.en.sms")
    bodies = ["{{ a }}.ly x", "x bit{{ a }}", "{{ a }}{{ b }}", "tiny{{ a }}{{ b }}.com y", "see {{ a }}",
              "{% if a %}bit{% endif %}{{ b }}.ly", "{{ a }} {{ b }}", "Hi {{ a }}, {{ b }}\nReply STOP"]
    for body in bodies:
        simple = _plain(sandbox.environment().parse(body))
        check = MessageCheck(LINTER, t, simple)
        for a in VALUES:
            for b in VALUES:
                text, shape = _shaped(simple, {"a": a, "b": b})
                assert check.shapes.met(shape) == check.index.met(fold(text.strip()).lower()), (body, a, b)


def test_new_paths_do_not_grow_memory_without_bound():
    # A body of many {% if %} blocks takes a new path on nearly every row: remembered paths count
    # towards the same bound as remembered answers.
    from templater.render.shapes import _REMEMBERED
    names = [f"a{i}" for i in range(40)]
    # The library template's footer meets its requirements, so every message reaches the shapes.
    body = "Acme: " + "".join(f"{{% if {n} %}}{n} {{% endif %}}" for n in names) + (
        " Up to 4 msgs/month. Msg & data rates may apply. Reply HELP for help. Reply STOP to opt out.")
    t = load_template(ROOT / "template_library" / "retail" / "discount.en.sms")
    simple = _plain(sandbox.environment().parse(body))
    check = MessageCheck(LINTER, t, simple)
    rng = random.Random(5)
    for _ in range(_REMEMBERED + 500):
        text, shape = _shaped(simple, {n: rng.choice(["", "x"]) for n in names})
        check.errors(text, shape)
    assert len(check.shapes._paths) <= _REMEMBERED
