"""Consent gating per row: the consent a category needs, transactional scope, the reply window, opt-outs."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping

from templater import reference
from templater.errors import ConfigError
from templater.render.quiet_hours import zone
from templater.template import CONSENT_FOR, CONSENT_LEVELS, Template, consent_covering

# Values of `opt_out` that mean the person has NOT opted out; anything else non-empty means they have.
_NOT_OPTED_OUT = frozenset({"", "0", "false", "no", "n", "f", "none", "null", "non", "faux"})
_SCOPE_SPLIT = re.compile(r"[\s,;|]+")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")

Verdict = tuple[str, str] | None  # (reason, detail) when the row may not be sent
_UNKNOWN: Verdict = ("", "")  # not yet decided (compared by identity)
_KEYABLE = frozenset({str, type(None)})
_KNOWN_LIMIT = 4096  # combinations of opt_out, consent and consent_scope remembered; cleared when full


def parse_duration(text: str) -> timedelta:
    """'24h', '90m', '2d', '1h30m' or a number of hours, as a timedelta; ConfigError otherwise."""
    spec = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", spec):
        value = timedelta(hours=float(spec))
    else:
        m = _DURATION.match(spec)
        if not spec or not m:
            raise ConfigError(f"--reply-window '{text}': give a duration such as 24h, 90m or 2d")
        days, hours, minutes = (int(g or 0) for g in m.groups())
        value = timedelta(days=days, hours=hours, minutes=minutes)
    if value <= timedelta(0):
        raise ConfigError(f"--reply-window '{text}': the window must be longer than zero")
    return value


def parse_instant(text: str, tz_name: str | None = None) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime; naive ones are read in tz_name, else UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        local = zone(tz_name) if tz_name else None
        value = value.replace(tzinfo=local or timezone.utc)
    return value


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


class Gate:
    """Decides, for one template and sending time, whether a row's consent allows the message."""

    def __init__(self, template: Template, send_at: datetime, reply_window: timedelta,
                 market: str | None = None) -> None:
        self.category = template.category
        # The promotional consent the row's market's law asks (markets.yaml); the US level without a market.
        self.promotional_level = CONSENT_FOR["promotional"]
        if market is not None:
            from templater.markets import markets

            consent = markets()[market].requirement("consent")
            self.promotional_level = ((consent.consent or {}) if consent else {}).get("promotional",
                                                                                       self.promotional_level)
        self.market = market
        self.send_at = send_at
        self.reply_window = reply_window
        use_case = template.meta.get("use_case")
        industry = template.meta.get("industry")
        if use_case is not None:
            from templater.library import borrowed_use_case

            borrowed = borrowed_use_case(template)
            if borrowed is not None:  # the lint error borrowed-use-case: never sent under that consent
                raise ConfigError(f"borrowed-use-case: {borrowed}", template.path, template.key_line("use_case"))
        self.scopes = {template.id.lower()} | ({str(use_case).lower()} if use_case else set())
        if use_case and industry:  # the use case as `templater new` and the library name it
            self.scopes.add(f"{industry}.{use_case}".lower())
        self._known: dict[tuple, Verdict] = {}
        check = {"promotional": self._promotional, "transactional": self._transactional,
                 "conversational": self._conversational}.get(self.category or "")
        if check is None:
            what = f"is '{self.category}'" if self.category else "is not declared"
            raise ConfigError(f"the template's category {what}: bulk rendering needs promotional, "
                              "transactional or conversational to know which consent applies",
                              template.path, template.key_line("category"))
        self._check: Callable[[Mapping[str, object]], Verdict] = check

    def check(self, row: Mapping[str, object]) -> Verdict:
        """None when the row may receive the message, else (reason, detail)."""
        if self.category == "conversational" or reference.ON:  # the reply window depends on each row's inbound_at
            return self._uncached(row)
        # The other verdicts depend on a few fields whose values are few (consent levels, scopes):
        # each combination is decided once. consent_at, often one per person, is checked apart.
        key = (row.get("opt_out"), row.get("consent"), row.get("consent_scope"))
        try:
            verdict = self._known.get(key, _UNKNOWN)
        except TypeError:  # a JSON list or object as a value: not a key
            return self._uncached(row)
        if verdict is _UNKNOWN:
            # Only keys of text (or nothing) are stored: JSON values equal as keys may read differently
            # (0 and 0.0, 1 and True: opt_out '0' is no opt-out, '0.0' is one). No number equals a
            # str, so a key that finds a stored verdict is text too.
            if not _KEYABLE.issuperset(map(type, key)):
                return self._uncached(row)
            verdict = self._opted_out(row) or self._check(row)
            if len(self._known) >= _KNOWN_LIMIT:
                self._known.clear()
            self._known[key] = verdict
        if verdict is not None and verdict[0] == "opted-out":
            return verdict
        return self._consent_at(row) or verdict

    def _uncached(self, row: Mapping[str, object]) -> Verdict:
        return self._opted_out(row) or self._consent_at(row) or self._check(row)

    @staticmethod
    def _opted_out(row: Mapping[str, object]) -> Verdict:
        opt_out = _text(row.get("opt_out"))
        if opt_out.lower() not in _NOT_OPTED_OUT:
            return "opted-out", f"opt_out is '{opt_out}'"
        return None

    @staticmethod
    def _consent_at(row: Mapping[str, object]) -> Verdict:
        at = _text(row.get("consent_at"))
        if at and parse_instant(at) is None:
            return "bad-field", f"consent_at '{at}' is not an ISO 8601 date or date-time"
        return None

    def _consent(self, row: Mapping[str, object], needed: str) -> Verdict:
        value = _text(row.get("consent")).lower().replace("-", "_").replace(" ", "_")
        if value in consent_covering(needed):
            return None
        needs = " or ".join(consent_covering(needed))
        if self.category == "promotional" and self.market not in (None, "us"):  # US: the baseline
            needs += f" in market {self.market}"
        if not value:
            return "no-consent", f"no consent recorded; {self.category} messages need {needs}"
        if value not in CONSENT_LEVELS:
            return "bad-field", f"consent '{row.get('consent')}' is not one of {', '.join(CONSENT_LEVELS)}"
        return "no-consent", f"consent is {value}; {self.category} messages need {needs}"

    def _promotional(self, row: Mapping[str, object]) -> Verdict:
        return self._consent(row, self.promotional_level)

    def _transactional(self, row: Mapping[str, object]) -> Verdict:
        verdict = self._consent(row, CONSENT_FOR["transactional"])
        if verdict is not None:
            return verdict
        scope = _text(row.get("consent_scope"))
        if not scope:
            return "out-of-scope", "no consent_scope: name the template id or use case the consent covers"
        if not self.scopes.intersection(s.lower() for s in _SCOPE_SPLIT.split(scope) if s):
            return "out-of-scope", f"consent_scope '{scope}' does not cover {' or '.join(sorted(self.scopes))}"
        return None

    def _conversational(self, row: Mapping[str, object]) -> Verdict:
        raw = _text(row.get("inbound_at"))
        if not raw:
            return "no-inbound", "no inbound_at: a conversational message answers a message the person sent"
        inbound = parse_instant(raw, _text(row.get("timezone")) or None)
        if inbound is None:
            return "bad-field", f"inbound_at '{raw}' is not an ISO 8601 date or date-time"
        age = self.send_at - inbound
        if age < timedelta(0):
            return "bad-field", f"inbound_at {raw} is after the sending time"
        if age > self.reply_window:
            hours = age.total_seconds() / 3600
            return "reply-window-closed", (f"last inbound message {hours:.1f} h before sending; the reply "
                                           f"window is {self.reply_window.total_seconds() / 3600:g} h")
        return None
