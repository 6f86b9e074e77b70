"""Necessary literals of a regular expression: strings one of which every match must contain.

Scanning a message with every rule's regex costs far more than rendering it. Most rule patterns
cannot match without some literal word ("casino", "bit.ly", "{{"), so checking for those words
first, with plain substring tests on the lower-cased text, tells cheaply and exactly that a
pattern cannot match. The extraction is conservative: a construct it does not understand yields
None ("could match anything"), and a pattern with None is always searched for real.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from templater.records import dataclass
from templater.regex_parser import constants as sre, parser as sre_parse

Literals = frozenset[str]


def _best(candidates: list[Literals]) -> Literals | None:
    """The most selective set: longest shortest string, then fewest strings."""
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _item(op: int, av: Any) -> Literals | None:
    """The literals one non-literal item of a sequence needs (None: no useful literal)."""
    if op == sre.SUBPATTERN:
        return _best(_needs(av[-1]))
    if op == sre.BRANCH:
        alts = [_best(_needs(alt)) for alt in av[1]]
        return None if any(a is None for a in alts) else frozenset().union(*alts)  # type: ignore[arg-type]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
        return _best(_needs(av[2]))
    return None  # classes, any, anchors, look-arounds, optional parts


def _needs(items: Iterable[Any]) -> list[Literals]:
    """Literal sets a match of the sequence needs, every one of them (each: one of its strings)."""
    needed: list[Literals] = []
    run: list[str] = []
    for op, av in items:
        if op == sre.LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        if run:
            needed.append(frozenset({"".join(run)}))
            run = []
        found = _item(op, av)
        if found:
            needed.append(found)
    if run:
        needed.append(frozenset({"".join(run)}))
    return needed


def _prefixes(items: list) -> Literals | None:
    """Literals one of which every match starts with (after zero-width assertions), or None."""
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == len(items):
        return None
    op, av = items[i]
    if op == sre.LITERAL and av < 128:
        run = []
        while i < len(items) and items[i][0] == sre.LITERAL and items[i][1] < 128:
            run.append(chr(items[i][1]).lower())
            i += 1
        return frozenset({"".join(run)})
    if op == sre.SUBPATTERN:
        return _prefixes(list(av[-1]))
    if op == sre.BRANCH:
        alts = [_prefixes(list(alt)) for alt in av[1]]
        return None if any(a is None for a in alts) else frozenset().union(*alts)  # type: ignore[arg-type]
    return None


@dataclass(frozen=True)
class Needs:
    """What a match of one pattern requires: every set in `all`, and a start at one of `starts`."""

    all: tuple[Literals, ...]
    starts: Literals | None


def analyse(pattern: str) -> Needs | None:
    """The literals a pattern's matches need, or None when nothing useful is known."""
    try:
        parsed = list(sre_parse.parse(pattern).data)
    except Exception:  # noqa: BLE001 - an unparsable pattern just gets no shortcut
        return None
    needed = tuple(s for s in _needs(parsed) if s and "" not in s)
    starts = _prefixes(parsed)
    if starts is not None and "" in starts:
        starts = None
    if not needed:
        return None
    return Needs(needed, starts)


_LETTER: list = []  # re.compile("[a-z]", re.IGNORECASE), made on the first non-ASCII text (start-up)
_FOLDS: dict[str, bool] = {}
_ASCII_RUNS = re.compile("[\x00-\x7f]+")


def folds_unsafely(text: str) -> bool:
    """Whether text holds a character that re.IGNORECASE equates with an ASCII letter but lower() does not.

    ('ſ' matches 's' in a case-insensitive pattern, yet 'ſ'.lower() is 'ſ'.) Such text gets the full
    regex scan, since the lower-cased substring test could miss a match.
    """
    if text.isascii():
        return False
    for ch in set(_ASCII_RUNS.sub("", text)):  # its non-ASCII characters
        unsafe = _FOLDS.get(ch)
        if unsafe is None:
            if not _LETTER:
                _LETTER.append(re.compile("[a-z]", re.IGNORECASE))
            unsafe = _FOLDS[ch] = bool(_LETTER[0].fullmatch(ch)) and not ch.lower().isascii()
        if unsafe:
            return True
    return False


def _top_level(source: str) -> tuple[list[str], int | None]:
    """The source split at top-level '|', and where the group opened at 0 closes (None if not a group)."""
    parts, depth, start, i, in_class, first_close = [], 0, 0, 0, False, None
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source[i + 1:i + 2] == "^":
                i += 1
            if source[i + 1:i + 2] == "]":  # a ']' right after '[' or '[^' is a literal
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and first_close is None and source.startswith("("):
                first_close = i
        elif ch == "|" and depth == 0:
            parts.append(source[start:i])
            start = i + 1
        i += 1
    parts.append(source[start:])
    return parts, first_close


def alternatives(source: str) -> list[str]:
    """The alternatives of a pattern, unwrapping whole-pattern (?:...) groups: 'a|(?:b|c)' -> ['a', 'b', 'c']."""
    parts, close = _top_level(source)
    if len(parts) == 1:
        if source.startswith("(?:") and close == len(source) - 1:
            return alternatives(source[3:-1])
        return [source]
    return [alt for part in parts for alt in alternatives(part)]


GRAM = 3  # literals are found in words through their first 3 characters (all of a shorter one)
_TOKEN_CACHE = 4096  # words whose literals are remembered (URLs are new each time); cleared when full
_MET_CACHE = 1024  # sets of met literals whose patterns are remembered; cleared when full


