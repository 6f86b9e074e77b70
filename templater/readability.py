"""Flesch reading ease in English and its French adaptation, computed as textstat computes it.

textstat 0.7.13 imports nltk (about a second here) and, for English, loads nltk's CMU dictionary,
which it tries to download at run time: offline, textstat.flesch_reading_ease() raises for English
text. So templater computes the same formula with textstat's own constants and word and sentence
rules, and counts syllables with pyphen, the hyphenation dictionary textstat itself falls back to
(and always uses in French). tests/test_content_rules.py checks the scores against textstat's own.

pyphen parses its hyphenation dictionary (11,000 patterns in English) into a dictionary of tuples,
and importing pyphen lists its 70 dictionaries through importlib.resources: together about a sixth
of `templater lint FILE`, even from a pickle. So templater's cache keeps each language's patterns
as text, one string per first two characters (Patterns), which loads without importing pyphen,
and a word's patterns are parsed from the strings its letters start; Patterns.syllables applies
them as pyphen's HyphDict.positions does. With TEMPLATER_REFERENCE=1, pyphen itself counts.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from templater import reference

# textstat's LANG_CONFIGS: (base, weight of words per sentence, weight of syllables per word).
# French: Kandel & Moles (1958), the usual French adaptation of Flesch's formula.
FORMULA = {"en": (206.835, 1.015, 84.6), "fr": (207.0, 1.015, 73.6)}
PYPHEN_LANG = {"en": "en_US", "fr": "fr"}

# textstat's word rules: drop punctuation except apostrophes of English contractions, then split.
_NON_CONTRACTION_APOSTROPHE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


# pyphen's dictionary of each language (Pyphen(lang=PYPHEN_LANG[...]) reads the same file).
DICTIONARY = {"en": "hyph_en_US.dic", "fr": "hyph_fr.dic"}
LEFT = RIGHT = 2  # pyphen's defaults: no break within 2 characters of a word's ends


class Patterns:
    """A hyphenation dictionary's patterns (pattern -> first position, values), kept as text by
    the first two characters of the pattern: each group is two strings, its patterns and their
    "start values", made a dictionary on first use (one split each, at C speed)."""

    def __init__(self, patterns: dict[str, tuple[int, tuple[int, ...]]], maxlen: int) -> None:
        groups: dict[str, tuple[list[str], list[str]]] = {}
        for key, (start, values) in patterns.items():
            keys, found = groups.setdefault(key[:2], ([], []))
            keys.append(key)
            found.append(f"{start} {''.join(map(str, values))}")
        self.maxlen = maxlen
        self.text = {prefix: ("\n".join(keys), "\n".join(found)) for prefix, (keys, found) in groups.items()}
        self.groups: dict[str, dict[str, str]] = {}
        self.counts: dict[str, int] = {}

    @staticmethod
    def packable(patterns: dict[str, tuple[int, tuple[int, ...]]]) -> bool:
        """Whether the text form holds these patterns exactly (one digit per value, no blank)."""
        return all(len(key.split()) == 1 and key.split()[0] == key and all(0 <= v <= 9 for v in values)
                   for key, (_start, values) in patterns.items())

    def __getstate__(self) -> tuple:
        return self.maxlen, self.text

    def __setstate__(self, state: tuple) -> None:
        self.maxlen, self.text = state
        self.groups, self.counts = {}, {}

    def _group(self, prefix: str) -> dict[str, str]:
        group = self.groups.get(prefix)
        if group is None:
            keys, found = self.text.get(prefix, ("", ""))
            group = self.groups[prefix] = dict(zip(keys.split("\n"), found.split("\n"))) if keys else {}
        return group

    def syllables(self, word: str) -> int:
        """len(pyphen.Pyphen(lang=...).positions(word)) + 1, computed as pyphen computes it."""
        # Templates of one library share most of their words: each is hyphenated once per run.
        count = self.counts.get(word)
        if count is None:
            if len(self.counts) >= 16384:
                self.counts.clear()
            count = self.counts[word] = self._syllables(word)
        return count

    def _syllables(self, word: str) -> int:
        pointed = f".{word.lower()}."
        references = [0] * (len(pointed) + 1)
        for i in range(len(pointed) - 1):
            stop = min(i + self.maxlen, len(pointed)) + 1
            single = self._group(pointed[i])  # the one-character pattern, then the longer ones
            group = self._group(pointed[i:i + 2])
            for j in range(i + 1, stop):
                pattern = (single if j == i + 1 else group).get(pointed[i:j])
                if not pattern:
                    continue
                start, digits = pattern.split(" ")
                offset, values = int(start), tuple(map(int, digits))
                slice_ = slice(i + offset, i + offset + len(values))
                references[slice_] = map(max, values, references[slice_])
        right = len(word) - RIGHT
        return 1 + sum(1 for i, reference in enumerate(references) if reference % 2 and LEFT <= i - 1 <= right)


def _pyphen_file(language: str) -> Path | None:
    """pyphen's dictionary file for a language, found without importing pyphen (None if absent)."""
    from importlib.util import find_spec

    spec = find_spec("pyphen")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "dictionaries" / DICTIONARY[language]
    return path if path.is_file() else None


