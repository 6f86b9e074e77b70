"""Flesch reading ease in English and its French adaptation, computed as textstat computes it.

textstat 0.7.13 imports nltk (about a second here) and, for English, loads nltk's CMU dictionary,
which it tries to download at run time: offline, textstat.flesch_reading_ease() raises for English
text. So templater computes the same formula with textstat's own constants and word and sentence
rules, and counts syllables with pyphen, the hyphenation dictionary textstat itself falls back to
(and always uses in French). pyphen is imported only when a score is asked for, so lint start-up
never pays for it. tests/test_content_rules.py checks the scores against textstat's own.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

# textstat's LANG_CONFIGS: (base, weight of words per sentence, weight of syllables per word).
# French: Kandel & Moles (1958), the usual French adaptation of Flesch's formula.
FORMULA = {"en": (206.835, 1.015, 84.6), "fr": (207.0, 1.015, 73.6)}
PYPHEN_LANG = {"en": "en_US", "fr": "fr"}

# textstat's word rules: drop punctuation except apostrophes of English contractions, then split.
_NON_CONTRACTION_APOSTROPHE = re.compile(r"\'(?!(?:[tsd]|ve|ll|re))")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


@lru_cache(maxsize=4)
def _dictionary(language: str) -> Any:
    import pyphen  # deferred: only readability needs it

    from templater.cache import cached

    # Parsing a hyphenation dictionary takes ~50 ms; its pickle loads in ~4 ms, so the parsed
    # dictionary is kept in templater's cache (keyed by the .dic file's content) for pyphen to reuse.
    path = pyphen.LANGUAGES[pyphen.language_fallback(PYPHEN_LANG[language])]
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = cached([Path(path)], lambda: pyphen.HyphDict(Path(path)), kind="hyphen")
    return pyphen.Pyphen(lang=PYPHEN_LANG[language])


def words(text: str) -> list[str]:
    """The words of a text, as textstat counts them."""
    return _PUNCTUATION.sub("", _NON_CONTRACTION_APOSTROPHE.sub("", text)).split()


def sentence_count(text: str) -> int:
    """Sentences as textstat counts them: fragments of two words or fewer do not count."""
    if not text:
        return 0
    sentences = _SENTENCE.findall(text)
    return max(1, len(sentences) - sum(1 for s in sentences if len(words(s)) <= 2))


@lru_cache(maxsize=16384)
def _word_syllables(word: str, language: str) -> int:
    # Templates of one library share most of their words: each is hyphenated once per run.
    return len(_dictionary(language).positions(word)) + 1


def syllable_count(text: str, language: str) -> int:
    """Syllables from pyphen's hyphenation points (one more than the number of breaks per word)."""
    return sum(_word_syllables(word, language) for word in words(text.lower()))


def flesch_reading_ease(text: str, language: str) -> float:
    """Flesch reading ease (English) or Kandel-Moles (French): higher is easier, 60+ is plain."""
    base, per_sentence, per_syllable = FORMULA[language]
    n_words = len(words(text))
    n_sentences = sentence_count(text)
    if n_words == 0 or n_sentences == 0:
        return 0.0
    syllables = syllable_count(text, language) / n_words
    if syllables == 0:
        return 0.0
    return base - per_sentence * (n_words / n_sentences) - per_syllable * syllables
