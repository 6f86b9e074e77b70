"""The learned promotional scorer: a second opinion beside the rules, in pure Python.

A TF-IDF logistic regression over word 1-2-grams and character 3-5-grams (within words), one
model per language, trained by `benchmarks/train_scorer.py` on the development part of
benchmarks/corpus and shipped as `templater/data/scorer.<lang>.json`. It is consulted only where
the rules found no promotional evidence: a message it scores at or above the model's threshold
gets promotional evidence with signal `scorer`, the span of its highest-scoring sentence, and the
words that weighed most.

Deterministic (the same text always gets the same score), imported only when a template needs
it, and cheap: the features of a word, and of a sentence, are computed once per process and reused.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from operator import mul
from pathlib import Path
from typing import Iterator

from templater.matching import fold_accents, replace_placeholders
from templater.template import LANGUAGES
from templater.text import normalize

DATA = Path(__file__).resolve().parent / "data"
SIGNAL = "scorer"
SLOT = "§"  # every placeholder, whatever its syntax, reads as this one token

# Links (in a lower-case token) and digits (one shape for every number). Placeholders are those
# the signals' matching view knows (templater.matching), each read as one slot token.
_LINK = re.compile(r"https?:|www\.|[\w-]\.(?:com|fr|io|co|net|org|ly|me|app|shop)\b")  # in a lower-case token
_DIGITS = re.compile(r"\d")
# A dash glued between a letter or a placeholder and a number ("menu-00%" once digits are 0s).
_GLUED_DASH = re.compile(r"(?<=[^\W\d_]|§)-(?=0)")
# Classes of numbers, in a token whose digits are 0s: a price, a percentage, a code (4 digits or more).
_PRICE = re.compile(r"[$€£]0|0(?:[.,]0+)?(?:€|\$|£|eur|euros?|fcfa)$")
_PERCENT = re.compile(r"0%")
_CODE = re.compile(r"0{4,}")
_SENTENCE = re.compile(r"\S(?:[^\n]*?[.!?…](?=\s)|[^\n]*\S)?")
_EDGE_PUNCT = ".,;:!?\"'()[]{}…-–—/*"


def _same_length(match: re.Match) -> str:
    """A placeholder replaced by the slot token, padded with spaces to the same length."""
    n = len(match.group(0))
    return f" {SLOT} ".center(n) if n >= 3 else f" {SLOT}"[-n:]


def prepare(text: str) -> str:
    """The text as the model reads it, of the same length (so that sentence spans hold in both):
    typographic dashes, quotes and spaces as ASCII (templater.text.normalize), placeholders as one
    slot token, every digit as 0, a dash glued to a number as a space, lower case."""
    text = _DIGITS.sub("0", replace_placeholders(normalize(text), _same_length))
    if "-" in text:
        text = _GLUED_DASH.sub(" ", text)
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(ch.lower()[0] for ch in text)


def _as_read(token: str) -> str:
    """A token of a prepared text as the features see it: a link as 'url', a price as '0price', a
    percentage as '0pct', a code of 4 digits or more as '0code', without accents (SMS are often
    written without them)."""
    if _LINK.search(token):
        return "url"
    if "0" in token:
        bare = token.strip(_EDGE_PUNCT)
        if _PERCENT.search(bare):
            return "0pct"
        if _PRICE.search(bare):
            return "0price"
        if _CODE.fullmatch(bare):
            return "0code"
    return fold_accents(token)


def _read(token: str) -> tuple[str, list[str]]:
    """A token's word and its features: the character 3-5-grams of the token as read, padded with
    spaces (as they are), and the word (prefixed 'w:')."""
    read = _as_read(token)
    padded = f" {read} "
    out = [padded[i:i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    word = read.strip(_EDGE_PUNCT)
    if word:
        out.append("w:" + word)
    return word, out


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a text: up to a . ! ? or … followed by a space, or a line's end."""
    return [m.span() for m in _SENTENCE.finditer(text)]


def _pairs(words: list[str]) -> list[str]:
    """The word-pair features of a sentence's words (empty words, pure punctuation, left out)."""
    words = [w for w in words if w]
    return [f"w:{a} {b}" for a, b in zip(words, words[1:])]


def features(text: str) -> list[str]:
    """Every feature of a text, sentence by sentence (the analyzer the trainer gives scikit-learn)."""
    out = []
    text = prepare(text)
    for start, end in sentence_spans(text):
        words = []
        for token in text[start:end].split():
            word, found = _read(token)
            words.append(word)
            out += found
        out += _pairs(words)
    return out


@dataclass(frozen=True)
class Opinion:
    """The scorer's view of a text: its best sentence, that sentence's score and the words that weighed most."""

    score: float
    start: int
    end: int
    words: tuple[str, ...]


