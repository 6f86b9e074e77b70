"""The "did you mean" of every error and finding about a misspelt name (config keys, rule ids,
front-matter keys): one helper, so they all suggest the same way."""
from __future__ import annotations

from typing import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the closest candidate, or "" when none is close."""
    import difflib  # only messages about a misspelling need it

    close = difflib.get_close_matches(word, sorted(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
