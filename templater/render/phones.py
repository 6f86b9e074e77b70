"""Phone numbers for bulk rendering: E.164 validation with phonenumbers, time zones, suppression lists."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import phonenumbers
from phonenumbers import PhoneNumberFormat
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

from templater.errors import ConfigError, InputError
from templater.render.prefixes import HEAD, key_digits
from templater.render.split_area_codes import zones_for

# Already in E.164: '+', a country code and up to 15 digits in all (ASCII digits only).
_E164 = re.compile(r"\+([1-9][0-9]{6,14})")
_UNKNOWN_ZONE = "Etc/Unknown"
_CACHE_LIMIT = 50_000  # prefix entries per cache (a few MB); cleared when full, so memory stays flat

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "no country code: write it as +<country code>... or pass --default-region",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}
_INVALID = "not a valid number for its country (phonenumbers)"


def check_region(region: str | None) -> str | None:
    """The upper-cased region code, or ConfigError when phonenumbers does not know it."""
    if region is None:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"--default-region '{region}': give a two-letter region code such as US or FR")
    return code


def _split(digits: str) -> tuple[int, str] | None:
    """(country code, national number) of E.164 digits; country codes are prefix-free."""
    for size in (1, 2, 3):
        if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return int(digits[:size]), digits[size:]
    return None


class Phones:
    """Turns raw phone fields into E.164 and time zones, asking phonenumbers once per deciding prefix."""

    def __init__(self, default_region: str | None = None) -> None:
        self.region = default_region
        # Prefix key (see _key) -> validity, and -> time zones; ints and shared tuples keep them small.
        self._valid: dict[int, bool] = {}
        self._zones: dict[int, tuple[str, ...]] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._last: tuple[str, tuple[int, int, int]] = ("", (0, 0, 0))  # the number normalize() saw last

    def normalize(self, raw: str) -> tuple[str | None, str]:
        """(E.164, '') for a valid number, else (None, why it is not valid)."""
        raw = raw.strip()
        m = _E164.fullmatch(raw)
        if m is not None:
            digits = m.group(1)
            known = _keys(digits)
            if known[0]:
                key = int(digits[:known[0]]) * 100 + known[2]
                valid = self._valid.get(key)
                if valid is None:
                    valid = phonenumbers.is_valid_number(phonenumbers.parse(raw, None))
                    _remember(self._valid, key, valid)
                if not valid:
                    return None, _INVALID
                # zones() of this number, usually asked next, needs no second look at its shape.
                self._last = raw, known
                return raw, ""
        try:
            number = phonenumbers.parse(raw, self.region)
        except NumberParseException as exc:
            return None, _PARSE_ERRORS.get(exc.error_type, str(exc))
        if not phonenumbers.is_valid_number(number):
            return None, _INVALID
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""

    def zones(self, e164: str) -> tuple[str, ...]:
        """The IANA zones a valid number may be in; empty when phonenumbers does not know."""
        known = self._last[1] if self._last[0] == e164 else _keys(e164[1:])
        key = int(e164[1:known[1] + 1]) * 100 + known[2] if known[1] else None
        found = self._zones.get(key) if key is not None else None
        if found is None:
            number = phonenumbers.parse(e164, None)
            found = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != _UNKNOWN_ZONE)
            found = zones_for(e164, found)  # an area code over two zones: both (the cache key holds it)
            found = self._tuples.setdefault(found, found)
            if key is not None:
                _remember(self._zones, key, found)
        return found


def _keys(digits: str) -> tuple[int, int, int]:
    """How a number's cache keys are made: (digits in the validity key's prefix, digits in the time
    zones key's prefix, national digits); a prefix of 0 means phonenumbers decides each such number.

    Numbers with the same key, int(digits[:prefix]) * 100 + national digits, get the same validity
    and type (for the zones key, the same time zones) from phonenumbers: see prefixes.py. How many
    digits that is depends only on the first 3 + HEAD digits (country code, first national digits)
    and the length, so it is worked out once per such shape.
    """
    shape = (digits[:3 + HEAD], len(digits))
    known = _SHAPES.get(shape)
    if known is None:
        valid, zones = _shape(digits, False), _shape(digits, True)
        national = (valid or zones or (0, 0))[1]
        known = ((valid or (0, 0))[0], (zones or (0, 0))[0], national)
        _remember(_SHAPES, shape, known)
    return known


_SHAPES: dict[tuple[str, int], tuple[int, int, int]] = {}


def _shape(digits: str, zones: bool) -> tuple[int, int] | None:
    """(digits in the key's prefix, national digits), or None when such numbers are not cacheable."""
    split = _split(digits)
    if split is None or split[1][0] == "0":  # leading zeros: phonenumbers.parse decides each one
        return None
    cc, national = split
    size = key_digits(cc, national[:HEAD], len(national), zones)
    if size is None:
        return None
    return len(digits) - len(national) + size, len(national)


def _remember(cache: dict, key: object, value: object) -> None:
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _suppressed_number(text: str, region: str | None, path: str | None, lineno: int | None) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        # Never skip an entry: a number we cannot read might be someone who asked for no more messages.
        why = _PARSE_ERRORS.get(exc.error_type, str(exc))
        raise InputError(f"suppression entry '{text}' is not a phone number ({why}); fix or remove it",
                         path, lineno) from None
    if not phonenumbers.is_valid_number(number):
        # '0033 6 12 34 56 78' read as a US number, a typo ('+1 212 555 01077'): such an entry would
        # match no row, and the person it stands for would be messaged after saying STOP.
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        raise InputError(f"suppression entry '{text}' reads as {e164}, which is not a valid number"
                         f"{' for region ' + region if region and not text.startswith('+') else ''}: write it "
                         "in international form (+33 6 12 34 56 78), or fix the typo", path, lineno)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def suppression_from(numbers: Iterable[str], default_region: str | None) -> frozenset[str]:
    """E.164 forms of numbers given in a program (any format phonenumbers reads)."""
    return frozenset(_suppressed_number(str(n).strip(), default_region, None, None) for n in numbers)


def load_suppression(path: str, default_region: str | None) -> frozenset[str]:
    """E.164 numbers of a suppression list: one number per line, '#' comments and blank lines allowed."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such suppression list", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the suppression list: {exc.strerror}", path) from None
    numbers = set()
    for lineno, line in enumerate(data.splitlines(), 1):
        try:
            text = line.decode("utf-8-sig" if lineno == 1 else "utf-8").split("#", 1)[0].strip()
        except UnicodeDecodeError:
            raise InputError("bytes that are not UTF-8: save the list as UTF-8", path, lineno) from None
        if text and not (lineno == 1 and text.lower() == "phone"):
            numbers.add(_suppressed_number(text, default_region, path, lineno))
    return frozenset(numbers)
