"""The engine-neutral core: a batch of recipient rows in, a batch of ledger rows out.

Every engine (Dask, Spark) calls the same per-row code as `templater render --recipients`
(templater.render.rows.RowProcessor: phone, suppression, market, consent gates, quiet hours,
sandboxed render, re-lint, encoding); only the output differs: ledger rows with typed columns
instead of JSON Lines or CSV text. Nothing here imports pandas, pyarrow, Dask or Spark; the
schema helpers that need them import them when called.

API (stable: the engines build on it)
-------------------------------------
LEDGER                                       the ledger's fixed columns, ((name, type), ...),
                                             type one of "int64" | "string"
ledger_fields(kept_types) -> [(name, type)]  LEDGER then the pass-through (--keep) columns
pandas_dtypes(fields) -> {name: dtype}       nullable pandas dtypes (Int64, string[pyarrow])
arrow_schema(fields) -> pyarrow.Schema
spark_ddl(fields) -> str                     "row_id long, status string, ..."

prepare(template, fmt, names, path, *, config_file=None, values=None, delimiter=None,
        join_suppression_at=None (JOIN_AT), ahead=None, **settings) -> Plan
    On the driver, once: lint the template under its policy (RenderBlocked as `render` raises),
    validate the settings (those of templater.api.render_batch: default_region, suppress, send_at,
    quiet_hours, reply_window, max_output, market, columns, phone_column, keep,
    allow_unknown_columns), map the input's column names `names` (CSV header, JSON Lines first
    row's keys, Parquet columns) and check every required variable has a column. send_at
    defaults to now, fixed here so that every worker uses the same instant. fmt: csv | jsonl |
    parquet. A suppression list of more than join_suppression_at numbers is left out of the
    Plan (Plan.suppressed holds it) for the engine to join; a smaller one travels in the Plan.
    ahead: JSON Lines, the first rows (inputs.Source.ahead) for the local run's pre-flight check.
open_and_prepare(template, recipients, *, partition_size=None, recipients_format=None,
        delimiter=None, config_file=None, values=None, warn=None, **settings) -> (Source, Plan)
    An engine's CLI run: inputs.open_source, then prepare from its columns; warn(text) for each
    of the Plan's warnings.

Plan                                         picklable; what a worker needs; .fields, .warnings,
                                             .suppressed (the numbers to join, or frozenset()),
                                             .text (row_id is a line number), .kept (names)
core_for(plan) -> Core                       one Core per process and plan (building takes ~0.4 s)
Core.from_records(records) -> Batch          CSV / JSON Lines records (render.recipients.Record:
                                             line, raw bytes, problem); row_id = record.line
Core.from_rows(row_ids, rows) -> Batch       rows already read, each a sequence of values in the
                                             order of Plan.names (Parquet); row_id = the given id
Batch                                        {column name: list}, one entry per input row, in order

settle(ledger_rows, suppressed, text) -> rows  the steps below on a ledger held in memory (dicts)
reconcile(input_rows, ledger_rows, distinct_ids)  ReconcileError unless they agree

The steps after the core, the same in every engine (see docs/scale.md):
  suppression joined: a row whose `phone` is on the list becomes SUPPRESSED (suppressed_fields())
  de-duplication: among rows with a phone, the lowest row_id keeps it; every other row becomes
      a duplicate (duplicate_fields(phone, first, text)), whatever it was before, as the local
      run decides (templater.render.batch._Sink)
  reconcile: the ledger has as many rows as the input, and distinct row_ids; else the run fails.
The order matters and is the local run's: the core's reasons, then suppression, then duplicates.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Sequence

from templater.errors import RenderError
from templater.render.recipients import Record

# The ledger: one row per input row. Pass-through (--keep) columns follow, under their header names.
LEDGER: tuple[tuple[str, str], ...] = (
    ("row_id", "int64"),        # CSV / JSON Lines: the row's line (the local run's `line`); Parquet: its
                                # 1-based position over the files in name order, or the input's row_id column
    ("status", "string"),       # rendered | rejected
    ("reason", "string"),       # a rejected row's reason (the local run's, and duplicate); null if rendered
    ("rule", "string"),         # lint-error: the rule the message broke
    ("detail", "string"),       # a rejected row's detail: what to fix
    ("duplicate_of", "int64"),  # duplicate: the row_id of the row that keeps the number
    ("phone", "string"),        # E.164, whenever the number could be read (rejected rows too)
    ("text", "string"),         # the message (rendered rows)
    ("encoding", "string"),     # GSM-7 | UCS-2
    ("segments", "int64"),
    ("characters", "int64"),
)
RENDERED, REJECTED = "rendered", "rejected"
SUPPRESSED_DETAIL = "the number is on the suppression list"
JOIN_AT = 50_000  # suppression lists longer than this are joined by the engine, not shipped in the Plan
_ARROW = {"int64": "int64", "string": "string"}
_SPARK = {"int64": "long", "string": "string"}


def ledger_fields(kept_types: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """The ledger's columns: LEDGER, then each (name, type) of the pass-through columns."""
    return [*LEDGER, *kept_types]