class LiteralFinder:
    """Which of some literals (each with its slot: a number, or the literal itself) occur in a lower-cased text: the one literal
    pre-filter, for the lint's rule patterns (patterns.py) and the bulk re-check (LiteralIndex).

    A literal without white space lies inside one word of the text, so the text is cut into words
    and each distinct word is looked up once (messages of one template share most words, and the
    lookups and their union run at C speed). A new word (a unique link or code) is cut further,
    at every character no such literal contains (in practice digits and most punctuation), into
    pieces that are themselves common, and a piece is searched only for the literals that start
    with one of its first-GRAM-character grams. Literals with white space are tested on the whole text.
    """

    def __init__(self, literals: Iterable[tuple[str, Any]]) -> None:
        self.by_gram: dict[str, list[tuple[str, int]]] = {}
        self.whole: list[tuple[str, int]] = []  # tested on the whole text
        for lit, slot in literals:
            if lit.split() == [lit]:
                self.by_gram.setdefault(lit[:GRAM], []).append((lit, slot))
            else:
                self.whole.append((lit, slot))
        self.grams = frozenset(self.by_gram)
        chars = "".join(sorted({ch for group in self.by_gram.values() for lit, _ in group for ch in lit}))
        self._cut = re.compile("[^%s]+" % re.escape(chars)) if chars else None
        # The same cut for ASCII text at C speed: every other byte becomes a space, then split().
        self._table = bytes(b if chr(b) in chars else 32 for b in range(256)) if chars else None
        self._combos: dict[tuple[bytes, ...], frozenset[int]] = {}
        self.sizes = sorted({len(g) for g in self.grams})
        self._words: dict[str, frozenset[int]] = {}
        self._pieces: dict[str, frozenset[int]] = {}

    def _scan(self, word: str) -> frozenset[int]:
        grams = {word[i:i + n] for n in self.sizes for i in range(len(word) - n + 1)}
        found: set[int] = set()
        for gram in self.grams.intersection(grams):
            found.update(slot for lit, slot in self.by_gram[gram] if lit in word)
        return frozenset(found)

    def _word(self, word: str) -> frozenset[int]:
        if self._cut is None:
            return frozenset()
        found: set[int] = set()
        for piece in self._cut.split(word):
            found.update(self._piece(piece))
        return frozenset(found)

    def _piece(self, piece: str) -> frozenset[int]:
        """_scan(piece), remembered (bounded)."""
        slots = self._pieces.get(piece)
        if slots is None:
            if len(self._pieces) >= _TOKEN_CACHE:
                self._pieces.clear()
            slots = self._pieces[piece] = self._scan(piece)
        return slots

    def met_once(self, low: str) -> frozenset[int]:
        """met(low) for a text not worth remembering word by word (its caller remembers it whole)."""
        if self._table is not None and low.isascii():
            # Its pieces (white space is never a literal's character), remembered as a whole: a
            # new link or code usually cuts into pieces seen before ('https', 'acme.example', 's').
            key = tuple(low.encode("ascii").translate(self._table).split())
            met = self._combos.get(key)
            if met is None:
                if len(self._combos) >= _TOKEN_CACHE:
                    self._combos.clear()
                met = self._combos[key] = frozenset().union(*[self._piece(p.decode("ascii")) for p in key])
        else:
            met = frozenset().union(*map(self._word, low.split()))
        if self.whole:
            met |= {slot for lit, slot in self.whole if lit in low}
        return met

    def met(self, low: str) -> frozenset[int]:
        """The literal slots whose literals occur in low."""
        words = self._words
        tokens = set(low.split())
        new = tokens.difference(words)
        if new:
            if len(words) + len(new) > _TOKEN_CACHE:
                words.clear()
                new = tokens
            for word in new:
                words[word] = self._word(word)
        met = frozenset().union(*map(words.__getitem__, tokens))
        if self.whole:
            met |= {slot for lit, slot in self.whole if lit in low}
        return met


class LiteralIndex(LiteralFinder):
    """Which patterns' literal needs a lower-cased text meets (each pattern: Needs, several sets of
    literals each of which must have one in the text). Which patterns a set of met literal slots
    satisfies is remembered per set."""

    def __init__(self, needs: list[Needs]) -> None:
        slot = 0
        self.single: dict[int, int] = {}  # slot -> pattern, for patterns that need one literal set
        self.first: dict[int, tuple[int, frozenset[int]]] = {}  # first slot -> (pattern, all its slots)
        literals: list[tuple[str, int]] = []
        for index, item in enumerate(needs):
            slots = frozenset(range(slot, slot + len(item.all)))
            if len(slots) == 1:
                self.single[slot] = index
            else:
                self.first[slot] = (index, slots)
            for lits in item.all:
                literals += [(lit, slot) for lit in lits]
                slot += 1
        super().__init__(literals)
        self._patterns: dict[frozenset[int], list[int]] = {}

    def patterns(self, met: frozenset[int]) -> list[int]:
        """Indexes of the patterns all of whose literal sets are among the met slots."""
        hit = self._patterns.get(met)
        if hit is None:
            hit = [self.single[s] for s in met & self.single.keys()]
            hit += [self.first[s][0] for s in met & self.first.keys() if self.first[s][1] <= met]
            if len(self._patterns) >= _MET_CACHE:
                self._patterns.clear()
            self._patterns[met] = hit
        return hit

    def hits(self, low: str) -> list[int]:
        """Indexes of the patterns all of whose literal sets occur in low."""
        return self.patterns(self.met(low))
