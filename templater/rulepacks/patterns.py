"""A rule's regular expression, compiled on first use so start-up pays only for what runs."""
from __future__ import annotations

import re
import sys
from typing import Any, Iterator

from templater.render.prefilter import alternatives, folds_unsafely, necessary_literals
from templater.rulepacks.regex_safety import MAX_MATCH_INPUT


_RECENT: dict[int, tuple[str, str | None]] = {}  # id -> (text, lower-cased form) of the last few texts


def _lowered(string: str) -> str | None:
    """The text lower-cased for substring tests, or None when case folding could hide a match."""
    # Rules ask about the same two or three texts (body, rendered example) in turn; each entry keeps
    # its text alive, so an id is never reused while its entry stands.
    entry = _RECENT.get(id(string))
    if entry is None or entry[0] is not string:
        if len(_RECENT) >= 4:
            _RECENT.clear()
        entry = _RECENT[id(string)] = (string, None if folds_unsafely(string) else string.lower())
    return entry[1]


def literals_of(patterns: list[str]) -> frozenset[str] | None:
    """Lower-case strings one of which every match of 'p1|p2|...' contains, or None if unknown."""
    found: set[str] = set()
    for pattern in patterns:
        for alternative in alternatives(pattern):
            needed = necessary_literals(alternative)
            if not needed:
                return None
            found |= needed
    return frozenset(found)


class LazyPattern:
    """Behaves like a compiled re.Pattern; compiles when first matched, pickles as its source.

    With `literals` (strings one of which every match contains), a text holding none of them is
    answered 'no match' by substring tests, without compiling or running the regex: most rule
    patterns never need compiling for a given message.
    """

    __slots__ = ("source", "flags", "_compiled", "literals")

    def __init__(self, source: str, flags: int = 0, compiled: re.Pattern | None = None,
                 literals: frozenset[str] | None = None) -> None:
        self.source = source
        self.flags = flags
        self._compiled = compiled
        self.literals = literals

    def cannot_match(self, string: str) -> bool:
        """True when the text lacks every necessary literal (exact: never hides a match)."""
        if not self.literals:
            return False
        low = _lowered(string)
        if low is None:
            return False
        for lit in self.literals:
            if lit in low:
                return False
        return True

    @property
    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:  # pattern, groups, sub, ...
        return getattr(self.compiled, name)

    # Matching looks at the first MAX_MATCH_INPUT characters at most, so that even a pattern that
    # backtracks polynomially cannot take long on a huge text (docs/security.md).
    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        if self.cannot_match(string):
            return None
        return self.compiled.search(string, pos, min(endpos, MAX_MATCH_INPUT))

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        if self.cannot_match(string):
            return None
        return self.compiled.match(string, pos, min(endpos, MAX_MATCH_INPUT))

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        if self.cannot_match(string):
            return None
        return self.compiled.fullmatch(string, pos, min(endpos, MAX_MATCH_INPUT))

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match]:
        if self.cannot_match(string):
            return iter(())
        return self.compiled.finditer(string, pos, min(endpos, MAX_MATCH_INPUT))

    def __getstate__(self) -> tuple[str, int, frozenset[str] | None]:
        return self.source, self.flags, self.literals

    def __setstate__(self, state: tuple[str, int, frozenset[str] | None]) -> None:
        self.source, self.flags, self.literals = state
        self._compiled = None

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"