def pandas_dtypes(fields: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Nullable pandas dtypes of the fields: Int64 for int64, pyarrow-backed strings for string."""
    import pandas as pd

    kinds = {"int64": pd.Int64Dtype(), "string": pd.StringDtype("pyarrow")}
    return {name: kinds.get(kind, kind) for name, kind in fields}


def arrow_schema(fields: Sequence[tuple[str, str]]) -> Any:
    """The pyarrow schema of the fields (every column nullable)."""
    import pyarrow as pa

    return pa.schema([(name, pa.type_for_alias(_ARROW.get(kind, kind))) for name, kind in fields])


def spark_ddl(fields: Sequence[tuple[str, str]]) -> str:
    """The fields as a Spark DDL schema string (no pyspark import)."""
    return ", ".join(f"`{name}` {_SPARK.get(kind, kind)}" for name, kind in fields)


def suppressed_fields() -> dict[str, Any]:
    """The columns a row whose number is on a joined suppression list gets (its phone stays)."""
    return {"status": REJECTED, "reason": "suppressed", "rule": None, "detail": SUPPRESSED_DETAIL,
            "duplicate_of": None, "text": None, "encoding": None, "segments": None, "characters": None}


def duplicate_fields(phone: str, first: int, text: bool) -> dict[str, Any]:
    """The columns a row that repeats an earlier row's number gets. text: row ids are lines (the
    detail then reads as the local run's rejects file does)."""
    where = f"on line {first}" if text else f"(row_id {first})"
    return {"status": REJECTED, "reason": "duplicate", "rule": None, "detail": f"{phone} already had a row {where}",
            "duplicate_of": first, "text": None, "encoding": None, "segments": None, "characters": None}


def first_rows(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    """phone -> the lowest row_id having it, from (phone, row_id) pairs (one phone group's rows, or
    any subset: the minimum of minima is the minimum, so engines may combine partial results)."""
    first: dict[str, int] = {}
    for phone, row_id in pairs:
        if phone is not None and (phone not in first or row_id < first[phone]):
            first[phone] = row_id
    return first


def settle(ledger: list[dict], suppressed: frozenset = frozenset(), text: bool = True) -> list[dict]:
    """The steps after the core on a ledger held in memory (rows as dicts, in any order): the
    joined suppression list, then de-duplication by phone. The engines do the same with joins; this
    is the plain statement of it (and what the tests compare them with)."""
    out = [dict(row) for row in ledger]
    if suppressed:
        for row in out:
            if row["phone"] in suppressed:
                row.update(suppressed_fields())
    first = first_rows((row["phone"], row["row_id"]) for row in out)
    for row in out:
        winner = first.get(row["phone"]) if row["phone"] is not None else None
        if winner is not None and winner != row["row_id"]:
            row.update(duplicate_fields(row["phone"], winner, text))
    return out


class ReconcileError(RenderError):
    """The ledger does not account for every input row exactly once: the run failed."""


def reconcile(input_rows: int, ledger_rows: int, distinct_ids: int) -> None:
    """Fail (ReconcileError) unless the ledger has one row per input row and distinct row_ids."""
    if ledger_rows != input_rows:
        raise ReconcileError(f"the ledger has {ledger_rows:,} rows for {input_rows:,} input rows: rows were "
                             f"{'lost' if ledger_rows < input_rows else 'counted twice'}; the output is not usable")
    if distinct_ids != ledger_rows:
        raise ReconcileError(f"the ledger has {ledger_rows - distinct_ids:,} repeated row_id(s): give each input "
                             "row its own row_id; the output is not usable")


@dataclass(frozen=True)
class Plan:
    """What a worker needs to turn rows into ledger rows, validated on the driver; picklable."""

    spec: bytes                             # a pickled templater.render.rows.Spec (columns mapped)
    fmt: str                                # csv | jsonl | parquet
    names: tuple[str, ...] = ()             # Parquet: the input's columns, in order
    kept: tuple[str, ...] = ()              # pass-through column names, as the ledger has them
    warnings: tuple[str, ...] = ()
    suppressed: frozenset = field(default_factory=frozenset)  # numbers the engine must join
    key: str = ""                           # a digest of spec, naming the plan in each process's cache

    @property
    def text(self) -> bool:
        """Whether row_ids are line numbers (CSV, JSON Lines)."""
        return self.fmt != "parquet"

    def fields(self, kept_types: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """The ledger's columns; pass-through columns are strings unless kept_types says otherwise
        (a Parquet input's own types)."""
        return ledger_fields((name, (kept_types or {}).get(name, "string")) for name in self.kept)


def prepare(template: Any, fmt: str, names: Sequence[str], path: str, *, config_file: Any = None,
            values: dict | None = None, delimiter: str | None = None, join_suppression_at: int | None = None,
            ahead: Any = None, **settings: Any) -> Plan:
    """The Plan of a run (see the module docstring); InputError, ConfigError or RenderBlocked as
    `templater render --recipients` raises them, before any row is read."""
    from templater import api
    from templater.render import batch
    from templater.render.rows import RowProcessor

    if fmt not in ("csv", "jsonl", "parquet"):
        raise ValueError(f"fmt must be csv, jsonl or parquet, not {fmt!r}")
    admitted = api.admit(template, config_file)
    spec = batch.make_spec(admitted.template, admitted.policy.ruleset, recipients=path, values=values,
                           recipients_format="jsonl" if fmt == "jsonl" else "csv",
                           linter=admitted.policy.linter, admitted=admitted.result, **settings)
    spec.delimiter = delimiter or ","
    header_line = None if fmt == "jsonl" else 1
    warnings = [*spec.warnings, *batch._map_columns(spec, list(names), path, header_line)]
    processor = RowProcessor(spec)
    if fmt != "jsonl":
        batch._preflight(spec, processor, path, 1)
    elif ahead is not None:  # JSON Lines: the first rows' keys, as the local run checks them
        batch._preflight_jsonl(spec, processor, path, ahead)
    joined: frozenset = frozenset()
    limit = JOIN_AT if join_suppression_at is None else join_suppression_at  # read now: tests lower it
    if len(spec.suppressed) > limit:
        joined, spec.suppressed = spec.suppressed, frozenset()
    data = pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)
    return Plan(data, fmt, tuple(names) if fmt == "parquet" else (), tuple(name for name, _ in spec.keep),
                tuple(warnings), joined, hashlib.sha256(data).hexdigest())


def open_and_prepare(template: Any, recipients: str, *, partition_size: int | None = None,
                     recipients_format: str | None = None, delimiter: str | None = None, config_file: Any = None,
                     values: dict | None = None, warn: Callable[[str], None] | None = None,
                     **settings: Any) -> tuple[Any, Plan]:
    """An engine's CLI run, on the driver: open the recipients files in parts (inputs.Source),
    prepare the Plan from their columns, and pass each of its warnings to warn."""
    from templater.engines import inputs

    source = inputs.open_source(recipients, recipients_format, delimiter, partition_size or inputs.PART_BYTES)
    plan = prepare(template, source.fmt, source.names, source.paths[0], config_file=config_file,
                   values=values, delimiter=source.delimiter, ahead=source.ahead, **settings)
    for text in plan.warnings:
        if warn is not None:
            warn(text)
    return source, plan


class _LedgerFormat:
    """render.outputs.LineFormat's two methods, giving ledger tuples instead of text lines: the
    RowProcessor that calls them is the local run's, unchanged."""

    def __init__(self, keep: list[tuple[str, str]], text: bool) -> None:
        self.keep = keep
        self.text = text

    def _kept(self, row: dict | None) -> tuple:
        if not self.keep:
            return ()
        values = [None if row is None else row.get(key) for _, key in self.keep]
        if self.text:  # CSV cells are text; a JSON value that is not is kept as its JSON
            values = [v if v is None or isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in values]
        return tuple(values)

    def message(self, phone: str, text: str, encoding: str, segments: int, characters: int, line: int,
                row: dict | None = None) -> tuple:
        return (line, RENDERED, None, None, None, None, phone, text, encoding, segments, characters, *self._kept(row))

    def reject(self, line: int, reason: str, rule: str | None, detail: str, phone: str | None,
               row: dict | None, raw: str) -> tuple:
        return (line, REJECTED, reason, rule, detail, None, phone, None, None, None, None, *self._kept(row))


class Core:
    """The per-process state of a run for an engine: the local run's RowProcessor, ledger output."""

    def __init__(self, plan: Plan) -> None:
        from templater.render.rows import RowProcessor

        self.plan = plan
        spec = pickle.loads(plan.spec)
        self.spec = spec
        self.processor = RowProcessor(spec)
        self.processor.format = _LedgerFormat(spec.keep, plan.text)  # type: ignore[assignment]
        self.processor._message = self.processor.format.message
        self.columns = [name for name, _ in plan.fields()]
        self._keys = list(spec.header or ())  # Parquet: the row key of each input column

    def from_records(self, records: list[Record]) -> dict[str, list]:
        """Ledger rows for CSV / JSON Lines records (row_id: each record's line)."""
        with _no_gc():
            rows = self.processor.reader.read_all(records)
            return self._batch(self.processor.process_rows(records, rows))

    def from_rows(self, row_ids: Sequence[int], rows: Iterable[Sequence[Any]]) -> dict[str, list]:
        """Ledger rows for rows given as value sequences in the order of Plan.names (Parquet)."""
        keys = self._keys
        with _no_gc():
            records = [Record(int(row_id), b"") for row_id in row_ids]
            dicts = [dict(zip(keys, values)) for values in rows]
            return self._batch(self.processor.process_rows(records, dicts))

    def _batch(self, results: list) -> dict[str, list]:
        rows = [r[2] for r in results]
        if not rows:
            return {name: [] for name in self.columns}
        return dict(zip(self.columns, map(list, zip(*rows))))


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector off for one batch: a batch makes many objects that live until it
    ends, and a worker's heap (pandas, the scheduler's client) is large, so each collection would
    walk it again and again (about a tenth of a batch's time). Cycles made meanwhile go afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_CORES: dict[str, Core] = {}


def core_for(plan: Plan) -> Core:
    """The Core of a plan in this process, built on first use and kept (workers run many batches)."""
    core = _CORES.get(plan.key)
    if core is None:
        if len(_CORES) >= 4:
            _CORES.clear()
        core = _CORES[plan.key] = Core(plan)
    return core
