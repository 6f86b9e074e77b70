"""Bulk rendering: stream recipients through the row checks in order, account for every row, write atomically."""
from __future__ import annotations

import bisect
import itertools
import gc
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Union

from templater.config import BULK_KEYS, Config
from templater.errors import ConfigError, InputError
from templater.render.gating import parse_duration
from templater.render.columns import ColumnError, ColumnMap, fold, parse_pairs
from templater.render.outputs import OUT_FORMATS, AtomicFile, LineFormat, NullFile, StdoutFile, check_writable, rejects_path
from templater.render.phones import check_region, load_suppression, suppression_from
from templater.markets import of_template
from templater.markets import parse as parse_market
from templater.render.quiet_hours import AUTO, MARKET, parse_window
from templater.render.recipients import (MAX_RECORD_BYTES, Job, Jobs, Lines, RowReader, decoded_lines,
                                         detect_format, raw_text, read_header)
from templater.render.rows import RowProcessor, Spec
from templater.render.seen import SeenPhones
from templater.jinja.sandbox import DEFAULT_MAX_OUTPUT
from templater.render.workers import Packed, ordered_chunks
from templater.linter import FileResult, Linter
from templater.rulepacks.loader import RuleSet
from templater.template import Template


@dataclass
class Summary:
    """What a run did with its rows: every input row is either rendered or rejected for one reason."""

    out: str
    rejects: str
    input: int = 0
    rendered: int = 0
    reasons: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)      # lint-error rejects by rule id
    warnings: list = field(default_factory=list)         # about the run's columns and --var names
    samples: list = field(default_factory=list)          # --dry-run: the first messages, as dicts

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    def to_dict(self) -> dict:
        return {"input": self.input, "rendered": self.rendered, "rejected": self.rejected,
                "reasons": dict(sorted(self.reasons.items())), "lint_rules": dict(sorted(self.rules.items())),
                "out": self.out, "rejects": self.rejects, "warnings": list(self.warnings)}

    def lines(self) -> list[str]:
        """The summary as the CLI prints it."""
        where = (lambda path: f"  -> {path}" if path else "")  # noqa: E731 - nothing written in a dry run
        out = [f"input     {self.input:>10,}", f"rendered  {self.rendered:>10,}{where(self.out)}",
               f"rejected  {self.rejected:>10,}{where(self.rejects)}"]
        for reason, count in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {reason:<20}{count:>9,}")
            if reason == "lint-error":
                out += [f"    {rule:<18}{n:>9,}" for rule, n in sorted(self.rules.items())]
        return out


Output = Union[AtomicFile, StdoutFile, NullFile]
SAMPLES = 5  # --dry-run: messages shown

# Rows whose numbers go to the duplicate table together: a bigger sorted insert costs less per row,
# and the few MB held are the same for a small file as for a large one.
GROUP_ROWS = 8000


