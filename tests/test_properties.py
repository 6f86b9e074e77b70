"""Property-based tests: lint and classify never raise, segments match a reference, render round-trips.

Example counts stay modest so the suite stays fast; `HYPOTHESIS_PROFILE=long` runs more.
"""
from __future__ import annotations

import math
import os

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from templater import api
from templater.encoding import analyze
from templater.errors import RenderError
from templater.findings import Severity
from templater.library import entries, load_template
from templater.linter import Linter
from templater.template import parse

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# --- strategies -------------------------------------------------------------------------------

JINJA_BITS = ["{{", "}}", "{%", "%}", "{#", "#}", " if ", " for ", " in ", "endif", "endfor", "else",
              "x", "name", "brand", "|upper", "|default('a')", "range(3)", "'", '"', "(", ")", "[", "]",
              "~", "*", "+", "loop.index", "set ", " = ", "macro", "endmacro", "\n", "-", "STOP", "50% off",
              "Your order", "code", ":", "https://x.io"]
text_bodies = st.one_of(st.text(max_size=200),
                        st.lists(st.sampled_from(JINJA_BITS), max_size=30).map("".join))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30))
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
META_KEYS = ["id", "category", "language", "consent", "description", "brand", "variables", "industry"]
variable_specs = st.dictionaries(
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
    st.one_of(yaml_values, st.fixed_dictionaries({}, optional={
        "example": yaml_values, "required": st.booleans(), "default": yaml_values,
        "description": st.text(max_size=20)})),
    max_size=4)
metadata = st.fixed_dictionaries({}, optional={
    "category": st.one_of(st.sampled_from(["promotional", "transactional", "conversational"]), yaml_values),
    "language": st.one_of(st.sampled_from(["en", "fr", "fr-CA", "de"]), yaml_values),
    "variables": st.one_of(variable_specs, yaml_values),
    **{k: yaml_values for k in META_KEYS if k not in ("category", "language", "variables")}})


def _source(meta: dict, body: str) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body


# --- lint and classify never raise ------------------------------------------------------------

LINTER = Linter(api.ruleset())


@given(meta=metadata, body=text_bodies)
def test_lint_never_raises_on_arbitrary_metadata_and_body(meta, body):
    result = LINTER.lint_source(_source(meta, body), "t.sms", "t")
    for finding in LINTER.finish(result):
        assert finding.line >= 1 and finding.message


@given(source=st.one_of(st.text(max_size=300), st.lists(st.sampled_from(
    ["---", "\n", "category: ", "transactional", "[", "]", "{", "}", "&a ", "*a", "- ", ": ", "\t", "'", "\r",
     "\ufeff", "{{ x }}", "{% if %}"]), max_size=40).map("".join)))
def test_lint_never_raises_on_arbitrary_files(source):
    LINTER.finish(LINTER.lint_source(source, "t.sms", "t"))


@given(text=st.text(max_size=400), language=st.sampled_from([None, "en", "fr"]))
def test_classify_never_raises_on_arbitrary_text(text, language):
    result = api.classify(text, language)
    assert result.category in ("promotional", "transactional", "conversational")


@given(meta=metadata, body=text_bodies, language=st.sampled_from([None, "en", "fr"]))
def test_classify_never_raises_on_arbitrary_templates(meta, body, language):
    template, _problems = parse(_source(meta, body), "t.sms", "t")
    if template is not None:
        api.classify_file(template, language)


# --- the segment counter against a reference written from the GSM 03.38 tables ----------------

# GSM 03.38 default alphabet, in table order (0x00-0x7F, without the 0x1B escape), and the
# characters of its extension table, each sent as the escape plus one septet.
REF_BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ" "ÆæßÉ" " !\"#¤%&'()*+,-./0123456789:;<=>?"
             "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" "¿abcdefghijklmnopqrstuvwxyzäöñüà")
REF_EXTENSION = "\f^{}\\[~]|€"


def _reference_segments(costs: list[int], single: int, multi: int) -> int:
    """A message that fits one segment takes one (an empty one too); else fill segments of `multi`
    units in order, never splitting one character's units (an escape pair, a surrogate pair)."""
    if sum(costs) <= single:
        return 1
    segments, room = 1, multi
    for cost in costs:
        if cost > room:
            segments, room = segments + 1, multi
        room -= cost
    return segments


