"""The "did you mean" of every error and finding about a misspelt name (config keys, rule ids,
front-matter keys, library ids, columns): one helper, so they all suggest the same way."""
from __future__ import annotations

from typing import Callable, Iterable


def did_you_mean(word: str, candidates: Iterable[str], most: int = 1, cutoff: float = 0.6,
                 key: Callable[[str], str] | None = None) -> str:
    """" (did you mean 'x'?)" for the closest candidates (up to `most`), or "" when none is close.

    `key` folds the word and the candidates before they are compared (case, accents); the
    suggestion is the candidate as given.
    """
    import difflib  # only messages about a misspelling need it

    fold = key or str
    by_key: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_key.setdefault(fold(candidate), candidate)
    close = difflib.get_close_matches(fold(word), list(by_key), n=most, cutoff=cutoff)
    return " (did you mean " + " or ".join(f"'{by_key[c]}'" for c in close) + "?)" if close else ""
