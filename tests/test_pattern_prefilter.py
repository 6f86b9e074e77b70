"""The literal pre-test of rule patterns never hides a match the regular expression would find."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from templater import api
from templater.rulepacks.patterns import LazyPattern, literals_of

ROOT = Path(__file__).resolve().parent.parent
RULES = api.ruleset()
PATTERNS = [p for item in [*RULES.signals.values(), *RULES.rules.values()] for p in item.patterns.values()]


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in (ROOT / "benchmarks/corpus/messages.jsonl").open(encoding="utf-8")]
    for item in [*RULES.signals.values(), *RULES.rules.values()]:
        texts += [e.body or e.source or "" for e in [*item.fail, *item.passes]]
    return texts


def test_every_bundled_pattern_has_literals():
    assert PATTERNS and all(p.literals for p in PATTERNS)


def test_pre_test_agrees_with_the_regex_on_real_messages():
    hits = 0
    for text in _texts():
        for pattern in PATTERNS:
            full = [m.span() for m in pattern.compiled.finditer(text)]
            assert [m.span() for m in pattern.finditer(text)] == full, (pattern.source[:60], text)
            hits += bool(full)
    assert hits > 100  # the texts do exercise the patterns


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzSTOPſK%€$ -'é\n0123456789")), max_size=60))
def test_pre_test_agrees_on_arbitrary_text(text):
    for pattern in PATTERNS:
        assert bool(pattern.search(text)) == bool(pattern.compiled.search(text))


def test_literals_of_alternatives():
    assert literals_of([r"\bfree\s+shipping\b", r"(?:big|huge)\s+sale"]) == frozenset({"shipping", "sale"})
    assert literals_of([r"\d+%", r"[a-z]+"]) is None
    pattern = LazyPattern.of([r"\bzebra\b", r"\blion(?:ess)?\b"], 2)
    assert pattern.search("no animals here") is None and pattern._compiled is None and not pattern._subsets
    assert pattern.search("A ZEBRA").group(0) == "ZEBRA" and pattern._compiled is None
    assert [m.group(0) for m in pattern.finditer("lioness, zebra, lion")] == ["lioness", "zebra", "lion"]
    assert pattern._compiled is not None  # every alternative could match: the whole alternation runs


def test_a_subset_scan_finds_what_the_whole_alternation_finds():
    # 'ab' would win at 0 in the full alternation only if listed first; dropping alternatives that
    # cannot match anywhere must keep that order and the leftmost-first choice.
    pattern = LazyPattern.of([r"abc", r"ab", r"xyz", r"b\w+"], 0)
    for text in ("abc", "abd", "zzbq abc", "ab xyz", "xy"):
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in pattern.compiled.finditer(text)]


def _same_matches(pattern, text: str) -> None:
    full = [(m.span(), m.groups()) for m in pattern.compiled.finditer(text)]
    assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == full, (pattern.source[:60], text)
    first = pattern.compiled.search(text)
    found = pattern.search(text)
    assert (found and found.span()) == (first and first.span()), (pattern.source[:60], text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["save ", "SAVE", "20% off ", "stop", "STOP ", "K", "é", " ", "-",
                                  "'", "\n", "free", "bit.ly/x ", "txt", "casino", "ab", "abc ", "b9"]),
                min_size=12, max_size=60))
def test_scans_anchored_at_literals_agree_on_long_text(pieces):
    # Texts of 48 characters and more are scanned only where a match's first literal occurs.
    text = "".join(pieces)
    overlapping = LazyPattern.of([r"abc", r"ab", r"(?<![\w-])save\s+\d+", r"b\w+"], 2)
    # ... unless lower-casing could hide a match or move it (those texts are scanned whole).
    for variant in (text, text + " ſave 20 ", "İ" + text, text.replace("i", "ı")):
        for pattern in [*PATTERNS, overlapping]:
            _same_matches(pattern, variant)


def _index():
    from templater.rulepacks.literals import LiteralIndex, analyse
    needs = [analyse(p.source) for p in PATTERNS]
    return LiteralIndex([n for n in needs if n is not None])


_INDEX = _index()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz%$&.:/[]{}<>_2 \n0123456789é-")), max_size=60))
def test_met_once_finds_the_literals_met_finds(text):
    # met_once cuts ASCII text with a byte table and remembers the pieces as a whole; met looks word
    # by word. Both must give the same slots, on a fresh index and on one that has seen the text.
    low = text.lower()
    fresh = _index()
    assert _INDEX.met_once(low) == fresh.met(low) == fresh.met_once(low) == _INDEX.met_once(low)


def test_met_once_on_links_and_codes():
    for low in ["https://bit.ly/3xyz", "https://acme.example/s/0000123", "{first_name}", "%name%", "[link]",
                "code: save20", "http://t.co/ab", "ok"]:
        assert _INDEX.met_once(low) == _index().met(low), low
    assert _INDEX.met_once("https://bit.ly/3xyz")  # a shortener's literal is found inside a link
