"""A rule's regular expression, compiled on first use and only in the parts a text can match.

A rule's patterns are joined into one alternation 'p1|p2|...'. Most alternatives cannot match
without some literal word ("casino", "bit.ly", "% off"); an alternative none of whose necessary
literals occurs in a text can never win at any position, so dropping it leaves every match of
the alternation unchanged. Each text is therefore scanned with the alternation of just the
alternatives it could match (often none, so nothing is compiled or scanned at all), which makes
start-up and throughput pay for what a message contains rather than for the size of the rule set.

Which literals a text holds is found once per text for every pattern (_seen, with the same
literals.LiteralFinder the bulk re-check uses); and when every
chosen alternative's matches start with a known literal, the regex is tried only where one of
those occurs (_anchored) rather than at every position.
"""
from __future__ import annotations

import re
import sys
from typing import Any, Iterator

from templater import reference
from templater.rulepacks.literals import LiteralFinder, Needs, alternatives, analyse, folds_unsafely
from templater.rulepacks.regex_safety import MAX_MATCH_INPUT

Literals = frozenset[str]
# An alternative: its source, the most selective literal set its matches need (one of those
# strings is in every match; None: nothing known), and the other sets they need too.
Alternative = tuple[str, "Literals | None", "tuple[Literals, ...]"]
# A subset of the alternatives, compiled, and the literals each of its matches starts with (or None).
Choice = tuple[re.Pattern, "Literals | None"]

_UNIVERSE: set[str] = set()  # the literals of every pattern made so far
# Which of them a text holds: literals.LiteralFinder over the universe, each literal its own slot
# (so that what it finds is the literals themselves), made when first needed after the universe
# grew; texts seen before are then looked at again.
_FINDER: list[LiteralFinder | None] = [None]
_VERSION = [0]  # bumped when the universe grows
_RECENT: dict[int, tuple[str, int, str, frozenset[str]] | tuple[str, int, None, None]] = {}
_SHORT = 48  # texts shorter than this (variable names) skip the shared index of literals
_SUBSETS = 64  # compiled alternations kept per pattern, by which alternatives they hold
_CACHE = 4096  # plans remembered per signal group; cleared when full
_SHORT_CACHE = 256  # short texts remembered per pattern (a few dozen variable names in practice)


def _all_literals(alts: tuple[Alternative, ...] | None) -> frozenset[str]:
    return frozenset(lit for _alt, best, rest in alts or () if best for s in (best, *rest) for lit in s)


def _register(literals: frozenset[str]) -> None:
    new = literals - _UNIVERSE
    if new:
        _UNIVERSE.update(new)
        _FINDER[0] = None
        _VERSION[0] += 1


def _present(low: str) -> frozenset[str]:
    """The universe's literals in a lower-cased text."""
    finder = _FINDER[0]
    if finder is None:
        finder = _FINDER[0] = LiteralFinder((lit, lit) for lit in sorted(_UNIVERSE))
    return finder.met(low)  # type: ignore[return-value]  # its slots are the literals


def _seen(string: str) -> tuple[str | None, frozenset[str] | None]:
    """(lower-cased text, the universe's literals in it); (None, None) when case folding could hide a match."""
    # Rules ask about the same two or three texts (body, rendered example) in turn: one pass per
    # text answers every pattern. Each entry keeps its text alive, so an id is never reused while
    # its entry stands.
    entry = _RECENT.get(id(string))
    if entry is None or entry[0] is not string or entry[1] != _VERSION[0]:
        if len(_RECENT) >= 8:
            _RECENT.clear()
        if folds_unsafely(string):
            entry = (string, _VERSION[0], None, None)
        else:
            low = string.lower()
            entry = (string, _VERSION[0], low, _present(low))
        _RECENT[id(string)] = entry
    return entry[2], entry[3]


def literals_held(string: str) -> frozenset[str] | None:
    """The literals of every pattern made so far that a text holds (lower-cased), or None when
    case folding could hide a match: a LazyPattern none of whose `_any` literals is among them
    cannot match the text."""
    return _seen(string)[1]


def _seen_like(string: str, like: str) -> tuple[str | None, frozenset[str] | None]:
    """_seen(string), for a string known to hold the same literals as `like` (unless a literal
    holds the character the two differ by: text.HOLE, '\x00')."""
    entry = _RECENT.get(id(string))
    if entry is not None and entry[0] is string and entry[1] == _VERSION[0]:
        return entry[2], entry[3]
    if _NUL_LITERAL[0] != _VERSION[0]:
        _NUL_LITERAL[:] = _VERSION[0], any("\x00" in lit for lit in _UNIVERSE)
    if _NUL_LITERAL[1] or folds_unsafely(string):
        return _seen(string)
    present = _seen(like)[1]
    if present is None:
        return _seen(string)
    if len(_RECENT) >= 8:
        _RECENT.clear()
    entry = _RECENT[id(string)] = (string, _VERSION[0], string.lower(), present)
    return entry[2], entry[3]


