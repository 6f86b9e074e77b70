"""Phone numbers for bulk rendering: E.164 validation with phonenumbers, time zones, suppression lists."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

import phonenumbers
from phonenumbers import PhoneNumberFormat
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE, NumberParseException

from templater import reference
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


def check_region(region: str | Iterable[str] | None) -> tuple[str, ...]:
    """The upper-cased region codes of --default-region ('US', 'US,FR' or a list), in order;
    ConfigError when phonenumbers does not know one."""
    if region is None:
        return ()
    items = region.split(",") if isinstance(region, str) else list(region)
    codes = []
    for item in items:
        code = str(item).strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"--default-region '{item}': give two-letter region codes such as US or US,FR")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


# A row's region column: a two-letter code, a country calling code (+33, 33) or a common name.
_COUNTRY_NAMES = {
    "france": "FR", "unitedstates": "US", "unitedstatesofamerica": "US", "usa": "US", "etatsunis": "US",
    "canada": "CA", "belgium": "BE", "belgique": "BE", "switzerland": "CH", "suisse": "CH",
    "unitedkingdom": "GB", "uk": "GB", "royaumeuni": "GB", "germany": "DE", "allemagne": "DE",
    "spain": "ES", "espagne": "ES", "italy": "IT", "italie": "IT", "luxembourg": "LU", "monaco": "MC",
}


def region_of(value: object) -> str | None:
    """The region code a row's region/country value names, or None when it names none."""
    text = "" if value is None else str(value).strip()
    code = text.upper()
    if code in phonenumbers.SUPPORTED_REGIONS:
        return code
    digits = code.lstrip("+")
    if digits.isdigit() and len(digits) <= 3:
        found = phonenumbers.region_code_for_country_code(int(digits))
        return None if found == "ZZ" else found
    from templater.render.columns import fold

    return _COUNTRY_NAMES.get(fold(text))


def _split(digits: str) -> tuple[int, str] | None:
    """(country code, national number) of E.164 digits; country codes are prefix-free."""
    for size in (1, 2, 3):
        if int(digits[:size]) in COUNTRY_CODE_TO_REGION_CODE:
            return int(digits[:size]), digits[size:]
    return None


class Phones:
    """Turns raw phone fields into E.164 and time zones, asking phonenumbers once per deciding prefix."""

    def __init__(self, default_region: str | tuple[str, ...] | None = None) -> None:
        regions = (default_region,) if isinstance(default_region, str) else tuple(default_region or ())
        self.regions = regions or (None,)
        # Prefix key (see _key) -> validity, and -> time zones; ints and shared tuples keep them small.
        self._valid: dict[int, bool] = {}
        self._zones: dict[int, tuple[str, ...]] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._last: tuple[str, tuple[int, int, int]] = ("", (0, 0, 0))  # the number normalize() saw last

    def normalize(self, raw: str, region: str | None = None) -> tuple[str | None, str]:
        """(E.164, '') for a valid number, else (None, why it is not valid). A national number is
        read in `region` when given, else in each default region: valid in one, it is that one's;
        valid in several, it is ambiguous ('ambiguous: ...')."""
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
        if region is not None or len(self.regions) == 1:
            return _parse(raw, region or self.regions[0])
        found: dict[str, str] = {}
        why = ""
        for code in self.regions:
            e164, problem = _parse(raw, code)
            if e164 is None:
                why = why or problem
            elif e164 not in found.values():
                found[code] = e164
        if len(found) > 1:
            return None, "ambiguous: valid as " + " and as ".join(f"{c} {n}" for c, n in found.items()) + (
                "; write it with +country code or give the row a region column")
        if found:
            return next(iter(found.values())), ""
        return None, why

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


def _parse(raw: str, region: str | None) -> tuple[str | None, str]:
    try:
        number = phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        return None, _PARSE_ERRORS.get(exc.error_type, str(exc))
    if not phonenumbers.is_valid_number(number):
        return None, _INVALID
    return phonenumbers.format_number(number, PhoneNumberFormat.E164), ""


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
    if reference.ON:  # nothing remembered: every number is read by phonenumbers
        return
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def _suppressed_number(text: str, regions: tuple[str, ...], path: str | None, lineno: int | None) -> list[str]:
    """The E.164 forms of one entry: its reading in each default region where it is a valid number
    (all of them: suppressing one too many is the safe side); an entry valid in none stops the run."""
    readings: list[tuple[str, bool]] = []
    problem = None
    for region in regions or (None,):
        try:
            number = phonenumbers.parse(text, region)
        except NumberParseException as exc:
            problem = problem or exc
            continue
        readings.append((phonenumbers.format_number(number, PhoneNumberFormat.E164),
                         phonenumbers.is_valid_number(number)))
    if not readings:
        # Never skip an entry: a number we cannot read might be someone who asked for no more messages.
        why = _PARSE_ERRORS.get(problem.error_type, str(problem)) if problem else "empty"
        raise InputError(f"suppression entry '{text}' is not a phone number ({why}); fix or remove it",
                         path, lineno)
    valid = [e for e, ok in readings if ok]
    if not valid:
        # '0033 6 12 34 56 78' read as a US number, a typo ('+1 212 555 01077'): such an entry would
        # match no row, and the person it stands for would be messaged after saying STOP.
        shown = " or ".join(dict.fromkeys(e for e, _ in readings))
        where = f" for region {', '.join(regions)}" if regions and not text.startswith("+") else ""
        raise InputError(f"suppression entry '{text}' reads as {shown}, which is not a valid number{where}: "
                         "write it in international form (+33 6 12 34 56 78), or fix the typo", path, lineno)
    return valid


def suppression_from(numbers: Iterable[str], default_region: str | tuple[str, ...] | None) -> frozenset[str]:
    """E.164 forms of numbers given in a program (any format phonenumbers reads)."""
    regions = check_region(default_region)
    return frozenset(e for n in numbers for e in _suppressed_number(str(n).strip(), regions, None, None))


def load_suppression(path: str, default_region: str | tuple[str, ...] | None) -> frozenset[str]:
    """E.164 numbers of a suppression list: one number per line, '#' comments and blank lines allowed."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such suppression list", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the suppression list: {exc.strerror}", path) from None
    regions = check_region(default_region)
    numbers: set[str] = set()
    first = True  # the first line with something on it may be a 'phone' header
    for lineno, line in enumerate(data.splitlines(), 1):
        try:
            text = line.decode("utf-8-sig" if lineno == 1 else "utf-8").split("#", 1)[0].strip()
        except UnicodeDecodeError:
            raise InputError("bytes that are not UTF-8: save the list as UTF-8", path, lineno) from None
        if not text:
            continue
        if not (first and text.lower() == "phone"):
            numbers.update(_suppressed_number(text, regions, path, lineno))
        first = False
    return frozenset(numbers)
