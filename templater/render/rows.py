"""One row's journey, in whichever process runs it: read, phone, gates, quiet hours, render, lint, format."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Sequence

from templater import graphemes
from templater.context import LintContext
from templater.encoding import GSM_ALL, GSM_BASIC, GSM_EXTENSION, Encoding, analyze
from templater.linter import FileResult, Linter
from templater.jinja import sandbox
from templater.jinja.limits import Alarm
from templater.render.gating import Gate
from templater.render.outputs import LineFormat
from templater.render.phones import Phones
from templater.render.phones import region_of
from templater.render.quiet_hours import AUTO, MARKET, QuietHours, RowProfiles, Window
from templater.render.recheck import MessageCheck
from templater.render.recipients import Job, Lines, Record, RowReader, raw_text
from templater.render.message import Renderer
from templater.rulepacks.loader import RuleSet
from templater.template import Template

# Only GSM 03.38 basic characters: one septet each, so the counts need no per-character walk.
_BASIC_ONLY = re.compile("[%s]*" % re.escape("".join(sorted(GSM_BASIC))))
# The ASCII ones as bytes: an ASCII text is basic-only when deleting them leaves nothing (a C loop
# over bytes, about half the cost of the regex's per-character class test).
_ASCII_BASIC = "".join(sorted(c for c in GSM_BASIC if c.isascii())).encode("ascii")


@dataclass
class Spec:
    """Everything a process needs to handle rows: the run's settings, already validated."""

    template: Template
    ruleset: RuleSet
    fmt: str                      # output format: jsonl | csv
    recipients_format: str        # csv | jsonl
    header: list[str] | None
    default_region: tuple[str, ...] | str | None
    send_at: datetime
    window: Window | str          # a window for every row, or quiet_hours.MARKET / AUTO: each row's from its number
    reply_window: timedelta
    suppressed: frozenset[str] = field(default_factory=frozenset)
    constants: dict[str, Any] = field(default_factory=dict)  # values for variables a row leaves empty
    max_output: int = sandbox.DEFAULT_MAX_OUTPUT
    timeout: float = sandbox.DEFAULT_TIMEOUT
    linter: Linter | None = None        # the template's policy (configured rules); None: every bundled rule
    admitted: FileResult | None = None  # the template's own lint result, for its inline suppressions
    delimiter: str | None = None               # CSV separator (None: detected once, from the header)
    columns: Any = None                        # JSON Lines: a columns.ColumnMap for each row's keys
    region_key: str | None = None              # the row key holding a region/country, if any
    keep: list[tuple[str, str]] = field(default_factory=list)   # --keep: (output name, row key)
    warnings: list[str] = field(default_factory=list)           # found while validating the settings
    markets: tuple[str, ...] = ()              # the template's markets: rows of other markets are rejected


# (line, E.164 or None, output line, reason or None, rule or None)
Result = tuple[int, "str | None", str, "str | None", "str | None"]