_NUL_LITERAL: list = [-1, True]  # (universe version, whether a literal holds '\x00')


def _anchored(regex: re.Pattern, anchors: Literals, string: str, low: str, pos: int,
              endpos: int) -> Iterator[re.Match]:
    """regex.finditer(string, pos, endpos), for a regex every match of which starts with one of
    the anchors, found in low (the text lower-cased, character for character).

    Scanning tries each alternative at every position of the text; here the regex is tried only
    where an anchor occurs. regex.match at a place sees the text before it (look-behinds, \\b)
    as the scan would, and the alternatives are tried there in order, as the scan tries them; the
    leftmost place that matches is the scan's next match, and the next one is looked for after it.
    """
    places: set[int] = set()
    for lit in anchors:
        i = low.find(lit, pos, endpos)
        while i != -1:
            places.add(i)
            i = low.find(lit, i + 1, endpos)
    after = pos
    for place in sorted(places):
        if place >= after:
            m = regex.match(string, place, endpos)
            if m is not None:
                yield m
                after = m.end()


def _most_selective(sets: tuple[Literals, ...]) -> Literals:
    return max(sets, key=lambda s: (min(map(len, s)), -len(s)))


def _alternative(source: str) -> Alternative:
    needs = analyse(source)
    if needs is None or not needs.all:
        return source, None, ()
    best = _most_selective(tuple(needs.all))
    return source, best, tuple(s for s in needs.all if s is not best)


def split_alternatives(patterns: list[str]) -> tuple[Alternative, ...]:
    """Every top-level alternative of the patterns, with the literal sets its matches need."""
    return tuple(_alternative(alt) for p in patterns for alt in alternatives(p))


def literals_of(patterns: list[str]) -> Literals | None:
    """Lower-case strings one of which every match of 'p1|p2|...' contains, or None if unknown."""
    found: set[str] = set()
    for _alt, best, _rest in split_alternatives(patterns):
        if best is None:
            return None
        found |= best
    return frozenset(found)


