"""A static check for regular expressions prone to catastrophic backtracking, run at pack load.

Python's `re` backtracks: a pattern where one repetition can match the same text in many ways
takes time exponential in the input on a near miss (`(a+)+$` against 'aaaa…!'). A user's rule
pack must not be able to hang a CI job, so the loader rejects the two shapes behind almost every
such pattern, found by walking the parse tree that `re` itself builds:

- a repeat whose body holds another repeat that can hand characters to its neighbour, across the
  turns of the outer loop (`(a+)+`, `(.*)*`, `(\\w+\\s?)+`, `(.*,)+` are refused; `(\\w+\\s)+`
  and `(?:\\d+[.,])+` pass, since each turn must then end at a character the inner repeat cannot
  take);
- repeats in a row that can trade characters, three of them anywhere or two at the start of the
  pattern (`\\d*\\d*x`, `.*a.*x`, `\\s*:?\\s*:?\\s*`): not exponential, but a power of the
  text's length;
- a repeat over an alternation whose alternatives can match the same text (`(a|a)*`,
  `(a|aa)*`, `(?:[a-z]+|\\d)+`).

The check is conservative: it may refuse a pattern that is in fact safe, and says how to rewrite
it. Characters are compared on a sample alphabet (ASCII, Latin-1 and the typographic characters
the packs use), so classes are compared without enumerating Unicode.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from templater.regex_parser import constants as _c, parser as _p

# Rule patterns look at this many characters of a text at most (LazyPattern applies it): far more
# than any SMS body, and small enough that a pattern which backtracks polynomially stays quick.
MAX_MATCH_INPUT = 10_000

_SAMPLE = tuple(chr(i) for i in range(0x250)) + tuple("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac\u202f")
_ALL = frozenset(_SAMPLE)
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT}
# A repeat of a few turns at most ('{0,3}') can only backtrack polynomially, and the bounded input
# length keeps that small; the check looks at repeats that can run more turns than this.
MANY = 5
_CATEGORY = {_c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
             _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W"}

NESTED = ("repeats a group that itself repeats, which can backtrack exponentially: make the inner "
          "and outer repeats unable to take the same characters (e.g. '(\\w+\\s)+' rather than "
          "'(\\w+\\s?)+')")
CHAINED = ("has two repeats in a row that can take the same characters, which backtracks in a "
           "power of the text's length: separate them by a character only one can take (e.g. "
           "'\\w+\\s+\\w+' rather than '\\w+\\s*\\w+'), or drop a leading '.*'")
OVERLAP = ("repeats alternatives that can start with the same character, which can backtrack "
           "exponentially: make the alternatives start differently (e.g. '(ab?)+' rather than "
           "'(a|ab)+')")


@lru_cache(maxsize=None)
def _category(code: Any) -> frozenset[str]:
    pattern = re.compile(_CATEGORY.get(code, r"[^\s\S]"))
    return frozenset(ch for ch in _SAMPLE if pattern.fullmatch(ch))


def _cased(ch: str) -> set[str]:
    return {ch, ch.lower(), ch.upper()}  # the packs compile with IGNORECASE


def _charset(op: Any, av: Any) -> frozenset[str] | None:
    """The characters one single-character node can match, or None for other nodes."""
    if op is _c.LITERAL:
        return frozenset(_cased(chr(av)))
    if op is _c.NOT_LITERAL:
        return _ALL - _cased(chr(av))
    if op is _c.ANY:
        return _ALL
    if op is _c.IN:
        chars: set[str] = set()
        negate = False
        for item_op, item in av:
            if item_op is _c.NEGATE:
                negate = True
            elif item_op is _c.LITERAL:
                chars |= _cased(chr(item))
            elif item_op is _c.RANGE:
                for ch in _SAMPLE:
                    if any(len(c) == 1 and item[0] <= ord(c) <= item[1] for c in _cased(ch)):
                        chars |= _cased(ch)
            elif item_op is _c.CATEGORY:
                chars |= _category(item)
            else:
                chars |= _ALL
        return frozenset(_ALL - chars) if negate else frozenset(chars)
    return None


def _children(op: Any, av: Any) -> list:
    """The sub-sequences of a node."""
    if op in _REPEATS or op is getattr(_c, "POSSESSIVE_REPEAT", None):
        return [av[2]]
    if op is _c.SUBPATTERN:
        return [av[-1]]
    if op is _c.BRANCH:
        return list(av[1])
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return [av[1]]
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return [av]
    if op is _c.GROUPREF_EXISTS:
        return [s for s in av[1:] if s is not None]
    return []


def _repeated_chars(seq: Any) -> frozenset[str] | None:
    """Characters that some repeat (more than once) inside seq can take; None when none repeats."""
    found: set[str] | None = None
    for op, av in seq:
        if op in _REPEATS and av[1] > 1:
            found = (found or set()) | _chars(av[2])
        for child in _children(op, av):
            inner = _repeated_chars(child)
            if inner is not None:
                found = (found or set()) | inner
    return None if found is None else frozenset(found)


def _chars(seq: Any) -> frozenset[str]:
    """Every character a sequence can match anywhere."""
    out: set[str] = set()
    for op, av in seq:
        single = _charset(op, av)
        if single is not None:
            out |= single
        elif op not in (_c.ASSERT, _c.ASSERT_NOT):
            for child in _children(op, av):
                out |= _chars(child)
    return frozenset(out)


def _required(seq: Any) -> list[frozenset[str]]:
    """Character sets of the nodes a match of seq must go through, at its top level."""
    out = []
    for op, av in seq:
        single = _charset(op, av)
        if single is not None:
            out.append(single)
        elif op is _c.SUBPATTERN:
            out += _required(av[-1])
        elif op in _REPEATS and av[0] >= 1:
            out += _required(av[2])
    return out


def _nullable(seq: Any) -> bool:
    """Whether seq can match the empty string."""
    for op, av in seq:
        if _charset(op, av) is not None:
            return False
        if op is _c.SUBPATTERN and not _nullable(av[-1]):
            return False
        if op is _c.BRANCH and not any(_nullable(alt) for alt in av[1]):
            return False
        if op in _REPEATS and av[0] >= 1 and not _nullable(av[2]):
            return False
    return True


def _first(seq: Any) -> frozenset[str]:
    """Characters a non-empty match of seq can start with (all of them when unsure)."""
    out: set[str] = set()
    for op, av in seq:
        single = _charset(op, av)
        if single is not None:
            return frozenset(out | single)
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        if op is _c.SUBPATTERN:
            inner = [av[-1]]
        elif op is _c.BRANCH:
            inner = list(av[1])
        elif op in _REPEATS:
            inner = [av[2]]
        else:
            return _ALL  # a back-reference or a conditional: could start with anything
        out |= frozenset().union(*(_first(i) for i in inner))
        if not (_nullable([(op, av)])):
            return frozenset(out)
    return frozenset(out)


def _branches(seq: Any) -> list[list]:
    """The alternatives of every alternation in seq, however deep."""
    out = []
    for op, av in seq:
        if op is _c.BRANCH:
            out.append(list(av[1]))
        for child in _children(op, av):
            out += _branches(child)
    return out


def _ambiguous(body: Any) -> bool:
    """Whether an alternation in a repeated body lets one text match in several ways."""
    start = _first(body)
    for alts in _branches(body):
        firsts = [_first(alt) for alt in alts]
        empty = [_nullable(alt) for alt in alts]
        if sum(empty) > 1:
            return True  # '(a|a)*' becomes 'a(?:|)*' once Python factors the 'a' out
        for i, first in enumerate(firsts):
            if any(not first.isdisjoint(other) for other in firsts[i + 1:]):
                return True
            if any(empty) and not empty[i] and not first.isdisjoint(start):
                return True  # '(a|aa)*': one turn or two
    return False


def _units(seq: Any) -> list[tuple[frozenset[str], int, int]] | None:
    """seq as (characters, min, max) units when it is only characters and repeated characters."""
    out = []
    for op, av in seq:
        single = _charset(op, av)
        if single is not None:
            out.append((single, 1, 1))
        elif op in _REPEATS and len(av[2]) == 1 and (repeated := _charset(*av[2][0])) is not None:
            out.append((repeated, av[0], av[1]))
        elif op is _c.SUBPATTERN:
            inner = _units(av[-1])
            if inner is None:
                return None
            out += inner
        elif op is not _c.AT:
            return None
    return out


def _cyclic_overlap(units: list[tuple[frozenset[str], int, int]]) -> bool:
    r"""Whether a unit of variable length can give characters to the unit after it.

    The body repeats, so the unit after the last is the first: '(\w+\s?)+' overlaps (\w+ then
    an optional \s, then \w+ again); '(\w+\s+)+' does not (each turn ends where the spaces do).
    """
    for i, (chars, low, high) in enumerate(units):
        if low == high:
            continue
        for step in range(1, len(units) + 1):
            after, after_low, _high = units[(i + step) % len(units)]
            if not chars.isdisjoint(after):
                return True
            if after_low > 0:
                break
    return False


def _runs(seq: Any) -> list[list[tuple[frozenset[str], int, int]]]:
    """The stretches of seq made only of characters and repeated characters, as units.

    A group or an alternation ends a stretch: the check stays with what it can judge exactly.
    """
    runs: list[list[tuple[frozenset[str], int, int]]] = [[]]
    for op, av in seq:
        single = _charset(op, av)
        if single is not None:
            runs[-1].append((single, 1, 1))
        elif op in _REPEATS and len(av[2]) == 1 and (repeated := _charset(*av[2][0])) is not None:
            runs[-1].append((repeated, av[0], av[1]))
        elif op is not _c.AT:
            runs.append([])
    return [run for run in runs if run]


def _chain(units: list[tuple[frozenset[str], int, int]], i: int) -> int:
    """How many repeats in a row, from units[i] on, can trade characters with the one before."""
    chars, low, high = units[i]
    if high - low < MANY:
        return 0
    length = 1
    for after, after_low, after_high in units[i + 1:]:
        if not chars.isdisjoint(after) and after_high - after_low >= MANY:
            length += 1
            chars = chars | after
        elif after_low > 0 and chars.isdisjoint(after):
            break
    return length


def _chained(seq: Any, top: bool) -> bool:
    """Whether repeats in a row can trade characters in a way that costs a power of the length.

    Each way to split a text between such repeats is one more way to fail: three in a row
    ('\\s*:?\\s*:?\\s*') cost the cube of the text's length, and two at the very start of a
    pattern ('\\d*\\d*x', '.*a.*x') as much, since every position is a start. Two after a fixed
    word ('code\\s*:?\\s*') cost at most the square, which the bounded input keeps small.
    """
    first = next(((op, av) for op, av in seq if op is not _c.AT), None)
    leading = top and first is not None and bool(_runs([first]))  # the pattern opens with a unit
    for n, run in enumerate(_runs(seq)):
        for i in range(len(run)):
            length = _chain(run, i)
            at_start = leading and n == 0 and all(low == 0 for _c2, low, _h in run[:i])
            if length >= 3 or (length == 2 and at_start):
                return True
    return False


def _risk(seq: Any, top: bool = False) -> str | None:
    if _chained(seq, top):
        return CHAINED
    for op, av in seq:
        if op in _REPEATS and av[1] >= MANY:
            body = av[2]
            units = _units(body)
            if units is not None:
                if _cyclic_overlap(units):
                    return NESTED
            else:
                inner = _repeated_chars(body)
                if inner is not None and not any(req.isdisjoint(inner) for req in _required(body)):
                    return NESTED
                if _ambiguous(body):
                    return OVERLAP
        for child in _children(op, av):
            found = _risk(child)
            if found:
                return found
    return None


def backtracking_risk(pattern: str) -> str | None:
    """Why a pattern risks catastrophic backtracking, or None if it passes the check."""
    try:
        tree = _p.parse(pattern, re.IGNORECASE)
        return _risk(tree, top=True)
    except re.error:
        return None  # invalid patterns are reported by the compiler, with its own message
    except RecursionError:
        return "nests groups too deeply to be checked: flatten it"