def reference(text: str) -> tuple[str, int, int]:
    """(encoding, units, segments) counting each code point as one character."""
    if all(ch in REF_BASIC or ch in REF_EXTENSION for ch in text):
        costs = [2 if ch in REF_EXTENSION else 1 for ch in text]
        return "GSM-7", sum(costs), _reference_segments(costs, 160, 153)
    costs = [len(ch.encode("utf-16-le")) // 2 for ch in text]
    return "UCS-2", sum(costs), _reference_segments(costs, 70, 67)


gsm_text = st.text(alphabet=REF_BASIC + REF_EXTENSION, max_size=700)
# Characters that stand alone: no marks, joiners, selectors, flags, tags, skin tones or jamo,
# which a grapheme splitter attaches to their neighbour.
standalone = st.characters(blacklist_categories=("Mn", "Me", "Mc", "Cs", "Cf"),
                           blacklist_characters="\u200c\u200d").filter(
    lambda ch: not (0x1F1E6 <= ord(ch) <= 0x1F1FF or 0x1F3FB <= ord(ch) <= 0x1F3FF
                    or 0xE0000 <= ord(ch) <= 0xE007F or 0xFE00 <= ord(ch) <= 0xFE0F
                    or 0x1100 <= ord(ch) <= 0x11FF or 0xAC00 <= ord(ch) <= 0xD7A3 or ord(ch) in (13, 10)))


@given(text=st.one_of(gsm_text, st.text(alphabet=standalone, max_size=400),
                      st.lists(st.one_of(gsm_text, st.text(alphabet=standalone, max_size=3)), max_size=60).map("".join)))
def test_segments_agree_with_the_reference(text):
    enc = analyze(text)
    assert (enc.encoding, enc.units, enc.segments) == reference(text)
    if enc.encoding == "UCS-2":
        assert enc.characters == len(text)


@given(text=st.text(max_size=500))
def test_on_any_unicode_encoding_and_units_agree_and_grouping_only_adds_segments(text):
    enc = analyze(text)
    encoding, units, segments = reference(text)
    assert (enc.encoding, enc.units) == (encoding, units)
    # Keeping a multi-code-point character whole can only leave more room unused.
    assert enc.segments >= segments
    if enc.encoding == "UCS-2" and units > 70:
        assert enc.segments >= math.ceil(units / 67)


# --- render then lint round-trips the library ---------------------------------------------------

LIBRARY = entries()
value_text = st.one_of(st.text(max_size=60), st.sampled_from(
    ["", "{{ 7*7 }}", "{% for %}", "50% off today", "STOP", "https://x.io/a", "Ana", "\u2019", "\U0001F600"]))


@given(index=st.integers(0, len(LIBRARY) - 1), data=st.data())
@settings(max_examples=80)
def test_render_then_lint_round_trips_library_templates(index, data):
    template = load_template(LIBRARY[index].path, LIBRARY[index].id, LIBRARY[index].id)
    names = sorted(template.variables)
    values = data.draw(st.fixed_dictionaries({n: st.one_of(value_text, st.integers(), st.none())
                                              for n in names}))
    try:
        message, findings = api.render(template, values)
    except (RenderError, api.RenderBlocked):
        return
    # What the user would send is a message the linter accepts at error level.
    assert message.text == message.text.strip()
    assert not any(f.severity >= Severity.ERROR for f in findings)


@given(st.text(alphabet=st.sampled_from(list("ab ,'\"-\n") + ["\u00a0", "\u202f", "\u2019", "\u2018", "\u201c",
                                                            "\u201d", "\u00ab", "\u00bb", "\u2013", "\u2014",
                                                            "\u2212", "é", "😀"]), max_size=40))
def test_normalize_folds_each_character_as_the_translate_table_does(text):
    from templater.text import _NORMALIZE, normalize
    assert normalize(text) == text.translate(_NORMALIZE)
    assert len(normalize(text)) == len(text)


# --- fixes ------------------------------------------------------------------------------------

FIXABLE = ["\u2019", "\u00a0", "\u2026", "\u2013", "  \n", "\t\n", " ", "\n", "\u00e7", "\U0001F600", "word",
           "\u200b", "{{ name }}", "{{ '\u2019 ' }}", "{% if name %}", "{% endif %}", "{# \u2019 #}", "STOP"]


@given(body=st.lists(st.sampled_from(FIXABLE), max_size=25).map("".join))
def test_one_fix_run_reaches_a_fixed_point_and_leaves_tags_alone(body):
    from templater import fixes
    from templater.text import expression_spans

    def tags(text: str) -> list[str]:
        return ["".join(text[s:e].split()) for s, e in expression_spans(text)]

    def relint(text: str) -> list:
        return LINTER.finish(LINTER.lint_source(text, "t.sms", "t"))

    source = _source({"category": "transactional", "language": "en", "variables": {"name": {"example": "Ana"}}}, body)
    once, _applied, skipped = fixes.apply_all(source, relint(source), relint)
    assert not [s for s in skipped if "overlaps" in s]
    assert fixes.apply(once, relint(once))[0] == once  # a fixed point: a second --fix changes nothing
    assert tags(once) == tags(source)
