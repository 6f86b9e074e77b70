"""A rule's regular expression, compiled on first use so start-up pays only for what runs."""
from __future__ import annotations

import re
from typing import Any


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

    def __getattr__(self, name: str) -> Any:  # search, finditer, fullmatch, pattern, ...
        return getattr(self.compiled, name)

    def __getstate__(self) -> tuple[str, int]:
        return self.source, self.flags

    def __setstate__(self, state: tuple[str, int]) -> None:
        self.source, self.flags = state
        self._compiled = None

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r})"
