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

try:  # Python 3.11+
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from phonenumbers import PhoneMetadata
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

_DESCS = ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
          "personal_number", "voip", "pager", "uan", "voicemail")
_MAX_GROUP_REPEAT = 20


def _any_digit(op: int, av: object) -> bool:
    """A single item that accepts every digit: \\d or [0-9]."""
    return op == sre.IN and av in ([(sre.CATEGORY, sre.CATEGORY_DIGIT)], [(sre.RANGE, (48, 57))])


def _walk(items: list, lo: float, hi: float) -> tuple[float, float, float] | None:
    """(min end, max end, end of the last constrained position) of a parsed pattern from [lo, hi]."""
    constrained = 0.0
    for op, av in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY):
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
                return None
            ends, cur = [], (lo, hi)
            for count in range(most + 1):
                if count >= least:
                    ends.append(cur)
                if count == most:
                    break
                step = _walk(sub, *cur)
                if step is None:
                    return None
                cur, constrained = (step[0], step[1]), max(constrained, step[2])
            lo, hi = min(e[0] for e in ends), max(e[1] for e in ends)
        elif op == sre.SUBPATTERN:
            step = _walk(list(av[-1]), lo, hi)
            if step is None:
                return None
            lo, hi, constrained = step[0], step[1], max(constrained, step[2])
        elif op == sre.BRANCH:
            steps = [_walk(list(alt), lo, hi) for alt in av[1]]
            if any(s is None for s in steps):
                return None
            lo, hi = min(s[0] for s in steps), max(s[1] for s in steps)  # type: ignore[index]
            constrained = max(constrained, *(s[2] for s in steps))  # type: ignore[index]
        else:  # anchors, look-arounds, back-references: not in phonenumbers' data; do not guess
            return None
    return lo, hi, constrained


def deciding_digits(pattern: str) -> int | None:
    """Leading digits that decide whether a digit string of a given length fully matches the pattern."""
    try:
        step = _walk(list(sre_parse.parse(pattern)), 0, 0)
    except Exception:  # noqa: BLE001 - an unparsable pattern is simply not cacheable
        return None
    if step is None or math.isinf(step[2]):
        return None
    return int(step[2])


@lru_cache(maxsize=None)
def key_digits(country_code: int) -> int | None:
    """National digits that decide validity, type and zones for every region of the country code."""
    best = 0
    for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            return None
        patterns = [getattr(getattr(meta, d, None), "national_number_pattern", None) for d in _DESCS]
        patterns.append(meta.leading_digits)
        for pattern in filter(None, patterns):
            digits = deciding_digits(pattern)
            if digits is None:
                return None
            best = max(best, digits)
    cc = str(country_code)
    zone_keys = [len(k) - len(cc) for k in pn_timezone.TIMEZONE_DATA if k.startswith(cc)]
    return max([best, *zone_keys])
