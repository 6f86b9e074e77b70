"""Find signal evidence (promotional and transactional markers) in text and variable names."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from templater.records import dataclass
from templater.matching import view
from templater.rulepacks.model import Signal
from templater.rulepacks.patterns import PatternGroup


@dataclass(frozen=True)
class Evidence:
    """One marker found: which signal, the text that matched, and where."""

    signal: str
    kind: str
    text: str
    start: int
    end: int
    where: str = "text"  # text | variable | rendered
    words: tuple[str, ...] = ()  # the learned scorer's evidence: the words that weighed most

    def to_dict(self) -> dict:
        out = {"signal": self.signal, "kind": self.kind, "text": self.text,
               "start": self.start, "end": self.end, "where": self.where}
        if self.words:
            out["words"] = list(self.words)
        return out


_GROUPS: dict[tuple, PatternGroup] = {}  # by the patterns themselves, which the key keeps alive


def _group(patterns: tuple) -> PatternGroup:
    group = _GROUPS.get(patterns)
    if group is None:
        if len(_GROUPS) >= 16:
            _GROUPS.clear()
        group = _GROUPS[patterns] = PatternGroup(list(patterns))
    return group


def find_in_text(pairs: list[tuple[Signal, re.Pattern]], text: str, where: str = "text",
                 language: str | None = None) -> list[Evidence]:
    """Every match of every (signal, pattern) pair in a normalized text, in text order.

    The patterns read the text's matching view (matching.py: accents, glued dashes, the language's
    SMS abbreviations and placeholders folded); each piece of evidence points at the text as written.
    A placeholder of another tool ({coupon_code}, [DISCOUNT]...) is also read by its name, as the
    signals' variable-name patterns read a Jinja variable's.
    """
    seen = view(text, language)
    found = []
    # Only the patterns some of whose literals are in the text are scanned (usually a few).
    for i, m in _group(tuple(p for _s, p in pairs)).finditer(seen.text, like=text if seen.holes_only else None):
        if m.end() > m.start():
            signal = pairs[i][0]
            start, end = seen.span(m.start(), m.end())
            found.append(Evidence(signal.id, signal.kind, text[start:end].strip(), start, end, where))
    if seen.names:
        named = {s.id: (s, s.variables) for s, _p in pairs if s.variables is not None}
        for name, start, end in seen.names:
            for signal, variables in named.values():
                if variables.fullmatch(name):
                    found.append(Evidence(signal.id, signal.kind, text[start:end], start, end, where))
    found.sort(key=lambda e: (e.start, e.end, e.signal))
    return _uncovered(found, {s.id: s for s, _p in pairs}, text)


# Where a sentence ends: a stop followed by a space, or a line end.
_SENTENCE_END = re.compile(r"[.!?\u2026](?=\s)|\n")


def _reach(signal: Signal, ev: Evidence, text: str) -> tuple[int, int]:
    """The part of the text a covering signal's evidence speaks for (Signal.reach)."""
    if signal.reach == "match":
        return ev.start, ev.end
    if signal.reach == "message":
        return 0, len(text)
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, ev.start)), default=0)
    if signal.reach == "after":
        return start, len(text)
    end = _SENTENCE_END.search(text, ev.end)
    return start, end.end() if end else len(text)


def _uncovered(found: list[Evidence], signals: dict[str, Signal], text: str) -> list[Evidence]:
    """The evidence without the promotional markers that a covering signal's evidence shows to be the
    customer's own: "10% Off Coupon" in "You've redeemed 500 points for: 10% Off Coupon", "Book now"
    after "A spot opened up!" (a waitlist). A marker outside the cover's reach still counts."""
    covers = [(signals[e.signal].covers, _reach(signals[e.signal], e, text))
              for e in found if e.signal in signals and signals[e.signal].covers]
    if not covers:
        return found
    return [e for e in found if not any(e.signal in ids and start <= e.start and e.end <= end
                                         for ids, (start, end) in covers)]


def find_in_variables(signals: list[Signal], names: dict[str, int]) -> list[Evidence]:
    """Signals whose variable-name patterns match a variable used in the body (name -> offset)."""
    found = []
    for signal in signals:
        if signal.variables is None:
            continue
        for name, offset in names.items():
            if signal.variables.fullmatch(name):
                found.append(Evidence(signal.id, signal.kind, name, offset, offset + len(name), "variable"))
    found.sort(key=lambda e: (e.start, e.signal))
    return found


def second_opinion(evidence: list[Evidence], text: str, language: str | None) -> list[Evidence]:
    """The learned scorer's evidence (signal `scorer`) where the rules found nothing promotional.

    templater.scorer is imported only here, and only when a model ships (templater/data) or the
    module is already loaded (the accuracy benchmark and the tests give it models): with no
    model, lint does not pay for the import.
    """
    if any(e.kind == "promotional" for e in evidence):
        return []
    if "templater.scorer" not in sys.modules and not _models_ship():
        return []
    from templater import scorer

    found = scorer.strongest(text, language)
    if found is None:
        return []
    return [Evidence(scorer.SIGNAL, "promotional", text[found.start:found.end], found.start, found.end,
                     words=found.words)]


_SHIPPED: list[bool] = []


def _models_ship() -> bool:
    """Whether any learned scorer model ships in templater/data (looked up once)."""
    if not _SHIPPED:
        data = Path(__file__).resolve().parent / "data"
        _SHIPPED.append(data.is_dir() and any(data.glob("scorer.*.json")))
    return _SHIPPED[0]
