"""What the rules would catch in a source they were not written from: source-supported detections.

The rules were written from the development part of benchmarks/corpus, so on it they catch almost
everything in-sample. A rule detection of promotional content counts as *source-supported* when
one of the promotional pattern alternatives that match it also matches promotional content from
another source: a pattern fitted to one source's phrasing would have missed that source had it
been unseen. This is a leave-source-out stand-in for the rules that needs no new messages.

benchmarks/accuracy.py prints the rules' source-supported recall; benchmarks/train_scorer.py
chooses the learned scorer's threshold on what it adds to the rules' source-supported decisions.
"""
from __future__ import annotations

import functools
import re
from typing import Iterable, NamedTuple

from templater import api, scorer
from templater.matching import view
from templater.template import LANGUAGES
from templater.text import fold

Unit = tuple[str, int]  # (promotional signal id, index of a pattern alternative; -1: its variable names)


class Item(NamedTuple):
    """What support needs of one message."""

    text: str
    language: str
    group: str  # its source
    promotional: bool  # the truth: promotional content present


@functools.lru_cache(maxsize=None)
def units(text: str, language: str) -> frozenset[Unit]:
    """The promotional pattern alternatives that match a text, read as the signals read it (its
    folded text's matching view)."""
    seen = view(fold(text), language)
    found = set()
    for signal in api.ruleset().signals.values():
        if signal.kind != "promotional":
            continue
        pattern = signal.patterns.get(language)
        for i, (source, _best, _rest) in enumerate(getattr(pattern, "alts", None) or ()):
            if re.search(source, seen.text, pattern.flags):
                found.add((signal.id, i))
        if signal.variables is not None and any(signal.variables.fullmatch(n) for n, _s, _e in seen.names):
            found.add((signal.id, -1))
    return frozenset(found)


@functools.lru_cache(maxsize=None)
def rules_detect(text: str, language: str) -> bool:
    """Whether the rules alone (no learned scorer) call a text promotional."""
    with scorer.using({lang: None for lang in LANGUAGES}):
        return api.classify(text, language=language).category == "promotional"


def supported(items: Iterable[Item], detected: Iterable[bool]) -> list[bool]:
    """For each item, whether its detection (detected: the rules called it promotional) is
    source-supported: it has promotional content and a pattern alternative that matches it also
    matches promotional content of another source among the items. False for the rest."""
    items, detected = list(items), list(detected)
    sources: dict[tuple[str, Unit], set[str]] = {}
    for item in items:
        if item.promotional:
            for unit in units(item.text, item.language):
                sources.setdefault((item.language, unit), set()).add(item.group)
    return [hit and item.promotional and any(sources[(item.language, unit)] - {item.group}
                                             for unit in units(item.text, item.language))
            for item, hit in zip(items, detected)]


def caught(items: Iterable[Item]) -> list[bool]:
    """For each item, whether the rules would call it promotional had its source been unseen: a
    source-supported detection of promotional content, or any detection of a message without (a
    false positive stays one)."""
    items = list(items)
    detected = [rules_detect(i.text, i.language) for i in items]
    support = supported(items, detected)
    return [ok or (hit and not item.promotional) for item, hit, ok in zip(items, detected, support)]
