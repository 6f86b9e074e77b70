"""Quiet hours for promotional messages: named profiles, custom windows, and the local-time test."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from templater import reference
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


def _profiles() -> dict[str, Window]:
    """The named windows of templater/markets.yaml's quiet-hours table (each with its source there)."""
    from templater.markets import DAYS, quiet_hours_table

    out = {}
    for name, spec in quiet_hours_table().items():
        start, end = (time.fromisoformat(t) for t in spec["window"].split("-"))
        out[name] = Window(name, start, end, frozenset(DAYS.index(d) for d in spec["days"]), spec.get("holidays"))
    return out


PROFILES = _profiles()
DEFAULT_PROFILE = "tcpa"

_CUSTOM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def parse_window(spec: str) -> Window:
    """A profile name or HH:MM-HH:MM (overnight when the end is earlier), or ConfigError."""
    spec = spec.strip()
    if spec in PROFILES:
        return PROFILES[spec]
    m = _CUSTOM.match(spec)
    if not m:
        from templater.suggest import did_you_mean

        raise ConfigError(f"--quiet-hours '{spec}'{did_you_mean(spec, [*PROFILES, AUTO, MARKET])}: give market, auto, "
                          f"a profile ({', '.join(PROFILES)}) or a window such as 09:00-20:00")
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
        if len(self._cache) < 4096 and not reference.ON:  # zone sets are few; bound the cache against odd input
            self._cache[zones] = verdict
        return verdict


# Per row: by default each row's window is its market's (markets.yaml: us -> tcpa, fr -> fr, none
# for ca and gb, whose law sets no hours); --quiet-hours auto also refines the US by state.
AUTO = "auto"
MARKET = "market"

def _states() -> tuple[dict[str, str], dict[str, str]]:
    """(state code -> profile, state name -> code) from the quiet-hours table's `state` entries."""
    from templater.markets import quiet_hours_table

    states = {name: spec["state"] for name, spec in quiet_hours_table().items() if spec.get("state")}
    return ({s["code"]: name for name, s in states.items()},
            {s["name"].lower(): s["code"] for s in states.values()})


STATE_PROFILES, _STATE_NAMES = _states()
# A US number whose state phonenumbers does not give (toll-free, non-geographic): the strictest
# US window (the latest start and the earliest end of tcpa and the state profiles), since the
# recipient may live in a state with a stricter law.
_US = [PROFILES[name] for name in (DEFAULT_PROFILE, *STATE_PROFILES.values())]
US_STATE_UNKNOWN = Window("us, state unknown", max(w.start for w in _US), min(w.end for w in _US))


def profile_for(market: str, state: str | None, by_state: bool = True) -> Window | None:
    """The quiet-hours window for a recipient in this market (and, with by_state, US state); None
    when the market's law sets no hours. The one place that decides it."""
    from templater.markets import markets

    if market == "us" and by_state:
        if state is None:
            return US_STATE_UNKNOWN
        return PROFILES[STATE_PROFILES.get(state, "tcpa")]
    name = markets()[market].quiet_hours
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
    """Each row's place (country, market, US state) from its number, cached by country code and,
    for +1, area code; and its quiet-hours check, one QuietHours per window."""

    def __init__(self, send_at: datetime, by_state: bool = False) -> None:
        self.send_at = send_at
        self.by_state = by_state
        self._checks: dict[str, QuietHours] = {}
        self._places: dict[str, tuple[str | None, str | None]] = {}
        self._states: dict[str, str | None] = {}
        _calendar("FR")  # loaded now, before any fork

    def market(self, phone: str) -> tuple[str | None, str | None]:
        """(market, region code) of a valid E.164 number; market None when templater knows none."""
        return self._place(phone)

    def for_row(self, row: dict, phone: str) -> QuietHours | None | str:
        """The row's quiet-hours check, None when its market's law sets no hours, or why it has
        none (the row is then rejected)."""
        market, country = self._place(phone)
        if market is None:
            from templater.markets import ids

            return (f"no quiet-hours profile for {country or 'unknown-country'} numbers: templater knows the "
                    f"markets {', '.join(ids())}; send them in a run of their own with --quiet-hours "
                    "PROFILE|HH:MM-HH:MM")
        state = self._state(phone) if market == "us" and self.by_state else None
        window = profile_for(market, state, self.by_state)
        if window is None:
            return None
        check = self._checks.get(window.name)
        if check is None:
            check = self._checks[window.name] = QuietHours(window, self.send_at)
        return check

    def _place(self, phone: str) -> tuple[str | None, str | None]:
        import phonenumbers

        from templater.markets import for_region

        key = phone[:5] if phone.startswith("+1") else phone[:4]
        found = self._places.get(key)
        if found is not None:
            return found
        number = phonenumbers.parse(phone, None)
        country = phonenumbers.region_code_for_number(number)
        found = (for_region(country), country)
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code or 0, ())
        if number.country_code == 1 or len(regions) == 1:  # the key decides the country
            if len(self._places) < 4096 and not reference.ON:
                self._places[key] = found
        return found

    def _state(self, phone: str) -> str | None:
        key = phone[:5]  # a US area code decides the state
        if key in self._states:
            return self._states[key]
        import phonenumbers
        from phonenumbers import geocoder

        state = us_state(geocoder.description_for_number(phonenumbers.parse(phone, None), "en"))
        if len(self._states) < 4096 and not reference.ON:
            self._states[key] = state
        return state
