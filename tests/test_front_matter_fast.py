"""The usual front matter is read without PyYAML (templater/front_matter.py); whatever it reads, it
reads as PyYAML does (values and their types, key lines, the variables' lines, no problem), and
anything else goes to PyYAML: parse() gives the same with the speed-ups on and off."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from templater import front_matter, reference
from templater.resources import library_dir
from templater.template import parse, read_source

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BODY = "{{ brand }}: your order {{ ref }} has shipped. Reply STOP to opt out.\n"


def both(yaml_text: str, monkeypatch: pytest.MonkeyPatch) -> tuple:
    source = f"---\n{yaml_text}\n---\n{BODY}"
    monkeypatch.setattr(reference, "ON", False)
    fast = parse(source, "t.sms", "t")
    monkeypatch.setattr(reference, "ON", True)
    slow = parse(source, "t.sms", "t")
    monkeypatch.setattr(reference, "ON", False)
    return fast, slow


def same(fast: tuple, slow: tuple) -> None:
    assert fast == slow
    if slow[0] is not None:  # the values' types too (True == 1 == 1.0 for ==)
        assert repr(fast[0].meta) == repr(slow[0].meta)
        assert (fast[0].key_lines, fast[0].variable_lines) == (slow[0].key_lines, slow[0].variable_lines)


USUAL = """id: retail.order-shipped.en
category: transactional
language: en
description: Tells the customer their order left, with a link to follow it
consent: express
x-team: Growth & Care
variables:
  brand: {description: Sender name, example: 'Gare & Co', required: true}
  ref: {description: Reference, example: "70239", required: true, default: 0}
  note: {description: Ce que l'offre apporte, example: 'it''s here'}
  empty: {}
recurring: yes
program:
  frequency: 4
  name: Club
brand_domains:"""


def test_the_usual_front_matter_is_read_without_pyyaml_and_as_pyyaml_reads_it(monkeypatch):
    assert front_matter.read(USUAL) is not None
    fast, slow = both(USUAL, monkeypatch)
    same(fast, slow)
    meta = fast[0].meta
    assert meta["recurring"] is True and meta["brand_domains"] is None and meta["program"] == {"frequency": 4,
                                                                                               "name": "Club"}
    assert meta["variables"]["note"] == {"description": "Ce que l'offre apporte", "example": "it's here"}
    assert fast[0].key_lines["program"] == 14 and fast[0].variable_lines == {"brand": 9, "ref": 10, "note": 11,
                                                                             "empty": 12}


@pytest.mark.parametrize("yaml_text", [
    "a: 1.5", "a: 012", "a: 1_000", "a: 0x1F", "a: -3", "a: 2025-01-01", "a: ~", "a: .inf", "On: x",
    "a: x # comment", "# comment\na: x", "a: &x y\nb: *x", "a: [1, 2]", "a:\n- x", "a: !!str 1",
    "a: b: c", "a: https://x.example", "a: {b: {c: 1}}", "a: {b: 1, b: 2}", "a: 1\na: 2", "a:\tx",
    'a: "x\\ty"', "a: 'x", "a: x\n  b: y", "a:\n  b: 1\n c: 2", "  a: x", "a: |\n  x", "a: <<", "a: =",
    "a: x\u2028y", "a: \ufeffx", "a: x\x85y", "a: {b: c?}", "a: %x", "a: @x", "a: é", "a: {b: 'x', }",
    "variables: {brand: {example: x}}", "a: 99999999999999999999",
])
def test_other_shapes_go_to_pyyaml_and_read_the_same(yaml_text, monkeypatch):
    assert front_matter.read(yaml_text) is None
    same(*both(yaml_text, monkeypatch))


KEYS = ["id", "category", "variables", "brand", "x-a", "a.b", "yes", "Null", "y", "on", "OFF", "_k"]
SEPARATORS = [":", ": ", ":  ", ":x", " :", ": :"]
VALUES = ["true", "True", "TRUE", "tRue", "yes", "No", "off", "null", "NULL", "~", "", "12", "0", "012", "1_000",
          "1.5", "2025-01-01", "-3", ".inf", "Sender name", "a: b", "a #c", "a#b", "'it''s'", "'a''", '"x"',
          '"a\\"b"', "'a", "{a: 1, b: 'x'}", "{}", "{ }", "{a: b, a: c}", "{a: {b: 1}}", "{a: true, b: c d}",
          "{a: 'x, y', b: \"z}\"}", "[1, 2]", "- x", "&a x", "*a", "!!str 1", "é", "Ce que l'offre", "x?",
          "<<", "=", "|", ">", "%x", "@x", "`x", "Prénom", "a,b", "a{b}", "\tx", "x\u2028y", "{a: b", "{a:b}",
          "{a: 1,b: 2}", "x  ", "Yes please", "{description: Nom, example: \"A & B\", required: true}"]
INDENTS = ["", "", " ", "  ", "    "]
lines = st.one_of(
    st.tuples(st.sampled_from(INDENTS), st.sampled_from(KEYS), st.sampled_from(SEPARATORS),
              st.sampled_from(VALUES)).map("".join),
    st.sampled_from(["", "  ", "# note", "---x", "..."]))


# Mostly the usual shape (which the short reading takes), with at times one line of another kind.
FLAT = [v for v in VALUES if front_matter.read(f"a: {v}") is not None]
keys = st.sampled_from(KEYS + ["description", "example", "required"] * 3)
entry = st.one_of(
    st.tuples(keys, st.sampled_from(FLAT)).map(lambda kv: [f"{kv[0]}: {kv[1]}"]),
    st.tuples(keys, st.sampled_from(["  ", "    "]), st.lists(st.tuples(keys, st.sampled_from(FLAT)), max_size=3))
    .map(lambda k: [f"{k[0]}:"] + [f"{k[1]}{n}: {v}" for n, v in k[2]]))
usual = st.lists(entry, min_size=1, max_size=6).map(lambda es: [line for e in es for line in e])


@st.composite
def documents(draw) -> str:
    found = draw(usual)
    if draw(st.booleans()):
        found[draw(st.integers(0, len(found) - 1))] = draw(lines)
    return "\n".join(found)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_generated_documents_often_take_the_short_reading():
    taken = [front_matter.read(documents().example()) is not None for _ in range(200)]
    assert 40 < sum(taken) < 190


@settings(max_examples=300)
@given(st.one_of(documents(), st.lists(lines, min_size=1, max_size=8).map("\n".join)))
def test_any_front_matter_parses_the_same_with_and_without_the_short_reading(yaml_text):
    with pytest.MonkeyPatch.context() as monkeypatch:
        same(*both(yaml_text, monkeypatch))


def test_lint_output_is_the_same_with_the_switch_on_varied_front_matter(tmp_path, monkeypatch):
    """Through the CLI: templates whose front matter the short reading takes or leaves, with
    findings that name key lines (unknown-metadata, a variable's line, invalid values)."""
    shapes = [USUAL, "category: transactional\nlanguage: en\nlanguge: fr\nvariables:\n  brand: {example: Acme}\n"
              "  unused: {description: Never used}", "category: promotional\nlanguage: fr\nconsent: yes\n"
              "variables:\n  brand:\n    example: Acme\n    required: true", "category: [x]\nlanguage: en",
              "category: transactional\ncategory: promotional", "categry: transactional # typo"]
    for i, shape in enumerate(shapes):
        (tmp_path / f"t{i}.sms").write_text(f"---\n{shape}\n---\n{BODY}", encoding="utf-8")
    outputs = []
    for switch in (False, True):
        monkeypatch.setattr(reference, "ON", switch)
        result = run_cli("lint", "--format", "json", "--jobs", "1", str(tmp_path))
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    rules = {f["rule"] for f in json.loads(outputs[0])}
    assert {"unknown-metadata", "unused-variable", "yaml-syntax"} <= rules


def test_every_library_template_takes_the_short_reading():
    for path in sorted(library_dir().rglob("*.sms")):
        yaml_text = read_source(path).split("---\n")[1].rstrip("\n")
        assert front_matter.read(yaml_text) is not None, path
