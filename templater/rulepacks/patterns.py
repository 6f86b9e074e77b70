"""A rule's regular expression, compiled on first use so start-up pays only for what runs."""
from __future__ import annotations

import re
import sys
from typing import Any, Iterator

from templater.rulepacks.regex_safety import MAX_MATCH_INPUT


class LazyPattern:
    """Behaves like a compiled re.Pattern; compiles when first matched, pickles as its source."""

    __slots__ = ("source", "flags", "_compiled")

    def __init__(self, source: str, flags: int = 0, compiled: re.Pattern | None = None) -> None:
        self.source = source
        self.flags = flags
        self._compiled = compiled

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
        return self.compiled.search(string, pos, min(endpos, MAX_MATCH_INPUT))

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        return self.compiled.match(string, pos, min(endpos, MAX_MATCH_INPUT))

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match | None:
        return self.compiled.fullmatch(string, pos, min(endpos, MAX_MATCH_INPUT))

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match]:
        return self.compiled.finditer(string, pos, min(endpos, MAX_MATCH_INPUT))

    def __getstate__(self) -> tuple[str, int]:
        return self.source, self.flags

    def __setstate__(self, state: tuple[str, int]) -> None:
        self.source, self.flags = state
        self._compiled = None

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"
