"""Bulk rendering on Dask (`templater[dask]`): the core on each partition, then global steps.

    render(ddf, template, **settings) -> ddf of ledger rows (the API)
    run_cli(...)                         `templater render T --recipients ... --engine dask --out DIR/`

Each partition goes through templater.engines.core (the local run's per-row code). Then, over
the whole run: a large suppression list is joined on the phone; duplicates are found by a
groupby on the phone (shuffled, split over partitions), the lowest row_id keeping the number;
the few rows they change are moved to the ledger's partitions by row_id and applied there, so
the ledger itself is never shuffled. write() puts the ledger in a folder of Parquet files only
once reconcile() has checked it holds every input row once.

Rendering is pure: a task that is retried (a worker died) gives the same rows again, and Dask
keeps one result per task, so the ledger of a run with a lost worker is the ledger of a clean run.
"""
from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from typing import Any, Callable, Sequence

import dask
import dask.dataframe as dd
import pandas as pd

from templater.engines import core, folder, inputs
from templater.errors import InputError

SUB_BATCH = 20_000  # records through the core at a time within a partition (bounds a task's memory)


def _frame(batch: dict[str, list], dtypes: dict[str, Any]) -> pd.DataFrame:
    """A ledger batch as a DataFrame indexed by row_id, with the ledger's dtypes."""
    frame = pd.DataFrame(batch, columns=list(dtypes)).astype(dtypes)
    frame.index = pd.Index(frame.pop("row_id").astype("int64"), name="row_id")
    return frame