class Model:
    """One language's weights: for each kept feature its idf and coefficient, an intercept, a threshold."""

    def __init__(self, data: dict) -> None:
        self.language = data["language"]
        self.threshold = float(data["threshold"])
        self.intercept = float(data["intercept"])
        names = list(data["features"])
        # Ids start at 1 so that filter(None, ...) drops the features the model does not know.
        self.index = {name: i for i, name in enumerate(names, 1)}
        self.idf = [0.0] + [float(data["features"][n][0]) for n in names]
        self.coef = [0.0] + [float(data["features"][n][1]) for n in names]
        self._idf2 = [v * v for v in self.idf]
        self._weight = [v * c for v, c in zip(self.idf, self.coef)]
        self._tokens: dict[str, tuple[str, tuple[int, ...]]] = {}  # token -> (word, feature ids)
        self._sentences: dict[str, tuple[list[str], list[int]]] = {}

    def _token(self, token: str) -> tuple[str, tuple[int, ...]]:
        found = self._tokens.get(token)
        if found is None:
            if len(self._tokens) > 100_000:
                self._tokens.clear()
            word, features = _read(token)
            found = self._tokens[token] = (word, tuple(filter(None, map(self.index.get, features))))
        return found

    def _sentence_ids(self, sentence: str) -> tuple[list[str], list[int]]:
        """A prepared sentence's words and the ids of its features in the model (repeated as often
        as found). Remembered: the same sentences ("Reply STOP to opt out.") come back often."""
        found = self._sentences.get(sentence)
        if found is None:
            if len(self._sentences) > 20_000:
                self._sentences.clear()
            found = self._sentences[sentence] = self._read_sentence(sentence)
        return found

    def _read_sentence(self, sentence: str) -> tuple[list[str], list[int]]:
        words: list[str] = []
        ids: list[int] = []
        for token in sentence.split():
            word, token_ids = self._token(token)
            words.append(word)
            ids += token_ids
        index = self.index
        ids += filter(None, map(index.get, _pairs(words)))
        return words, ids

    def decision(self, ids: list[int]) -> float:
        """The logistic regression's decision value for a bag of feature ids, each as often as it
        occurs (L2-normalised TF-IDF)."""
        if not ids:
            return self.intercept
        counts = Counter(ids)
        times = counts.values()
        square = sum(map(mul, map(mul, times, times), map(self._idf2.__getitem__, counts)))
        return self.intercept + sum(map(self._weight.__getitem__, ids)) / math.sqrt(square)

    def score(self, text: str) -> float:
        """The decision value of a whole text (what the trainer's scikit-learn model computes)."""
        text = prepare(text)
        return self.decision([i for start, end in sentence_spans(text) for i in self._sentence_ids(text[start:end])[1]])

    def opinion(self, text: str) -> Opinion | None:
        """When the whole text scores at or above the threshold: its highest-scoring sentence and the
        words that weighed most in the text's score."""
        text = prepare(text)
        spans = sentence_spans(text)
        sentences = [self._sentence_ids(text[s:e])[1] for s, e in spans]
        ids = [i for found in sentences for i in found]
        value = self.decision(ids)
        if value < self.threshold:
            return None
        best = max(range(len(spans)), key=lambda k: (self.decision(sentences[k]), -k))
        start, end = spans[best]
        return Opinion(value, start, end, self._weighed_most([text[s:e] for s, e in spans]))

    def _weighed_most(self, sentences: list[str], most: int = 3) -> tuple[str, ...]:
        """The words (and word pairs) whose features pushed the text's score up the most, from its
        prepared sentences (the norm scales every contribution alike, so it is left out)."""
        weight = self._weight
        pushed: dict[str, float] = {}
        for sentence in sentences:
            words = []
            for token in sentence.split():
                word, ids = self._token(token)
                words.append(word)
                if word and ids:
                    pushed[word] = pushed.get(word, 0.0) + sum(map(weight.__getitem__, ids))
            for pair in _pairs(words):
                i = self.index.get(pair)
                if i is not None:
                    pushed[pair[2:]] = pushed.get(pair[2:], 0.0) + weight[i]
        ranked = sorted((w for w in pushed if pushed[w] > 0 and w != SLOT), key=lambda w: (-pushed[w], w))
        return tuple(ranked[:most])


_MODELS: dict[str, Model | None] = {}


def model(language: str) -> Model | None:
    """The shipped model of a language (loaded once), or None when there is none."""
    if language not in _MODELS:
        try:
            raw = (DATA / f"scorer.{language}.json").read_text(encoding="utf-8")
        except OSError:
            _MODELS[language] = None
        else:
            _MODELS[language] = Model(json.loads(raw))
    return _MODELS[language]


@contextmanager
def using(models: dict[str, Model | None]) -> Iterator[None]:
    """Score with these models (None: no scorer for that language) instead of the shipped ones.

    For the accuracy benchmark and the trainer, which measure models built without the messages
    they score.
    """
    saved = dict(_MODELS)
    _MODELS.clear()
    _MODELS.update(models)
    try:
        yield
    finally:
        _MODELS.clear()
        _MODELS.update(saved)


def strongest(text: str, language: str | None) -> Opinion | None:
    """The opinion on a normalized text that passes its model's threshold by the most (None when
    none does): without a language, every language's model is asked."""
    best = None
    for lang in ((language,) if language else LANGUAGES):
        m = model(lang)
        found = m.opinion(text) if m is not None else None
        if m is not None and found is not None and (best is None or found.score - m.threshold > best[0]):
            best = (found.score - m.threshold, found)
    return best[1] if best is not None else None

