"""Phone numbers for bulk rendering: E.164 validation with phonenumbers, time zones, suppression lists."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

from templater.errors import ConfigError, InputError

# Already in E.164: '+', a country code and up to 15 digits in all.
_E164 = re.compile(r"\+([1-9]\d{6,14})")
_UNKNOWN_ZONE = "Etc/Unknown"
_ZONE_PREFIX = pn_timezone.TIMEZONE_LONGEST_PREFIX
_CACHE_LIMIT = 200_000  # entries per cache: enough for every area and block, bounded for odd input

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "no country code: write it as +<country code>... or pass --default-region",
    NumberParseException.NOT_A_NUMBER: "not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the international prefix",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


def check_region(region: str | None) -> str | None:
    """The upper-cased region code, or ConfigError when phonenumbers does not know it."""
    if region is None:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"--default-region '{region}': give a two-letter region code such as US or FR")
    return code


class Phones:
    """Turns raw phone fields into E.164 and time zones; caches what numbering plans share by prefix."""

    def __init__(self, default_region: str | None = None) -> None:
        self.region = default_region
        # (country code + first 3 national digits) -> the region phonenumbers resolved for it, so that
        # most numbers need one region's patterns instead of a search through e.g. NANP's 25 regions.
        self._regions: dict[str, str] = {}
        # First digits (as long as the zone data's longest prefix) -> time zones.
        self._zones: dict[str, tuple[str, ...]] = {}

    def normalize(self, raw: str) -> tuple[str | None, PhoneNumber | str]:
        """(E.164, number) for a valid number, else (None, why it is not valid)."""
        raw = raw.strip()
        m = _E164.fullmatch(raw)
        if m is not None:
            number = self._fast(m.group(1))
            if number is not None:
                return raw, number
        try:
            number = phonenumbers.parse(raw, self.region)
        except NumberParseException as exc:
            return None, _PARSE_ERRORS.get(exc.error_type, str(exc))
        if not phonenumbers.is_valid_number(number):
            return None, "not a valid number for its country (phonenumbers)"
        return phonenumbers.format_number(number, PhoneNumberFormat.E164), number

    def _fast(self, digits: str) -> PhoneNumber | None:
        """A number already written in E.164, validated without a full parse; None to take the slow path."""
        for size in (1, 2, 3):  # country codes are prefix-free: the first hit is the code
            if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
                break
        else:
            return None
        national = digits[size:]
        if national[0] == "0":  # leading zeros and national prefixes: let phonenumbers.parse decide
            return None
        number = PhoneNumber(country_code=int(digits[:size]), national_number=int(national))
        key = digits[:size + 3]
        region = self._regions.get(key)
        if region is not None and phonenumbers.is_valid_number_for_region(number, region):
            return number
        if not phonenumbers.is_valid_number(number):
            return None
        if len(self._regions) < _CACHE_LIMIT:
            self._regions[key] = phonenumbers.region_code_for_number(number)
        return number

    def zones(self, e164: str, number: PhoneNumber) -> tuple[str, ...]:
        """The IANA zones a valid number may be in; empty when phonenumbers does not know."""
        key = e164[1:1 + _ZONE_PREFIX]
        found = self._zones.get(key)
        if found is None:
            found = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != _UNKNOWN_ZONE)
            if len(self._zones) < _CACHE_LIMIT:
                self._zones[key] = found
        return found


def _suppressed_number(text: str, region: str | None, path: str | None, lineno: int | None) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        # Never skip an entry: a number we cannot read might be someone who asked for no more messages.
        why = _PARSE_ERRORS.get(exc.error_type, str(exc))
        raise InputError(f"suppression entry '{text}' is not a phone number ({why}); fix or remove it",
                         path, lineno) from None
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
