"""Find signal evidence (promotional and transactional markers) in text and variable names."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

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

    def to_dict(self) -> dict:
        return {"signal": self.signal, "kind": self.kind, "text": self.text,
                "start": self.start, "end": self.end, "where": self.where}


_GROUPS: dict[tuple, PatternGroup] = {}  # by the patterns themselves, which the key keeps alive


def _group(patterns: tuple) -> PatternGroup:
    group = _GROUPS.get(patterns)
    if group is None:
        if len(_GROUPS) >= 16:
            _GROUPS.clear()
        group = _GROUPS[patterns] = PatternGroup(list(patterns))
    return group


# A sentence ends at . ! ? followed by a space or the end of the text ("params.code" and "1.5" go
# on), or at a line break; the blank after it (empty lines) belongs to no sentence.
_SENTENCE_END = re.compile(r"(?:[.!?]+(?=\s|$)|\n)\s*")


def govern(evidence: list[Evidence], text: str, governors: tuple = ()) -> list[Evidence]:
    """Drop the promotional evidence an account event governs: a match that starts at or after an
    event match ("You've redeemed 500 points for: 10% Off Coupon"), in the event's sentence or the
    next one, names what the customer already got, not an offer. Evidence offsets are in text.
    """
    if not governors or not any(e.kind == "promotional" for e in evidence):
        return evidence
    events = [m.start() for _i, m in _group(governors).finditer(text) if m.end() > m.start()]
    if not events:
        return evidence
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    # (start, end) of each governed stretch: from an event to the end of the sentence after its own.
    stretches = [(at, ends[i + 1] if i + 1 < len(ends) else len(text))
                 for at in events for i in [bisect_right(ends, at)]]
    return [e for e in evidence
            if e.kind != "promotional" or not any(start <= e.start < end for start, end in stretches)]


def find_in_text(pairs: list[tuple[Signal, re.Pattern]], text: str, where: str = "text",
                 governors: tuple = ()) -> list[Evidence]:
    """Every match of every (signal, pattern) pair in a normalized text, in text order, without
    the promotional matches an account event governs (governors: RuleSet.governors_for)."""
    found = []
    # Only the patterns some of whose literals are in the text are scanned (usually a few).
    for i, m in _group(tuple(p for _s, p in pairs)).finditer(text):
        if m.end() > m.start():
            signal = pairs[i][0]
            found.append(Evidence(signal.id, signal.kind, m.group(0).strip(), m.start(), m.end(), where))
    found.sort(key=lambda e: (e.start, e.end, e.signal))
    return govern(found, text, governors)


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