class _Sink:
    """The main process's end: dedupe by number in input order, write, count."""

    def __init__(self, spec: Spec, summary: Summary, out: Output, rejects: Output) -> None:
        self.summary, self.out, self.rejects = summary, out, rejects
        self.seen = SeenPhones()
        self.long_seen: dict[str, int] = {}  # numbers of over 15 digits -> the line of their first row
        self.pending: list[tuple[Job, Packed]] = []
        self.pending_rows = 0
        self.format = LineFormat(spec.fmt, spec.template.id, spec.template.category or "", spec.keep)
        self.reader = RowReader(spec.recipients_format, spec.header, spec.delimiter or ",", spec.columns)
        out.write(self.format.header(False))
        rejects.write(self.format.header(True))

    def take(self, job: Job, results: Packed) -> None:
        """Queue one job's results; they are written, in order, when enough rows are queued. They
        are counted now (a row found to repeat a number is recounted when written), so that the
        progress line's counts keep up."""
        s = self.summary
        s.input += len(results.lines)
        s.rendered += results.rendered
        s.reasons.update(results.reason_counts)
        s.rules.update(results.rule_counts)
        self.pending.append((job, results))
        self.pending_rows += len(results.lines)
        if self.pending_rows >= GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the queued results; a later row for a number already seen becomes a duplicate."""
        group, self.pending, self.pending_rows = self.pending, [], 0
        repeats = self.seen.repeats(itertools.chain.from_iterable(p.keys for _, p in group),
                                    itertools.chain.from_iterable(p.key_lines for _, p in group))
        long_repeats = []
        for line, digits in itertools.chain.from_iterable(p.long_keys for _, p in group):
            first = self.long_seen.setdefault(digits, line)  # numbers of 16-19 digits: rare, kept here
            if first != line:
                long_repeats.append((line, digits, first))
        if long_repeats:
            repeats = sorted([*repeats, *long_repeats])
        # Each repeat to its chunk (chunks hold increasing lines), in input order.
        fixes: dict[int, list[tuple[int, int, int]]] = {}
        if repeats:
            held = [k for k, (_, p) in enumerate(group) if p.lines]
            starts = [group[k][1].lines[0] for k in held]
            for line, key, first in repeats:
                fixes.setdefault(held[bisect.bisect_right(starts, line) - 1], []).append((line, key, first))
        for k, (job, packed) in enumerate(group):
            self._write(job, packed, fixes.get(k))

    def _duplicate(self, job: Job, packed: Packed, i: int, key: int, first: int) -> str:
        """The reject for row i of a job, whose number had a row on line `first`."""
        line = packed.lines[i]
        phone = f"+{key}"
        raw = job.raw(line) if isinstance(job, Lines) else job[i].raw  # framed jobs: one result per record
        return self.format.reject(line, "duplicate", None, f"{phone} already had a row on line {first}",
                                  phone, self.reader.read_raw(line, raw), raw_text(raw))

    def _write(self, job: Job, packed: Packed, fixes: list[tuple[int, int, int]] | None) -> None:
        # Whole chunks at a time: the parent's share of each row stays small when workers do the rest.
        s = self.summary
        if not fixes:
            self.out.write(packed.sent)
            self.rejects.write(packed.rejected)
            return
        # Rows that repeat a number: out of the messages or in place of their reject, a duplicate.
        sent, rejected, out_at, rej_at = packed.sent, packed.rejected, packed.out_at, packed.rej_at
        out_parts, rej_parts = [], []
        out_from = rej_from = 0
        for line, key, first in fixes:
            i = bisect.bisect_left(packed.lines, line)
            out_parts.append(sent[out_from:out_at[i]])
            rej_parts.append(rejected[rej_from:rej_at[i]])
            rej_parts.append(self._duplicate(job, packed, i, key, first))
            out_from, rej_from = out_at[i + 1], rej_at[i + 1]
            reason, rule = packed.reasons[i], packed.rules[i]
            if reason is None:
                s.rendered -= 1
            else:
                _discount(s.reasons, reason)
                if rule:
                    _discount(s.rules, rule)
            s.reasons["duplicate"] += 1
        out_parts.append(sent[out_from:])
        rej_parts.append(rejected[rej_from:])
        self.out.write("".join(out_parts))
        self.rejects.write("".join(rej_parts))

    def close(self) -> None:
        self.seen.close()


def _discount(counts: Counter, key: str) -> None:
    """One fewer of key, and no key left at zero (as counting the rows in the first place gives)."""
    counts[key] -= 1
    if not counts[key]:
        del counts[key]


def _open(path: str) -> tuple[BinaryIO, int | None]:
    if path == "-":
        return sys.stdin.buffer, None
    try:
        return open(path, "rb"), os.path.getsize(path)
    except FileNotFoundError:
        raise InputError("no such recipients file", path) from None
    except IsADirectoryError:
        raise InputError("is a folder: give the recipients file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the recipients file: {exc.strerror}", path) from None


def run(spec: Spec, recipients: str, out: str, rejects: str, jobs: int | None, chunk_size: int,
        progress: Callable[[int, int | None], None] | None = None, *, dry_run: bool = False,
        warn: Callable[[str], None] | None = None,
        on_progress: Callable[[Summary, int, int | None], None] | None = None) -> Summary:
    """Render every row of the recipients file into out or rejects; both appear only when complete.

    out '-' is standard output. dry_run: everything but writing (the summary holds a few samples).
    warn is called with each warning as soon as it is known (before the first row); on_progress
    with the summary so far and the bytes read, after each chunk.
    """
    if dry_run:
        spec.fmt = "jsonl"  # nothing is written: the samples are read back from JSON Lines
    else:
        _distinct(recipients, out, rejects)
    stream, size = _open(recipients)
    out_file: Output | None = None
    rej_file: Output | None = None
    sink = None
    try:
        lines = decoded_lines(stream, recipients)
        first_line = 1
        warnings = list(spec.warnings)
        if spec.recipients_format == "csv":
            names, spec.delimiter, taken = read_header(lines, recipients, spec.delimiter)
            first_line = taken + 1
            warnings += _map_columns(spec, names, recipients, taken)
        else:
            lines, keys, ahead = _first_objects(lines)
            warnings += _map_columns(spec, keys or [], recipients, None)
        jobs_in = Jobs(lines, spec.recipients_format, first_line, chunk_size)
        processor = RowProcessor(spec)  # builds (and so validates) everything before any file is made
        if spec.recipients_format == "csv":
            _preflight(spec, processor, recipients, first_line - 1)
        else:
            _preflight_jsonl(spec, processor, recipients, ahead)
        for warning in warnings:
            if warn is not None:
                warn(warning)
        # Everything built so far (rules, template, caches' owners) lives for the whole run: frozen,
        # the garbage collector stops walking it every few thousand rows, and forked workers do not
        # copy its memory pages by touching it. Undone when the run ends.
        gc.freeze()
        if dry_run:
            out_file, rej_file = NullFile(SAMPLES), NullFile()
        else:
            out_file = StdoutFile(sys.stdout) if out == "-" else AtomicFile(out)
            rej_file = AtomicFile(rejects)
        summary = Summary("" if dry_run else out, "" if dry_run else rejects, warnings=warnings)
        sink = _Sink(spec, summary, out_file, rej_file)
        for job, results in ordered_chunks(processor, iter(jobs_in), jobs):
            sink.take(job, results)
            if progress is not None:
                progress(jobs_in.consumed, size)
            if on_progress is not None:
                on_progress(summary, jobs_in.consumed, size)
        sink.flush()
        out_file.commit()
        rej_file.commit()  # last: the rejects file appears only once the messages are in place
        if isinstance(out_file, NullFile):
            summary.samples = [_sample(line) for line in out_file.lines]
        return summary
    except BaseException:
        for f in (out_file, rej_file):
            if f is not None:
                f.abort()
        raise
    finally:
        gc.unfreeze()
        if sink is not None:
            sink.close()
        if stream is not sys.stdin.buffer:
            stream.close()


def _sample(line: str) -> dict:
    """A --dry-run sample message (a JSON Lines output line) as a dict: phone, text, ..."""
    import json

    return json.loads(line)


def _map_columns(spec: Spec, names: list[str], path: str, line: int | None) -> list[str]:
    """Map a header (or the first JSON row's keys) once for the run: the Spec gets the row keys,
    the region column and the --keep columns; the warnings are returned. InputError when unsafe."""
    columns: ColumnMap = spec.columns
    try:
        mapped = columns.map(names, complete=line is not None)
        keep = columns.kept(mapped, names) if line is not None else [(k, mapped.keys[names.index(k)] if k in names else k)
                                                                       for k in columns.keep]
    except ColumnError as exc:
        raise InputError(str(exc), path, line or 1) from None
    taken = {"phone", "text", "template_id", "category", "encoding", "segments", "characters", "line",
             "reason", "rule", "detail", "row", "raw"}
    for name, _ in keep:
        if name in taken:
            raise InputError(f"--keep '{name}': the output already has a '{name}' field; rename the column",
                             path, line or 1)
    if line is None:  # JSON Lines: a --column header the first row lacks may be a typo
        folded = {fold(n) for n in names}
        mapped.warnings += [f"--column {key}={header}: the first row has no key '{header}'"
                            for key, header in columns.explicit.items() if fold(header) not in folded]
    if line is not None:
        spec.header = mapped.keys
        spec.region_key = mapped.region_key
    else:  # JSON rows may each have a region key or not: a row without one has None there
        spec.region_key = mapped.region_key or "region"
    spec.keep = keep
    return mapped.warnings


PREFLIGHT_ROWS = 1000            # JSON Lines rows read ahead for the pre-flight,
PREFLIGHT_BYTES = 8 * 1024 * 1024  # and at most this much of the file


@dataclass
class Ahead:
    """The first JSON Lines rows, read before the run for the pre-flight."""

    rows: list[dict] = field(default_factory=list)   # the objects among them
    first_line: int = 1                               # the first row's line
    whole_file: bool = False                          # the file ended within them


def _first_objects(lines: Iterator[bytes]) -> tuple[Iterator[bytes], list[str] | None, Ahead]:
    """The keys of the first JSON Lines row (None when it is not an object), the first rows (up
    to PREFLIGHT_ROWS or PREFLIGHT_BYTES), and the lines again, from the first."""
    import json

    head: list[bytes] = []
    names: list[str] | None = None
    ahead, size, rows = Ahead(), 0, 0
    for data in lines:
        head.append(data)
        size += len(data)
        if len(data) > MAX_RECORD_BYTES:  # rejected as too long when its turn comes
            break
        if data.strip():
            try:
                value = json.loads(data)
            except (ValueError, RecursionError):
                value = None
            if rows == 0:
                names, ahead.first_line = (list(value) if isinstance(value, dict) else None), len(head)
            if isinstance(value, dict):
                ahead.rows.append(value)
            rows += 1
        if rows >= PREFLIGHT_ROWS or size >= PREFLIGHT_BYTES or len(head) >= PREFLIGHT_ROWS * 10:
            break
    else:
        ahead.whole_file = True
    return itertools.chain(head, lines), names, ahead


def _preflight(spec: Spec, processor: RowProcessor, path: str, line: int,
               keys: Iterable[str] | None = None, source: str = "no column gives") -> None:
    """Before the first row: every required variable has a column (keys: the row keys given, by
    default the header's), a --var or a default."""
    given = set(spec.header or () if keys is None else keys) | {n for n, v in processor.base.items()
                                                                 if v not in (None, "")}
    missing = [n for n in processor.renderer.required if n not in given]
    if missing:
        names = ", ".join(missing)
        first = missing[0]
        raise InputError(f"the template needs {names}, but {source} {'it' if len(missing) == 1 else 'them'} "
                         f"and no --var does: add a column, map one with --column {first}=HEADER, or pass "
                         f"--var {first}=VALUE", path, line)


def _preflight_jsonl(spec: Spec, processor: RowProcessor, path: str, ahead: Ahead) -> None:
    """The pre-flight of a JSON Lines file, whose rows each carry their own keys: a required
    variable that none of the first rows gives (mapped as the run maps them) stops the run. Rows
    further on may still lack a key: each is then a missing-variable reject."""
    if not ahead.rows:
        return  # no object to judge by: every row is rejected with its own reason
    keys: set[str] = set()
    for value in ahead.rows:
        mapped = spec.columns.row(value)
        if isinstance(mapped, dict):
            keys.update(mapped)
    n = len(ahead.rows)
    source = ("no row gives" if ahead.whole_file else
              f"none of the first {n:,} rows gives" if n > 1 else "the first row does not give")
    _preflight(spec, processor, path, ahead.first_line, keys, source)


def _distinct(recipients: str, out: str, rejects: str) -> None:
    if out == "-" and rejects in ("-", rejects_path("-")):
        raise InputError("with --out - (standard output) give the rejects file with --rejects FILE", "-")
    for path, option in ((out, "--out"), (rejects, "--rejects")):
        if path not in ("-", ""):
            check_writable(path, option)
    paths = {"--recipients": recipients, "--out": out, "--rejects": rejects}
    real: dict[str, str] = {}
    for option, path in paths.items():
        key = os.path.realpath(path) if path != "-" else "-"
        if key in real:
            raise InputError(f"{option} and {real[key]} name the same file: give each its own", path)
        real[key] = option



def configured(settings: dict[str, Any], config: Config) -> dict[str, Any]:
    """The run's settings with the configuration's bulk settings (default_region, quiet_hours,
    reply_window, suppress) where the command line (settings) gives none. A configured value
    render cannot use is a ConfigError naming the configuration file, the key's line and the key."""
    out = dict(settings)
    checks = {"default_region": check_region, "reply_window": parse_duration,
              "quiet_hours": lambda v: v in (AUTO, MARKET) or parse_window(v)}
    for key in BULK_KEYS:
        value = getattr(config, key)
        if out.get(key) not in (None, ()) or value in (None, ()):
            continue
        if key == "suppress":
            value = config.root / value
            if not value.is_file():
                raise config.error(key, f"'{config.suppress}' is not a file (it is relative to {config.root})")
        else:
            try:
                checks[key](value)
            except ConfigError as exc:  # said of the option: say it of the key, with its place
                raise config.error(key, exc.message.removeprefix(f"--{key.replace('_', '-')} ")) from None
        out[key] = value
    return out


def make_spec(template: Template, ruleset: RuleSet, *, recipients: str, values: dict | None = None,
              recipients_format: str | None = None,
              out_format: str = "jsonl", default_region: str | Iterable[str] | None = None,
              suppress: str | os.PathLike | Iterable[str] | None = None,
              send_at: datetime | str | None = None, quiet_hours: str | None = None,
              reply_window: timedelta | str = "24h", max_output: int = DEFAULT_MAX_OUTPUT,
              market: str | Iterable[str] | None = None, columns: dict[str, str] | Iterable[str] | None = None, phone_column: str | None = None,
              keep: Iterable[str] = (), allow_unknown_columns: bool = False,
              delimiter: str | None = None, linter: Linter | None = None,
              admitted: FileResult | None = None) -> Spec:
    """Validate the run's settings into a Spec; ConfigError or InputError naming what to fix."""
    if out_format not in OUT_FORMATS:
        raise ConfigError(f"output format '{out_format}': give one of {', '.join(OUT_FORMATS)}")
    region = check_region(default_region)
    if suppress is None:
        suppressed: frozenset[str] = frozenset()
    elif isinstance(suppress, (str, os.PathLike)):
        suppressed = load_suppression(os.fspath(suppress), region)
    else:
        suppressed = suppression_from(suppress, region)
    # By default each row's window is its market's; a profile or window given applies to every row.
    spec = (quiet_hours or MARKET).strip()
    window = spec if spec in (AUTO, MARKET) else parse_window(spec)
    configured = parse_market(market) if market else (linter.options.market if linter is not None else ())
    markets = of_template(template.meta, configured)[0]  # as lint decides them, configuration included
    if not isinstance(reply_window, timedelta):
        reply_window = parse_duration(reply_window)
    delimiter = _delimiter(delimiter)
    column_map, constants, warnings = _columns(template, ruleset, columns, phone_column, keep,
                                               allow_unknown_columns, dict(values or {}))
    return Spec(template=template, ruleset=ruleset, fmt=out_format,
                recipients_format=detect_format(recipients, recipients_format), header=None,
                default_region=region, send_at=sending_time(send_at), window=window,
                reply_window=reply_window, suppressed=suppressed, constants=constants,
                max_output=max_output, delimiter=delimiter, columns=column_map, warnings=warnings,
                linter=linter, admitted=admitted, markets=markets)


_DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t", "pipe": "|"}


def _delimiter(value: str | None) -> str | None:
    """--delimiter: one character (or comma, semicolon, tab, pipe); None to detect it."""
    if value is None or value == "":
        return None
    found = _DELIMITER_NAMES.get(value.lower(), value)
    if len(found) != 1 or found in "\"\r\n":
        raise ConfigError(f"--delimiter '{value}': give one character such as ';' (or comma, semicolon, tab, pipe)")
    return found


def _columns(template: Template, ruleset: RuleSet, columns: dict[str, str] | Iterable[str] | None,
             phone_column: str | None, keep: Iterable[str], allow_unknown: bool,
             values: dict) -> tuple[ColumnMap, dict, list[str]]:
    """The run's ColumnMap, the --var values under the template's names, and warnings about them."""
    from templater.context import LintContext
    from templater.render.columns import RESERVED

    ctx = LintContext(template, ruleset)
    variables = frozenset(set(ctx.used) | set(template.variables))
    try:
        explicit = dict(columns) if isinstance(columns, dict) else parse_pairs(columns or (), "--column")
    except ColumnError as exc:
        raise ConfigError(str(exc)) from None
    if phone_column:
        explicit["phone"] = phone_column
    column_map = ColumnMap(variables, explicit, tuple(keep), allow_unknown)
    for name in explicit:
        if name not in variables and name not in RESERVED:
            raise ConfigError(f"--column {name}=...: the template has no variable {name}"
                              f"{column_map.suggest(name)}; give a variable or one of {', '.join(RESERVED)}")
    by_fold = {fold(v): v for v in variables}
    constants, warnings = {}, []
    for name, value in values.items():
        known = name if name in variables else by_fold.get(fold(name))
        if known is None:
            warnings.append(f"--var {name}: the template has no variable {name}{column_map.suggest(name)}; "
                            "it is ignored")
            constants[name] = value
        else:
            constants[known] = value
    return column_map, constants, warnings


def sending_time(value: datetime | str | None) -> datetime:
    """--send-at as an aware datetime: now by default; a time without offset is this machine's local time."""
    if value is None:
        return datetime.now(timezone.utc)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ConfigError(f"--send-at '{value}': give an ISO 8601 date-time such as "
                              "2025-07-04T10:00:00-04:00") from None
    return value if value.tzinfo is not None else value.astimezone()