class LazyPattern:
    """Behaves like a compiled re.Pattern for search, match, fullmatch and finditer."""

    __slots__ = ("source", "flags", "alts", "_any", "_lits", "_compiled", "_subsets", "_choices", "_short", "_starts",
                 "_by_best")

    def __init__(self, source: str, flags: int = 0, compiled: re.Pattern | None = None,
                 alts: tuple[Alternative, ...] | None = None) -> None:
        self.source = source
        self.flags = flags
        self._compiled = compiled
        self._set_alts(alts)

    def _set_alts(self, alts: tuple[Alternative, ...] | None,
                  known: tuple[frozenset[str], Literals | None] | None = None) -> None:
        self.alts = alts
        self._subsets: dict[tuple[int, ...], Choice] = {}
        # The choice for each set of this pattern's literals a text holds (texts share them).
        self._choices: dict[frozenset[str], Choice | None] = {}
        self._short: dict[str, re.Pattern | None] = {}  # for_text of short texts (variable names)
        self._starts: dict[int, Literals | None] = {}  # alternative -> literals its matches start with
        # (literal -> the alternatives whose most selective set holds it, the alternatives without
        # one): made on the first text that needs a new choice (see _chosen).
        self._by_best: tuple[dict[str, list[int]], list[int]] | None = None
        # Every literal an alternative needs (the text index finds them all), and the ones of which
        # one is in every match (None when some alternative could match any text). A pattern
        # loaded from the rule cache brings both (known), sparing start-up the work.
        self._lits, self._any = known if known is not None else (_all_literals(alts), self.literals)
        _register(self._lits)

    @classmethod
    def of(cls, patterns: list[str], flags: int = 0, compiled: re.Pattern | None = None) -> "LazyPattern":
        """The alternation of patterns, with each alternative's literals worked out."""
        source = "|".join(f"(?:{p})" for p in patterns)
        return cls(source, flags, compiled, split_alternatives(patterns))

    @property
    def literals(self) -> Literals | None:
        """Strings one of which every match contains (None when some alternative needs none)."""
        if self.alts is None or any(best is None for _a, best, _r in self.alts):
            return None
        return frozenset().union(*(best for _a, best, _r in self.alts))  # type: ignore[arg-type]

    @property
    def compiled(self) -> re.Pattern:
        """The whole alternation, compiled."""
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def for_text(self, string: str) -> re.Pattern | None:
        """The alternation of the alternatives that could match this text; None when none could."""
        if self.alts is None or reference.ON:
            return self.compiled
        if len(string) < _SHORT:  # a variable name: test this pattern's own literals, no text index
            # Templates share their variable names (brand, first_name...): each is looked at once.
            try:
                return self._short[string]
            except KeyError:
                if len(self._short) >= _SHORT_CACHE:
                    self._short.clear()
                regex = self._short[string] = self._for_short(string)
                return regex
        low, present = _seen(string)
        if present is None or low is None:
            return self.compiled
        choice = self._choose(present)
        return None if choice is None else choice[0]

    def _for_short(self, string: str) -> re.Pattern | None:
        if folds_unsafely(string):
            return self.compiled
        low = string.lower()
        choice = self._choose(frozenset(lit for lit in self._lits if lit in low))
        return None if choice is None else choice[0]

    def _plan(self, string: str) -> tuple[re.Pattern, Literals | None, str] | None:
        """(regex, the literals its matches start with, the lower-cased text) to scan a text with.

        The literals are None when some chosen alternative has none, or when the lower-cased text
        does not line up with the text character for character; None when nothing can match.
        """
        if self.alts is None or len(string) < _SHORT or reference.ON:
            regex = self.for_text(string)
            return None if regex is None else (regex, None, "")
        entry = _RECENT.get(id(string))  # _seen's answer, asked of the same few texts by every rule
        if entry is not None and entry[0] is string and entry[1] == _VERSION[0]:
            low, present = entry[2], entry[3]
        else:
            low, present = _seen(string)
        if present is None or low is None:
            return self.compiled, None, ""
        if self._any is not None and self._any.isdisjoint(present):
            return None  # _choose's usual answer
        choice = self._choose(present)
        if choice is None:
            return None
        return choice[0], choice[1] if len(low) == len(string) else None, low

    def _choose(self, present: frozenset[str]) -> Choice | None:
        """The alternatives that could match a text holding these literals (every literal of the
        pattern that the text holds is among them), compiled, with their first literals."""
        if self._any is not None and self._any.isdisjoint(present):
            return None  # the usual case: no alternative's literal is in the text
        held = present & self._lits
        try:
            return self._choices[held]
        except KeyError:
            pass
        chosen = self._chosen(held)
        if len(self._choices) >= _SUBSETS * 4:
            self._choices.clear()
        choice = self._choices[held] = self._subset(chosen) if chosen else None
        return choice

    def _chosen(self, held: frozenset[str]) -> tuple[int, ...]:
        """The alternatives (in order) that have no literal set, or hold one of each of their sets."""
        alts = self.alts
        assert alts is not None
        if reference.ON:
            return tuple(i for i, (_alt, best, rest) in enumerate(alts)
                         if best is None or (not best.isdisjoint(held) and all(not s.isdisjoint(held) for s in rest)))
        if self._by_best is None:  # an index, so that a choice looks only at the alternatives held literals name
            by_best: dict[str, list[int]] = {}
            for i, (_alt, best, _rest) in enumerate(alts):
                for lit in best or ():
                    by_best.setdefault(lit, []).append(i)
            self._by_best = by_best, [i for i, (_alt, best, _rest) in enumerate(alts) if best is None]
        by_best, always = self._by_best
        named = {i for lit in held for i in by_best.get(lit, ())}
        return tuple(sorted([*always, *(i for i in named if all(not s.isdisjoint(held) for s in alts[i][2]))]))

    def _subset(self, key: tuple[int, ...]) -> Choice:
        choice = self._subsets.get(key)
        if choice is None:
            if len(self._subsets) >= _SUBSETS:
                self._subsets.clear()
            if len(key) == len(self.alts):  # type: ignore[arg-type]
                regex = self.compiled
            else:
                regex = re.compile("|".join(f"(?:{self.alts[i][0]})" for i in key), self.flags)  # type: ignore[index]
            starts = [self._starts_of(i) for i in key]
            anchors = None if any(s is None for s in starts) else frozenset().union(*starts)  # type: ignore[arg-type]
            choice = self._subsets[key] = (regex, anchors)
        return choice

    def _starts_of(self, index: int) -> Literals | None:
        if index not in self._starts:
            needs: Needs | None = analyse(self.alts[index][0])  # type: ignore[index]
            self._starts[index] = needs.starts if needs is not None else None
        return self._starts[index]

    def __getattr__(self, name: str) -> Any:  # pattern, groups, sub, ...
        return getattr(self.compiled, name)

    # Matching looks at the first MAX_MATCH_INPUT characters at most, so that even a pattern that
    # backtracks polynomially cannot take long on a huge text (docs/security.md).
    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        plan = self._plan(string)
        if plan is None:
            return None
        regex, anchors, low = plan
        if anchors is None:
            return regex.search(string, pos, min(endpos, MAX_MATCH_INPUT))
        return next(_anchored(regex, anchors, string, low, pos, min(endpos, MAX_MATCH_INPUT)), None)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        regex = self.for_text(string)
        return None if regex is None else regex.match(string, pos, min(endpos, MAX_MATCH_INPUT))

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        regex = self.for_text(string)
        return None if regex is None else regex.fullmatch(string, pos, min(endpos, MAX_MATCH_INPUT))

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match]:
        plan = self._plan(string)
        if plan is None:
            return iter(())
        regex, anchors, low = plan
        if anchors is None:
            return regex.finditer(string, pos, min(endpos, MAX_MATCH_INPUT))
        return _anchored(regex, anchors, string, low, pos, min(endpos, MAX_MATCH_INPUT))

    def __getstate__(self) -> tuple:
        # What each alternative's matches start with, worked out once for the rule cache (parsing
        # the alternatives a text chose was a tenth of `templater lint FILE`).
        for index in range(len(self.alts or ())):
            self._starts_of(index)
        return self.source, self.flags, self.alts, (self._lits, self._any), self._starts

    def __setstate__(self, state: tuple) -> None:
        self.source, self.flags, alts, known, starts = state
        self._compiled = None
        self._set_alts(alts, known)
        self._starts = starts

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"