def _meta(plan: core.Plan, kept_types: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    dtypes = core.pandas_dtypes(plan.fields(kept_types))
    return _frame({name: [] for name in dtypes}, dtypes), dtypes


def _text_part(part: inputs.Part, plan: core.Plan, dtypes: dict[str, Any]) -> pd.DataFrame:
    records = inputs.read_records(part)
    worker = core.core_for(plan)
    frames = [_frame(worker.from_records(records[i:i + SUB_BATCH]), dtypes)
              for i in range(0, len(records), SUB_BATCH)]
    return pd.concat(frames) if frames else _frame({n: [] for n in dtypes}, dtypes)


def _parquet_part(part: inputs.Part, plan: core.Plan, dtypes: dict[str, Any]) -> pd.DataFrame:
    ids, rows = inputs.read_rows(part, list(plan.names))
    return _rows_frame(ids, rows, plan, dtypes)


def _rows_frame(ids: Sequence[int], rows: Sequence[Sequence[Any]], plan: core.Plan,
                dtypes: dict[str, Any]) -> pd.DataFrame:
    worker = core.core_for(plan)
    frames = [_frame(worker.from_rows(ids[i:i + SUB_BATCH], rows[i:i + SUB_BATCH]), dtypes)
              for i in range(0, len(ids), SUB_BATCH)]
    return pd.concat(frames) if frames else _frame({n: [] for n in dtypes}, dtypes)


def _pandas_part(frame: pd.DataFrame, first: int | None, plan: core.Plan, dtypes: dict[str, Any]) -> pd.DataFrame:
    """A partition of a user's DataFrame: row_ids from its row_id column, or positions from first."""
    ids = frame["row_id"].tolist() if first is None else list(range(first, first + len(frame)))
    values = frame[list(plan.names)].astype(object).where(frame[list(plan.names)].notna(), None)
    return _rows_frame(ids, list(values.itertuples(index=False, name=None)), plan, dtypes)


# The global steps -----------------------------------------------------------------------------

def settle(ledger: dd.DataFrame, plan: core.Plan, suppressed: dd.DataFrame | None = None) -> dd.DataFrame:
    """The ledger after the joined suppression list and de-duplication by phone (core.settle, with
    joins): rows indexed by row_id, divisions known, in; rows with row_id as a column, out."""
    keys = ledger[["phone"]].dropna().reset_index()  # (row_id, phone) of the rows with a number
    splits = max(1, ledger.npartitions)
    first = keys.groupby("phone").row_id.min(split_out=splits).rename("first").reset_index()
    dups = keys.merge(first, on="phone", how="inner", npartitions=splits)
    dups = dups[dups["row_id"] != dups["first"]].assign(suppressed=False)
    fixes = dups
    if suppressed is not None:
        hits = keys.merge(suppressed, on="phone", how="inner", npartitions=splits)
        fixes = dd.concat([dups, hits.assign(first=pd.NA, suppressed=True).astype({"first": "Int64"})])
    fixes = fixes.astype({"first": "Int64"}).set_index("row_id", divisions=ledger.divisions)
    return ledger.map_partitions(_apply, fixes, plan.text, meta=ledger._meta.reset_index(), align_dataframes=False)


def _apply(part: pd.DataFrame, fixes: pd.DataFrame, text: bool) -> pd.DataFrame:
    """One partition's rows with their fixes: suppressed first, then duplicate (the local order)."""
    part = part.copy()
    if len(fixes):
        sup = fixes.index[fixes["suppressed"].astype(bool)]
        if len(sup):
            where = part.index.isin(sup)
            for name, value in core.suppressed_fields().items():
                part.loc[where, name] = value
        dup = fixes[fixes["first"].notna()]
        if len(dup):
            changes = [core.duplicate_fields(phone, int(first), text)
                       for phone, first in zip(dup["phone"], dup["first"])]
            for name in changes[0]:
                part.loc[dup.index, name] = [c[name] for c in changes]
    return part.reset_index()


# The API ---------------------------------------------------------------------------------------

def render(ddf: dd.DataFrame, template: Any, *, config_file: Any = None, values: dict | None = None,
           join_suppression_at: int | None = None, **settings: Any) -> dd.DataFrame:
    """The ledger (a Dask DataFrame, one row per input row, row_id a column) of a DataFrame of
    recipients: its columns are mapped as a CSV header is; a row_id column gives each row's id,
    else rows are numbered 1.. in partition order. Settings as templater.api.render_batch's."""
    names = [c for c in ddf.columns if c != "row_id"]
    plan = core.prepare(template, "parquet", names, "<dataframe>", config_file=config_file, values=values,
                        join_suppression_at=join_suppression_at, **settings)
    kept = {name: _kind(ddf[name].dtype) for name in plan.kept if name in ddf.columns}
    meta, dtypes = _meta(plan, kept)
    worker_plan = dataclasses.replace(plan, suppressed=frozenset())
    delayed = ddf.to_delayed()
    if "row_id" in ddf.columns:
        ledger = dd.from_delayed([dask.delayed(_pandas_part)(p, None, worker_plan, dtypes) for p in delayed],
                                 meta=meta, verify_meta=False)
        ledger = ledger.reset_index().set_index("row_id")
    else:
        lengths = ddf.map_partitions(len).compute()
        starts = [1 + sum(lengths[:i]) for i in range(len(lengths))]
        divisions = (*starts, max(starts[-1] + lengths.iloc[-1] - 1, starts[-1]))
        ledger = dd.from_delayed([dask.delayed(_pandas_part)(p, s, worker_plan, dtypes)
                                  for p, s in zip(delayed, starts)], meta=meta, divisions=divisions,
                                 verify_meta=False)
    return settle(ledger, plan, _suppression_frame(plan))


def _kind(dtype: Any) -> str:
    """A pass-through column's ledger type from its pandas dtype."""
    kind = getattr(dtype, "kind", "O")
    return "int64" if kind in "iu" else "double" if kind == "f" else "bool" if kind == "b" else "string"


def _suppression_frame(plan: core.Plan) -> dd.DataFrame | None:
    """The numbers to join (a list over core.JOIN_AT), as a Dask DataFrame of one column."""
    if not plan.suppressed:
        return None
    numbers = pd.DataFrame({"phone": pd.Series(sorted(plan.suppressed), dtype=pd.StringDtype("pyarrow"))})
    return dd.from_pandas(numbers, npartitions=max(1, len(numbers) // 500_000))


def source_ledger(source: inputs.Source, plan: core.Plan) -> dd.DataFrame:
    """The core's ledger of a file source (before the global steps), one partition per part."""
    kept = {}
    if source.fmt == "parquet":
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(source.paths[0]).schema_arrow
        kept = {name: _arrow_kind(schema.field(key).type) for name, key in zip(plan.kept, plan.kept)
                if key in schema.names}
    meta, dtypes = _meta(plan, kept)
    worker_plan = dataclasses.replace(plan, suppressed=frozenset())
    read = _parquet_part if source.fmt == "parquet" else _text_part
    divisions = source.divisions
    ledger = dd.from_map(read, source.parts, args=(worker_plan, dtypes), meta=meta, divisions=divisions,
                         label="templater-render", enforce_metadata=False)
    if divisions is None:
        ledger = ledger.reset_index().set_index("row_id")
    return ledger


def _arrow_kind(kind: Any) -> str:
    import pyarrow as pa

    if pa.types.is_integer(kind):
        return "int64"
    if pa.types.is_floating(kind):
        return "double"
    if pa.types.is_boolean(kind):
        return "bool"
    return "string"


# Writing and reconciling -------------------------------------------------------------------------

def write(ledger: dd.DataFrame, out: str, plan: core.Plan, input_rows: int, extra: dict | None = None) -> dict:
    """Write the ledger as Parquet files in the folder `out`, reconcile it against input_rows, and
    only then put it in place (a previous ledger there is replaced; any other folder content is
    refused). Returns the tally: rows, rendered, reasons, rules."""
    kept_types = {name: str(ledger._meta[name].dtype) for name in plan.kept}
    fields = [(name, kind) for name, kind in plan.fields()]
    fields = [(name, _pandas_kind(kept_types[name]) if name in kept_types else kind) for name, kind in fields]
    with folder.staged(out, "Dask") as partial:
        ledger.to_parquet(partial, write_index=False, schema=core.arrow_schema(fields), write_metadata_file=False,
                          name_function=lambda i: f"part-{i:05d}.parquet")
        tally = _tally_folder(partial)
        core.reconcile(input_rows, tally["rows"], tally["distinct"])
        folder.mark(partial, {"ledger": [list(f) for f in fields], "input": input_rows, **tally, **(extra or {})})
    return tally


def _pandas_kind(dtype: str) -> str:
    return "int64" if dtype.lower().startswith("int") else "double" if dtype.startswith("float") else \
        "bool" if dtype.startswith("bool") else "string"


def _tally_file(path: str) -> dict:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["row_id", "status", "reason", "rule"])
    ids = table.column("row_id").to_numpy()
    reasons = Counter(r for r in table.column("reason").to_pylist() if r is not None)
    rules = Counter(r for r, why in zip(table.column("rule").to_pylist(), table.column("reason").to_pylist())
                    if r and why == "lint-error")
    increasing = bool(len(ids) < 2 or (ids[1:] > ids[:-1]).all())
    return {"path": path, "rows": int(len(ids)), "min": int(ids.min()) if len(ids) else None,
            "max": int(ids.max()) if len(ids) else None, "increasing": increasing,
            "rendered": int(table.column("status").to_pylist().count(core.RENDERED)),
            "reasons": reasons, "rules": rules}


def _tally_folder(folder: str) -> dict:
    """Counts of the written ledger, read back in tasks: rows, distinct row_ids, by status and reason."""
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".parquet"))
    parts = dask.compute(*[dask.delayed(_tally_file)(f) for f in files])
    rows = sum(p["rows"] for p in parts)
    held = sorted((p for p in parts if p["rows"]), key=lambda p: p["min"])
    ordered = all(p["increasing"] for p in held) and all(a["max"] < b["min"] for a, b in zip(held, held[1:]))
    if ordered:
        distinct = rows
    else:  # only to say how many repeat: the run fails either way
        import pyarrow.parquet as pq

        distinct = len({i for f in files for i in pq.read_table(f, columns=["row_id"]).column("row_id").to_pylist()})
    reasons: Counter = Counter()
    rules: Counter = Counter()
    for p in parts:
        reasons.update(p["reasons"])
        rules.update(p["rules"])
    return {"rows": rows, "distinct": distinct, "rendered": sum(p["rendered"] for p in parts),
            "reasons": dict(reasons), "rules": dict(rules)}