def _patterns(language: str, path: Path) -> Patterns | None:
    """The patterns pyphen reads for the language, if they are those of path and fit Patterns."""
    import pyphen

    if Path(pyphen.LANGUAGES[pyphen.language_fallback(PYPHEN_LANG[language])]) != path:
        return None
    parsed = pyphen.HyphDict(path)
    return Patterns(parsed.patterns, parsed.maxlen) if Patterns.packable(parsed.patterns) else None


@lru_cache(maxsize=8)
def _counter(language: str, reference_on: bool) -> Any:
    """What counts a language's syllables: templater's cached Patterns, else (the reference switch,
    an unexpected dictionary) a pyphen.Pyphen."""
    path = _pyphen_file(language)
    if path is not None and not reference_on:
        from templater.cache import cached

        # Keyed by this module's code too: it says what the cached Patterns are.
        patterns = cached([Path(__file__), path], lambda: _patterns(language, path), kind="hyphen")
        if isinstance(patterns, Patterns):
            return patterns
    import pyphen

    return pyphen.Pyphen(lang=PYPHEN_LANG[language], left=LEFT, right=RIGHT)


def words(text: str) -> list[str]:
    """The words of a text, as textstat counts them."""
    return _PUNCTUATION.sub("", _NON_CONTRACTION_APOSTROPHE.sub("", text)).split()


def sentence_count(text: str) -> int:
    """Sentences as textstat counts them: fragments of two words or fewer do not count."""
    if not text:
        return 0
    sentences = _SENTENCE.findall(text)
    return max(1, len(sentences) - sum(1 for s in sentences if len(words(s)) <= 2))


def _word_syllables(word: str, language: str) -> int:
    counter = _counter(language, reference.ON)
    if isinstance(counter, Patterns):
        return counter.syllables(word)
    return len(counter.positions(word)) + 1  # pyphen remembers each word's positions


def syllable_count(text: str, language: str) -> int:
    """Syllables from pyphen's hyphenation points (one more than the number of breaks per word)."""
    counter = _counter(language, reference.ON)
    if isinstance(counter, Patterns):  # the counter looked up once, not per word
        return sum(map(counter.syllables, words(text.lower())))
    return sum(_word_syllables(word, language) for word in words(text.lower()))


def flesch_reading_ease(text: str, language: str, n_words: int | None = None) -> float:
    """Flesch reading ease (English) or Kandel-Moles (French): higher is easier, 60+ is plain.
    n_words: len(words(text)), when the caller has it."""
    base, per_sentence, per_syllable = FORMULA[language]
    if n_words is None:
        n_words = len(words(text))
    n_sentences = sentence_count(text)
    if n_words == 0 or n_sentences == 0:
        return 0.0
    syllables = syllable_count(text, language) / n_words
    if syllables == 0:
        return 0.0
    return base - per_sentence * (n_words / n_sentences) - per_syllable * syllables
