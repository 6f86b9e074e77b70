"""Quiet hours for promotional messages: named profiles, custom windows, and the local-time test."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from templater.errors import ConfigError


@dataclass(frozen=True)
class Window:
    """When promotional messages may arrive, in the recipient's local time."""

    name: str
    start: time
    end: time                       # exclusive: 21:00 means up to 20:59:59
    weekdays: frozenset[int] = frozenset(range(7))   # Monday is 0
    holidays_of: str | None = None  # a country whose public holidays are closed days

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local: datetime) -> str | None:
        """None when `local` is inside the window, else why it is not (for the rejects file)."""
        if local.weekday() not in self.weekdays:
            return f"{local:%A} in the '{self.name}' profile"
        if self.holidays_of is not None:
            holiday = _holiday(self.holidays_of, local.date())
            if holiday:
                return f"public holiday ({holiday}) in the '{self.name}' profile"
        t = local.time()
        inside = (self.start <= t < self.end) if self.start < self.end else (t >= self.start or t < self.end)
        return None if inside else f"{t:%H:%M} is outside {self.describe()}"


_ALL_WEEK = frozenset(range(7))
PROFILES = {
    # 47 CFR 64.1200(c)(1): no telephone solicitation before 8 am or after 9 pm, called party's time.
    "tcpa": Window("tcpa", time(8), time(21)),
    # Florida Telephone Solicitation Act (Fla. Stat. 501.059): 8 am to 8 pm, called person's time.
    "us-fl": Window("us-fl", time(8), time(20)),
    # Oklahoma Telephone Solicitation Act of 2022: 8 am to 8 pm.
    "us-ok": Window("us-ok", time(8), time(20)),
    # Maryland Stop the Spam Calls Act of 2023: 8 am to 8 pm.
    "us-md": Window("us-md", time(8), time(20)),
    # French industry practice (no statute): Monday to Saturday, 8 am to 8 pm, never on public holidays.
    "fr": Window("fr", time(8), time(20), frozenset(range(6)), "FR"),
}
DEFAULT_PROFILE = "tcpa"

_CUSTOM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_window(spec: str) -> Window:
    """A profile name or HH:MM-HH:MM (overnight when the end is earlier), or ConfigError."""
    spec = spec.strip()
    if spec in PROFILES:
        return PROFILES[spec]
    m = _CUSTOM.match(spec)
    if not m:
        raise ConfigError(f"--quiet-hours '{spec}': give a profile ({', '.join(PROFILES)}) or a window "
                          "such as 09:00-20:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2:
        raise ConfigError(f"--quiet-hours '{spec}': 24:00 is the latest end")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if start == end:
        raise ConfigError(f"--quiet-hours '{spec}': the window is empty; give two different times")
    return Window(spec, start, end, _ALL_WEEK)


@lru_cache(maxsize=512)
def _holiday(country: str, day: date) -> str | None:
    calendar = _calendar(country)
    return calendar.get(day)


@lru_cache(maxsize=8)
def _calendar(country: str) -> Any:
    # Imported here: the holidays package takes about 0.3 s to import, and only a profile with
    # closed days (fr) needs it.
    import holidays

    # National holidays only: regional ones (Alsace-Moselle, overseas departments) are not closed days here.
    return holidays.country_holidays(country)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone of that name, or None when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


class QuietHours:
    """The verdict of one window at one sending time, cached per set of zones."""

    def __init__(self, window: Window, send_at: datetime) -> None:
        if send_at.tzinfo is None:
            raise ValueError("send_at must carry its offset")
        self.window = window
        self.send_at = send_at
        if window.holidays_of is not None:
            _calendar(window.holidays_of)  # loaded now, before any fork, not once per worker
        self._cache: dict[tuple[str, ...], str | None] = {}

    def check(self, zones: tuple[str, ...]) -> str | None:
        """None when the sending time is inside the window in every zone, else why not."""
        verdict = self._cache.get(zones, "")
        if verdict != "":
            return verdict
        verdict = None
        for name in zones:
            tz = zone(name)
            if tz is None:
                verdict = f"unknown time zone '{name}'"
                break
            why = self.window.contains(self.send_at.astimezone(tz))
            if why is not None:
                verdict = f"{why} in {name}"
                break
        if len(self._cache) < 4096:  # zone sets are few; bound the cache against odd input
            self._cache[zones] = verdict
        return verdict


# --quiet-hours auto: each row's window from its number's country and, in the US, its state.
AUTO = "auto"
COUNTRY_PROFILES = {"US": "tcpa", "FR": "fr"}
STATE_PROFILES = {"FL": "us-fl", "OK": "us-ok", "MD": "us-md"}
# A US number whose state phonenumbers does not give (toll-free, non-geographic): the strictest
# US window, since the recipient may live in a state with a stricter law.
US_STATE_UNKNOWN = Window("us, state unknown", time(8), time(20))
_STATE_NAMES = {"florida": "FL", "oklahoma": "OK", "maryland": "MD"}


def profile_for(country: str | None, state: str | None) -> Window | None:
    """The quiet-hours window for a recipient in this country (and US state); None when templater
    has no profile for the country. The one place that decides it (markets will choose it too)."""
    if country == "US":
        if state is None:
            return US_STATE_UNKNOWN
        return PROFILES[STATE_PROFILES.get(state, "tcpa")]
    name = COUNTRY_PROFILES.get(country or "")
    return PROFILES[name] if name else None


def us_state(description: str) -> str | None:
    """The state of phonenumbers' English geocoding of a US number ('Miami, FL', 'Florida'), or None."""
    text = description.strip()
    if len(text) > 4 and text[-4:-2] == ", " and text[-2:].isalpha() and text[-2:].isupper():
        return text[-2:]
    if not text or text.lower() in ("united states", "usa"):
        return None
    return _STATE_NAMES.get(text.lower(), "other")


class RowProfiles:
    """--quiet-hours auto: the window of each row, from its number (cached by country code and, for
    +1, area code), with one QuietHours per window."""

    def __init__(self, send_at: datetime) -> None:
        self.send_at = send_at
        self._checks: dict[str, QuietHours] = {}
        self._places: dict[str, tuple[str | None, str | None]] = {}
        _calendar("FR")  # loaded now, before any fork

    def for_row(self, row: dict, phone: str) -> QuietHours | str:
        """The row's quiet-hours check, or why it has none (the row is then rejected)."""
        country, state = self._place(phone)
        window = profile_for(country, state)
        if window is None:
            return (f"no quiet-hours profile for {country or 'unknown-country'} numbers with --quiet-hours auto "
                    f"(profiles exist for {', '.join(sorted(COUNTRY_PROFILES))}): send them in a run of their own "
                    "with --quiet-hours PROFILE|HH:MM-HH:MM")
        check = self._checks.get(window.name)
        if check is None:
            check = self._checks[window.name] = QuietHours(window, self.send_at)
        return check

    def _place(self, phone: str) -> tuple[str | None, str | None]:
        import phonenumbers

        key = phone[:5] if phone.startswith("+1") else phone[:4]
        found = self._places.get(key)
        if found is not None:
            return found
        number = phonenumbers.parse(phone, None)
        country = phonenumbers.region_code_for_number(number)
        state = None
        if country == "US":
            from phonenumbers import geocoder

            state = us_state(geocoder.description_for_number(number, "en"))
        found = (country, state)
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code, ())
        if number.country_code == 1 or len(regions) == 1:  # the key decides the country (and state)
            if len(self._places) < 4096:
                self._places[key] = found
        return found