# The CLI's engine --------------------------------------------------------------------------------

def client_for(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    """A Client on the scheduler at ADDRESS, or on a LocalCluster of `workers` processes (one
    thread each: rendering holds the GIL); returns (client, cluster or None)."""
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler ({exc}): start it, or check the address",
                             scheduler) from None
    from templater.pool import default_jobs

    cluster = LocalCluster(n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _task_stream(client: Any, timings: dict | None) -> Any:
    """The scheduler's record of the tasks run in the block, when timings are wanted."""
    import contextlib

    from distributed import get_task_stream

    return get_task_stream(client) if timings is not None else contextlib.nullcontext()


def _task_seconds(stream: Any) -> dict[str, float]:
    """Seconds of computing by kind of task: the renders (templater-render) and the rest."""
    seconds: Counter = Counter()
    for task in stream.data:
        kind = "render" if "templater-render" in str(task.get("key")) else "other"
        seconds[kind] += sum(s["stop"] - s["start"] for s in task.get("startstops", ()) if s["action"] == "compute")
    return dict(seconds)


def _maxrss_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_cli(template: str, recipients: str, out: str, *, scheduler: str | None = None, jobs: int | None = None,
            partition_size: int | None = None, recipients_format: str | None = None, delimiter: str | None = None,
            config_file: Any = None, values: dict | None = None, warn: Callable[[str], None] | None = None,
            timings: dict | None = None, **settings: Any):
    """`templater render --engine dask`: read the files in parts, render, settle, write, reconcile;
    returns the local run's Summary (counts by reason). timings, if given, gets start-up and run seconds."""
    started = time.perf_counter()
    source, plan = core.open_and_prepare(template, recipients, partition_size=partition_size,
                                         recipients_format=recipients_format, delimiter=delimiter,
                                         config_file=config_file, values=values, warn=warn, **settings)
    client, cluster = client_for(scheduler, jobs)
    try:
        ready = time.perf_counter()
        if timings is not None:
            timings["startup"] = ready - started
        with _task_stream(client, timings) as stream:
            input_rows = sum(dask.compute(*[dask.delayed(inputs.count_rows)(p) for p in source.parts]))
            if source.parts:
                ledger = settle(source_ledger(source, plan), plan, _suppression_frame(plan))
            else:
                meta, _ = _meta(plan)
                ledger = dd.from_pandas(meta.reset_index(), npartitions=1)
            tally = write(ledger, out, plan, input_rows, {"engine": "dask", "recipients": source.paths})
        if timings is not None:
            timings["run"] = time.perf_counter() - ready
            timings["partitions"] = len(source.parts)
            timings["tasks"] = _task_seconds(stream)
            timings["worker_maxrss_kb"] = sorted(client.run(_maxrss_kb).values())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return folder.summary(out, list(plan.warnings), input_rows, tally)