def encoding_of(text: str) -> Encoding:
    """analyze(text)'s encoding, characters, units and segments, without its per-character walk
    wherever the counts follow from the length (then `non_gsm` is left empty: the bulk output
    does not print it)."""
    n = len(text)
    if text and (not text.encode("ascii").translate(None, _ASCII_BASIC) if text.isascii()
                 else _BASIC_ONLY.fullmatch(text)):
        # The facts of such a message depend on its length only: one (immutable) object per length.
        found = _BASIC_BY_LENGTH.get(n)
        if found is None:
            found = Encoding("GSM-7", n, n, 1 if n <= 160 else -(-n // 153))
            if n <= sandbox.DEFAULT_MAX_OUTPUT:
                _BASIC_BY_LENGTH[n] = found
        return found
    if GSM_ALL.issuperset(text):
        units = n + sum(map(text.count, GSM_EXTENSION))  # an extension character takes two septets
        # One segment holds it whole; over that, escape pairs may not be split: the walk decides.
        return Encoding("GSM-7", units, units, 1) if units <= 160 else analyze(text)
    # UCS-2. Below U+0300 no character joins the one before it; when none from U+0300 on can
    # either (no mark, joiner, variation selector, Hangul jamo or character beyond U+FFFF), each
    # character is one character and one UTF-16 unit.
    if all(map(_alone, set(_BELOW_COMBINING.sub("", text)))):
        return Encoding("UCS-2", n, n, 1 if n <= 70 else -(-n // 67))
    return analyze(text)


_BELOW_COMBINING = re.compile("[\x00-\u02ff]+")
_ALONE: dict[str, bool] = {}


def _alone(ch: str) -> bool:
    """Whether a character from U+0300 on is a whole user-perceived character of one UTF-16 unit,
    whatever surrounds it (see templater/graphemes.py)."""
    alone = _ALONE.get(ch)
    if alone is None:
        alone = _ALONE[ch] = ord(ch) <= 0xFFFF and not graphemes.joins_others(ch)
    return alone


_BASIC_BY_LENGTH: dict[int, Encoding] = {}


class RowProcessor:
    """The per-process state of a run: compiled template, gates, caches; turns records into results."""

    def __init__(self, spec: Spec) -> None:
        t = spec.template
        self.spec = spec
        ctx = LintContext(t, spec.ruleset, max_output=spec.max_output)
        self.renderer = Renderer(t, ctx, spec.max_output)
        self.check = MessageCheck(spec.linter or Linter(spec.ruleset), t, ctx.plain, spec.admitted)
        self.names = sorted(set(ctx.used) | set(t.variables))
        constants = {n: v for n, v in spec.constants.items() if v not in (None, "")}
        self.base = {**self.renderer.defaults, **constants}  # under each row's own non-empty values
        self.gate = Gate(t, spec.send_at, spec.reply_window)
        promotional = t.category == "promotional"
        per_row = spec.window in (AUTO, MARKET)
        self.places = RowProfiles(spec.send_at, by_state=spec.window == AUTO)
        self.quiet = QuietHours(spec.window, spec.send_at) if promotional and not per_row else None  # type: ignore[arg-type]
        self.profiles = self.places if promotional and per_row else None
        self._markets = frozenset(spec.markets)
        self._gates: dict[str, Any] = {}   # market -> its consent gate's check
        self.phones = Phones(spec.default_region)
        self.reader = RowReader(spec.recipients_format, spec.header, spec.delimiter or ",", spec.columns)
        self.format = LineFormat(spec.fmt, t.id, t.category or "", spec.keep)
        self._region_key = spec.region_key
        # What each row calls, bound once (attribute chains cost more than some of the calls).
        self._normalize, self._suppressed, self._gate = self.phones.normalize, spec.suppressed, self.gate.check
        # A plain body renders without the sandbox (templater/jinja/plain.py), the strict bulk mode.
        self._render_row = ctx.plain.renderer(spec.max_output, self.renderer.required) if ctx.plain is not None else None
        self._errors, self._message = self.check.errors, self.format.message

    def reject(self, record: Record, reason: str, detail: str, row: dict | None = None,
               phone: str | None = None, rule: str | None = None) -> Result:
        """A result for a row that goes to the rejects file."""
        line = self.format.reject(record.line, reason, rule, detail, phone, row, raw_text(record.raw))
        return record.line, phone, line, reason, rule

    def process(self, job: Job) -> list[Result]:
        """Results for a job's records, in order; each render is bounded by the row deadline."""
        records = job.records(self.spec.recipients_format) if isinstance(job, Lines) else job
        return self.process_rows(records, self.reader.read_all(records))

    def process_rows(self, records: list[Record], rows: Sequence[dict | tuple[str, str]]) -> list[Result]:
        """Results for records already read into rows (a dict, or (reason, detail) for an unreadable
        one), in order: what process() does after reading, and what templater.engines.core calls
        for rows that come as columns (Parquet) rather than as text."""
        with Alarm(self.spec.timeout) as arm:
            return [self._one(record, row, arm) for record, row in zip(records, rows)]

    def _one(self, record: Record, row: dict | tuple[str, str], arm: Any) -> Result:
        if isinstance(row, tuple):
            return self.reject(record, *row)
        raw_phone = row.get("phone")
        if raw_phone is None or str(raw_phone).strip() == "":
            return self.reject(record, "missing-phone", "the row has no phone number", row)
        if self._region_key is None:
            phone, why = self._normalize(str(raw_phone))
        else:  # the row's region column wins over --default-region
            given = row.get(self._region_key)
            region = region_of(given) if given not in (None, "") else None
            if region is None and given not in (None, ""):
                return self.reject(record, "bad-field", f"region '{given}' is not a country: give a two-letter "
                                   "code such as US or FR", row)
            phone, why = self._normalize(str(raw_phone), region)
        if phone is None:
            reason = "ambiguous-phone" if why.startswith("ambiguous") else "invalid-phone"
            return self.reject(record, reason, f"'{raw_phone}': {why}", row)
        if phone in self._suppressed:
            return self.reject(record, "suppressed", "the number is on the suppression list", row, phone)
        gate = self._gate
        if self._markets:
            market, country = self.places.market(phone)
            if market not in self._markets:
                where = f"market {market}" if market else "no market templater knows"
                return self.reject(record, "wrong-market", f"{country or 'unknown-country'} number ({where}); the "
                                   f"template is for {', '.join(sorted(self._markets))}", row, phone)
            gate = self._gates.get(market) or self._market_gate(market)
        verdict = gate(row)
        if verdict is None and (self.quiet is not None or self.profiles is not None):
            verdict = self._quiet_hours(row, phone)
        if verdict is not None:
            return self.reject(record, verdict[0], verdict[1], row, phone)
        # A simple body renders without the sandbox; it runs no loop, so it needs no deadline either.
        # It steps aside (None) for a missing required value, and for anything the sandbox must judge.
        shaped = self._render_row(row, self.base) if self._render_row is not None else None
        if shaped is not None:
            text, shape = shaped
        else:
            shape = None
            # Defaults are for optional variables only, so they never hide a missing required one.
            values = {**self.base, **{n: row[n] for n in self.names if row.get(n) not in (None, "")}}
            missing = self.renderer.missing(values)
            if missing:
                return self.reject(record, "missing-variable", f"no value for {', '.join(missing)}", row, phone)
            try:
                arm(True)
                text = sandbox.render_bounded(self.renderer.compiled, values, self.spec.max_output)
            except sandbox.RENDER_ERRORS as exc:
                return self.reject(record, "render-error", f"{type(exc).__name__}: {exc}", row, phone)
            finally:
                arm(False)
        text = text.strip()
        errors = self._errors(text, shape)
        if errors:
            first = errors[0]
            return self.reject(record, "lint-error", first.message, row, phone, first.rule)
        enc = encoding_of(text)
        return (record.line, phone, self._message(phone, text, enc.encoding, enc.segments, enc.characters,
                                                  record.line, row), None, None)

    def _market_gate(self, market: str) -> Any:
        """The consent gate of one market (its law's promotional consent level), made once."""
        t = self.spec.template
        gate = self._gates[market] = Gate(t, self.spec.send_at, self.spec.reply_window, market).check
        return gate

    def _quiet_hours(self, row: dict, phone: str) -> tuple[str, str] | None:
        quiet = self.quiet
        if quiet is None:
            found = self.profiles.for_row(row, phone)  # type: ignore[union-attr]
            if isinstance(found, str):
                return "no-quiet-hours-profile", found
            if found is None:  # the row's market sets no hours
                return None
            quiet = found
        tz = str(row.get("timezone") or "").strip()
        zones = (tz,) if tz else self.phones.zones(phone)
        if not zones:
            return "unknown-timezone", "no timezone field and phonenumbers knows no zone for the number"
        why = quiet.check(zones)
        if why is None:
            return None
        if why.startswith("unknown time zone"):
            return "bad-timezone", f"timezone '{tz}' is not an IANA time zone name (e.g. America/New_York)"
        return "quiet-hours", why
