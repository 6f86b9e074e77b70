"""Markets: where a message goes decides the law. The data is templater/markets.yaml; this module
reads it and answers which markets a template is for and which market a phone region belongs to."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from templater.records import dataclass
from templater.template import SafeLoader

DATA = Path(__file__).resolve().parent / "markets.yaml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Requirement:
    topic: str
    requirement: str          # "none" when the market's law says nothing on the topic
    source: str
    rules: tuple[str, ...] = ()
    consent: dict | None = None
    wording: dict | None = None   # language -> wording that satisfies it, such as {en: Reply STOP to opt out.}


@dataclass(frozen=True)
class Market:
    id: str
    name: str
    law: str
    regions: tuple[str, ...]
    language: str | None       # the bare language tag that defaults to this market
    quiet_hours: str | None    # a profile of the quiet-hours table, or None: the law sets none
    requirements: tuple[Requirement, ...]

    def sources_for(self, rule_id: str) -> list[str]:
        return [r.source for r in self.requirements if rule_id in r.rules]

    def requirement(self, topic: str) -> Requirement | None:
        return next((r for r in self.requirements if r.topic == topic), None)


def _parse() -> dict[str, Any]:
    return yaml.load(DATA.read_text(encoding="utf-8"), Loader=SafeLoader)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    # Every lint run asks for the markets: parsed once per content of the file, then unpickled
    # (like the rule packs), so that lint's start-up does not grow by a YAML parse.
    from templater.cache import cached

    return cached([DATA], _parse, kind="markets")


@lru_cache(maxsize=1)
def markets() -> dict[str, Market]:
    """Every market, by id, in the file's order."""
    out = {}
    for mid, spec in _data()["markets"].items():
        reqs = tuple(Requirement(r["topic"], str(r["requirement"]), r["source"], tuple(r.get("rules") or ()),
                                 r.get("consent"), r.get("wording")) for r in spec["requirements"])
        out[mid] = Market(mid, spec["name"], spec["law"], tuple(spec["regions"]), spec.get("language"),
                          spec.get("quiet_hours"), reqs)
    return out


def ids() -> tuple[str, ...]:
    return tuple(markets())


def quiet_hours_table() -> dict[str, dict[str, Any]]:
    """The named quiet-hours windows: profile -> {window, days, holidays, source}."""
    return dict(_data()["quiet_hours"])


@lru_cache(maxsize=64)
def for_region(region: str | None) -> str | None:
    """The market of a phone region code (US, CA, FR, GB, ...), or None when templater knows none."""
    return next((m.id for m in markets().values() if region in m.regions), None)


def parse(value: Any) -> tuple[str, ...]:
    """A `market` value (a market id or a list of them) as a tuple; ValueError naming what is wrong."""
    items = [value] if isinstance(value, str) else value
    known = ids()
    if not isinstance(items, list) or not items or not all(isinstance(v, str) for v in items):
        raise ValueError(f"must be a market ({', '.join(known)}) or a list of them, such as [us, ca]")
    out = []
    for item in items:
        mid = item.strip().lower()
        if mid not in known:
            raise ValueError(f"'{item}' is not a market templater knows ({', '.join(known)})")
        if mid not in out:
            out.append(mid)
    return tuple(out)


def from_tag(tag: Any) -> tuple[str | None, bool]:
    """(market, defaulted) of a language tag: its region's market (fr-CA -> ca), else the bare
    language's default market (en -> us, fr -> fr) with defaulted True; (None, False) when neither."""
    parts = str(tag or "").replace("_", "-").split("-")
    language = parts[0].lower()
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            market = for_region(part.upper())
            if market is not None:
                return market, False
    default = next((m.id for m in markets().values() if m.language == language), None)
    return default, default is not None


def of_template(meta: dict, configured: tuple[str, ...] = ()) -> tuple[tuple[str, ...], bool]:
    """(markets, defaulted) of a template: its `market` key, else its language tag's region, else
    the configuration's `market`, else the bare language's default (defaulted True). An invalid
    `market` value yields () here; the invalid-metadata rule reports it."""
    value = meta.get("market")
    if value not in (None, "", []):
        try:
            return parse(value), False
        except ValueError:
            return (), False
    market, defaulted = from_tag(meta.get("language") or "en")
    if market is not None and not defaulted:
        return (market,), False
    if configured:
        return configured, False
    return ((market,), True) if market else ((), False)


def describe_window(spec: dict[str, Any]) -> str:
    """'08:00-20:00, mon-sat, not public holidays' for a quiet-hours table entry."""
    days = spec["days"]
    parts = [spec["window"]]
    if len(days) < 7:
        parts.append(f"{days[0]}-{days[-1]}")
    if spec.get("holidays"):
        parts.append("not public holidays")
    return ", ".join(parts)


def quiet_hours_help() -> str:
    """The --quiet-hours help, from the quiet-hours table and the markets' windows."""
    profiles = ", ".join(f"{name} ({describe_window(spec)})" for name, spec in quiet_hours_table().items())
    by_market = ", ".join(f"{m.id} {m.quiet_hours or 'none'}" for m in markets().values())
    return (f"Promotional window. Default 'market': each row's from its number's market ({by_market}); "
            f"'auto': the same, with US state laws; or, for every row, a profile: {profiles}; or a custom "
            "HH:MM-HH:MM window. Sources: docs/markets.md.")
