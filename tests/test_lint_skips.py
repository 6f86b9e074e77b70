"""What the lint skips gives nothing the plain code would find (the reference run, TEMPLATER_REFERENCE=1).

- mixed-content scans a template for the markers that can make it fire there and no others
  (LintContext.evidence_of): what it finds is the whole scan's evidence, filtered, in its order;
- the rules that fire only on their own patterns' matches are skipped where neither the body's text
  nor its rendered example holds one of their literals (Linter._silent).

Checked on every real message of the corpus and every rule example, as templates, with a variable
whose example brings words of its own (the rendered example's evidence and matches)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import template_source
from templater import api, reference
from templater.context import LintContext
from templater.linter import Linter
from templater.template import parse

ROOT = Path(__file__).resolve().parent.parent
RULES = api.ruleset()
MESSAGES = [json.loads(line) for line in (ROOT / "benchmarks/corpus/messages.jsonl").open(encoding="utf-8")]


def _context(text: str, category: str, language: str) -> LintContext:
    source = template_source("{{ offer }} " + text, category, language,
                             variables={"offer": {"example": "Flash sale: 20% off with code SAVE20"}})
    template, problems = parse(source, "t.sms", "t")
    assert template is not None
    return LintContext(template, RULES, problems)


@pytest.mark.parametrize("category", ["transactional", "conversational"])
def test_the_scan_for_the_mixing_markers_finds_the_whole_scans_evidence_of_them(category):
    mixing = category == "conversational"
    compared = found = 0
    for row in MESSAGES:
        language = row.get("language", "en")
        if language not in ("en", "fr"):
            continue
        alone = _context(row["text"], category, language).evidence_of(("promotional",), mixing=mixing)
        whole = _context(row["text"], category, language)
        expected = [e for e in whole.evidence
                    if e.kind == "promotional" or (mixing and RULES.signals[e.signal].mixes)]
        assert alone == expected, row["text"]
        compared += 1
        found += len(alone)
    assert compared > 500 and found > compared  # every message, and the example's offer each time


def test_a_context_that_already_holds_the_whole_evidence_filters_it():
    ctx = _context("Your order shipped. Track it: https://x.example/t/1", "transactional", "en")
    whole = ctx.evidence
    assert ctx.evidence_of(("promotional",)) == [e for e in whole if e.kind == "promotional"] != []


def _bodies() -> list[tuple[str, str | None, str]]:
    found = [(row["text"], "transactional", row.get("language", "en")) for row in MESSAGES]
    for item in [*RULES.signals.values(), *RULES.rules.values()]:
        found += [(e.body, e.category, e.language) for e in [*item.fail, *item.passes] if e.body]
    return [(body, category, language) for body, category, language in found if language in ("en", "fr")]


# An example that brings matches of its own; one that case folding changes (no literal pre-test then).
@pytest.mark.parametrize("example", ["Flash sale: 20% off with code SAVE20, more at bit.ly/x, 21+ only",
                                     "İSTANBUL ẞTRASSE"])
def test_the_rules_skipped_by_their_literals_would_have_found_nothing(example, monkeypatch):
    linter = Linter(RULES)
    bodies = _bodies()
    compared = fired = 0
    for body, category, language in bodies:
        source = template_source("{{ offer }} " + body, category, language,
                                 variables={"offer": {"example": example, "required": True}})
        monkeypatch.setattr(reference, "ON", False)
        fast = linter.lint_source(source, "t.sms", "t").findings
        monkeypatch.setattr(reference, "ON", True)
        assert fast == linter.lint_source(source, "t.sms", "t").findings, body
        compared += 1
        fired += len(fast)
    assert compared > 1000 and fired > compared


@pytest.mark.parametrize("category", ["transactional", "conversational"])
def test_the_covering_signals_still_drop_the_markers_they_cover(category):
    """A transactional or reply signal that `covers` markers ("Votre code promo BIENVENUE a bien été
    appliqué": the customer's own incentive) is scanned with the markers, so the skip drops them too."""
    mixing = category == "conversational"
    examples = [(e.body, e.language) for s in RULES.signals.values() if s.covers for e in s.fail + s.passes]
    assert len(examples) > 20
    covered = 0
    for body, language in examples:
        alone = _context(body, category, language).evidence_of(("promotional",), mixing=mixing)
        whole = _context(body, category, language)
        expected = [e for e in whole.evidence
                    if e.kind == "promotional" or (mixing and RULES.signals[e.signal].mixes)]
        assert alone == expected, body
        covered += len(alone) < len(_context(body, category, language)._find_only(
            lambda s: s.kind == "promotional" or (mixing and s.mixes)))
    assert covered > 0  # some marker was dropped by a cover the skip had to scan for
