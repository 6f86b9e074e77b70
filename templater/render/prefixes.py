"""How many leading digits decide a number's validity, type and time zones, read from phonenumbers' metadata.

phonenumbers decides validity and type by matching the national number against each region's
patterns, and time zones by the longest known prefix. Those patterns are digits, classes and
counted `\\d` runs; past the last position any of them constrains, only the length matters. So two
numbers of one country code that agree on that many leading digits and have the same length get
the same answers, and the answer for one can stand for the other. A pattern this walk does not
understand makes the country code uncacheable (None), never a guess.
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from phonenumbers import PhoneMetadata
from phonenumbers.tzdata import TIMEZONE_DATA
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from templater.regex_parser import constants as sre, parser as sre_parse

_DESCS = ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
          "personal_number", "voip", "pager", "uan", "voicemail")
_MAX_GROUP_REPEAT = 20


_DEAD = None  # a path that cannot match a number with the known leading digits
_UNKNOWN = "unknown"  # a construct the walk does not understand


def _any_digit(op: int, av: object) -> bool:
    """A single item that accepts every digit: \\d or [0-9]."""
    return op == sre.IN and av in ([(sre.CATEGORY, sre.CATEGORY_DIGIT)], [(sre.RANGE, (48, 57))])


def _accepts(op: int, av: Any, ch: str) -> bool:
    """Whether a one-character item accepts the digit ch (True when unsure: never prune wrongly)."""
    code = ord(ch)
    if op == sre.LITERAL:
        return av == code
    if op == sre.NOT_LITERAL:
        return av != code
    if op != sre.IN:
        return True
    hit, negate = False, False
    for kind, value in av:
        if kind == sre.NEGATE:
            negate = True
        elif kind == sre.LITERAL:
            hit = hit or value == code
        elif kind == sre.RANGE:
            hit = hit or value[0] <= code <= value[1]
        else:  # categories and the rest: assume it may accept
            return True
    return hit != negate


def _walk(items: list, lo: float, hi: float, known: str, length: int = -1) -> Any:
    """(min end, max end, end of the last constrained position) of a parsed pattern from [lo, hi].

    Paths that cannot match a number starting with `known` are dropped (_DEAD): their constraints
    cannot matter for such numbers, nor do paths that end ('$') where a number of `length` digits
    cannot. _UNKNOWN for anything the walk does not understand.
    """
    constrained = 0.0
    for op, av in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
            if lo == hi and lo < len(known) and not _accepts(op, av, known[int(lo)]):
                return _DEAD
            if not _any_digit(op, av):
                constrained = max(constrained, hi + 1)
            lo, hi = lo + 1, hi + 1
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            least, most, sub = av
            sub = list(sub)
            if len(sub) == 1 and _any_digit(*sub[0]):
                lo, hi = lo + least, math.inf if most == sre.MAXREPEAT else hi + most
                continue
            if most == sre.MAXREPEAT or most > _MAX_GROUP_REPEAT:
                return _UNKNOWN
            ends, cur = [], (lo, hi)
            for count in range(most + 1):
                if count >= least:
                    ends.append(cur)
                if count == most:
                    break
                step = _walk(sub, *cur, known, length)
                if step is _UNKNOWN:
                    return _UNKNOWN
                if step is _DEAD:
                    break
                cur, constrained = (step[0], step[1]), max(constrained, step[2])
            if not ends:
                return _DEAD
            lo, hi = min(e[0] for e in ends), max(e[1] for e in ends)
        elif op in (sre.SUBPATTERN, sre.BRANCH):
            alts = [list(av[-1])] if op == sre.SUBPATTERN else [list(alt) for alt in av[1]]
            steps = [_walk(alt, lo, hi, known, length) for alt in alts]
            if any(step is _UNKNOWN for step in steps):
                return _UNKNOWN
            live = [step for step in steps if step is not _DEAD]
            if not live:
                return _DEAD
            lo, hi = min(st[0] for st in live), max(st[1] for st in live)
            constrained = max(constrained, *(st[2] for st in live))
        elif op == sre.AT and av in (sre.AT_END, sre.AT_END_STRING) and length >= 0:
            if not lo <= length <= hi:
                return _DEAD
        elif op == sre.AT and av in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING) and hi == 0:
            continue
        else:  # other anchors, look-arounds, back-references: do not guess
            return _UNKNOWN
    return lo, hi, constrained


@lru_cache(maxsize=2048)
def _parsed(pattern: str) -> list | None:
    try:
        return sre_parse.parse(pattern).data
    except Exception:  # noqa: BLE001 - an unparsable pattern is simply not cacheable
        return None


def deciding_digits(pattern: str, known: str = "") -> int | None:
    """Leading digits that decide whether a digit string starting with `known` fully matches the pattern."""
    items = _parsed(pattern)
    if items is None:
        return None
    step = _walk(items, 0, 0, known)
    if step is _UNKNOWN or (step is not _DEAD and math.isinf(step[2])):
        return None
    return 0 if step is _DEAD else int(step[2])


HEAD = 3  # national digits looked at before deciding how many more matter (an area code)


@lru_cache(maxsize=4096)
def key_digits(country_code: int, head: str, length: int, zones: bool = False) -> int | None:
    """National digits that decide validity and type (and, with zones, the time zones) for every
    region of the country code, for national numbers of `length` digits starting with `head`."""
    best = len(head)
    for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            return None
        # phonenumbers.parse strips a national prefix it finds at the start, even after '+cc': a
        # number it could rewrite so is never cached, since the rewrite depends on more than the key.
        for prefix in (meta.national_prefix_for_parsing, meta.national_prefix):
            if prefix and ((parsed := _parsed(prefix)) is None or _walk(parsed, 0, 0, head, length) is not _DEAD):
                return None
        patterns = [getattr(getattr(meta, d, None), "national_number_pattern", None) for d in _DESCS]
        patterns.append(meta.leading_digits)
        for pattern in filter(None, patterns):
            digits = deciding_digits(pattern, head)
            if digits is None:
                return None
            best = max(best, digits)
    if zones:
        start = f"{country_code}{head}"
        cc = len(str(country_code))
        best = max([best, *(len(k) - cc for k in TIMEZONE_DATA if k.startswith(start))])
    return best