class PatternGroup:
    """Several patterns asked about the same texts, as the signals are: one look at the literals
    a text holds picks the few patterns that could match it, instead of a question to each."""

    def __init__(self, patterns: list[Any]) -> None:
        self.patterns = patterns
        # Plain re.Patterns and patterns without literals are asked about every text.
        self.always = [i for i, p in enumerate(patterns) if not isinstance(p, LazyPattern) or p._any is None]
        self.by_literal: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            if isinstance(p, LazyPattern) and p._any is not None:
                for lit in p._any:
                    self.by_literal.setdefault(lit, []).append(i)
        self.keys = frozenset(self.by_literal)
        # Every literal the group's patterns look at (_choose reads nothing else of a text's).
        self.literals = frozenset().union(*(p._lits for p in patterns if isinstance(p, LazyPattern)))
        # The group's literals a text holds -> [(index, regex, anchors)]: what each pattern's
        # finditer would choose, worked out once per set rather than once per pattern and text.
        # (Keyed by the group's literals only: a text's own set varies with its links and numbers.)
        self._plans: dict[frozenset[str], list[tuple[int, Any, Literals | None]]] = {}

    def _plan(self, present: frozenset[str]) -> list[tuple[int, Any, Literals | None]]:
        present = present & self.literals
        plan = self._plans.get(present)
        if plan is None:
            found = set(self.always)
            for lit in present & self.keys:  # the text's literals are many; the group's, fewer
                found.update(self.by_literal[lit])
            plan = []
            for i in sorted(found):
                pattern = self.patterns[i]
                if not isinstance(pattern, LazyPattern):
                    plan.append((i, pattern, None))
                elif pattern.alts is None:
                    plan.append((i, pattern.compiled, None))
                else:
                    choice = pattern._choose(present)
                    if choice is not None:
                        plan.append((i, *choice))
            if len(self._plans) >= _CACHE:
                self._plans.clear()
            self._plans[present] = plan
        return plan

    def finditer(self, string: str, like: str | None = None) -> Iterator[tuple[int, re.Match]]:
        """(index, match) for the matches of each pattern in turn, as pattern.finditer gives them.

        like: a text known to hold the same rule literals as string (a template's masked body, for
        its matching view), whose literals are then not looked for again."""
        if len(string) < _SHORT or reference.ON:
            low, present = None, None
        elif like is not None:
            low, present = _seen_like(string, like)
        else:
            low, present = _seen(string)
        if present is None or low is None:  # a short text, or one where case folding could hide a match
            for i, pattern in enumerate(self.patterns):
                for m in pattern.finditer(string, 0, MAX_MATCH_INPUT):
                    yield i, m
            return
        aligned = len(low) == len(string)  # else the lower-cased text's offsets are not the text's
        for i, regex, anchors in self._plan(present):
            if anchors is None or not aligned:
                for m in regex.finditer(string, 0, MAX_MATCH_INPUT):
                    yield i, m
            else:
                for m in _anchored(regex, anchors, string, low, 0, MAX_MATCH_INPUT):
                    yield i, m
