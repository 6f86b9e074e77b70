"""Bulk rendering on Spark (`templater[spark]`): the core in Python workers, then global steps in Spark SQL.

    render(df, template, **settings) -> DataFrame of ledger rows (the API; lazy)
    reconcile(ledger, input_rows) -> tally          counts the ledger; ReconcileError unless exact
    run_cli(...)                                    `templater render T --recipients ... --engine spark --out DIR/`

Each batch of rows goes through templater.engines.core (the local run's per-row code) in
`mapInArrow`, Spark's Python-worker map over Arrow batches (mapInPandas's sibling: the batch
reaches Python as Arrow, so an integer column with gaps stays integers and a timestamp stays a
datetime, as the local and Dask runs read them; pandas would turn 42 into 42.0). Then, over the
whole run, in Spark SQL: a large suppression list is joined on the phone; duplicates are found with
row_number() over a window partitioned by phone and ordered by row_id (never dropDuplicates,
which does not say which row it keeps): the first row keeps the number and every other row is
rejected `duplicate`, its duplicate_of naming the winner, as the local run decides.

Exactly once: the ledger is written to a partial folder, counted back (rows, distinct row_ids)
against the input's rows, counted apart from the render, and put in place only if they agree.
No accumulators (a retried task's updates can count twice). Rendering is pure, so a retried task
gives the same rows and Spark keeps one successful attempt per task.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pyarrow  # noqa: F401 - the spark extra's modules, imported here so that a missing extra is
import pyspark  # noqa: F401 - reported by templater.engines.run_engine with the pip command

from templater.engines import core, folder, inputs
from templater.engines.spark_session import session
from templater.errors import InputError, RenderError

SUB_BATCH = 10_000  # rows through the core at a time (bounds a task's memory; one Arrow batch each)


# In the Python workers ----------------------------------------------------------------------------

def _arrow(batch: dict[str, list], schema: Any) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_pydict(batch, schema=schema)


def _rows_mapper(plan: core.Plan, schema: Any) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """mapInArrow's function for a DataFrame of recipients: row_id and the plan's columns in."""
    names = list(plan.names)

    def render_rows(batches: Iterator[Any]) -> Iterator[Any]:
        worker = core.core_for(plan)
        for batch in batches:
            ids = batch.column("row_id").to_pylist()
            columns = [batch.column(name).to_pylist() for name in names]
            rows = list(zip(*columns)) if columns else [() for _ in ids]
            for i in range(0, len(ids), SUB_BATCH):
                yield _arrow(worker.from_rows(ids[i:i + SUB_BATCH], rows[i:i + SUB_BATCH]), schema)

    return render_rows


def _parts_mapper(plan: core.Plan, parts: list[inputs.Part], schema: Any) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """mapInArrow's function for files: part numbers in, each part read (as the local run reads
    it) and rendered."""
    def render_parts(batches: Iterator[Any]) -> Iterator[Any]:
        worker = core.core_for(plan)
        for batch in batches:
            for index in batch.column("id").to_pylist():
                part = parts[index]
                if part.fmt == "parquet":
                    ids, rows = inputs.read_rows(part, list(plan.names))
                    for i in range(0, len(ids), SUB_BATCH):
                        yield _arrow(worker.from_rows(ids[i:i + SUB_BATCH], rows[i:i + SUB_BATCH]), schema)
                else:
                    records = inputs.read_records(part)
                    for i in range(0, len(records), SUB_BATCH):
                        yield _arrow(worker.from_records(records[i:i + SUB_BATCH]), schema)

    return render_parts


def _count_mapper(parts: list[inputs.Part]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    def count_parts(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        for batch in batches:
            counts = [inputs.count_rows(parts[i]) for i in batch.column("id").to_pylist()]
            yield pa.RecordBatch.from_pydict({"rows": counts}, schema=pa.schema([("rows", pa.int64())]))

    return count_parts


# The ledger's schema ------------------------------------------------------------------------------

def _schemas(plan: core.Plan, kept_types: dict[str, Any]) -> tuple[Any, Any]:
    """The ledger as a Spark StructType and the Arrow schema the workers return it in. kept_types:
    each pass-through column's Spark type (others are strings)."""
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    kinds = {"int64": LongType(), "string": StringType()}
    struct = StructType([StructField(name, kept_types.get(name) or kinds[kind], True)
                         for name, kind in plan.fields()])
    return struct, to_arrow_schema(struct)


def _spark_kept(plan: core.Plan, schema: Any) -> dict[str, Any]:
    """The Spark types of the pass-through columns in a DataFrame's schema."""
    have = {f.name: f.dataType for f in schema.fields}
    return {name: have[name] for name in plan.kept if name in have}


# The global steps, in Spark SQL -------------------------------------------------------------------

def settle(ledger: Any, plan: core.Plan, suppressed: Any = None) -> Any:
    """The ledger after the joined suppression list (a DataFrame with a `phone` column, or None)
    and de-duplication by phone: core.settle, as joins and a window."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    columns = ledger.columns
    types = {f.name: f.dataType for f in ledger.schema.fields}

    def replaced(fields: dict[str, Any], when: Any, dynamic: dict[str, Any] | None = None) -> list:
        out = []
        for name in columns:
            if name in fields:
                value = (dynamic or {}).get(name, F.lit(fields[name]).cast(types[name]))
                out.append(F.when(when, value).otherwise(F.col(name)).alias(name))
            else:
                out.append(F.col(name))
        return out

    if suppressed is not None:
        stop = suppressed.select("phone").distinct().withColumn("_stop", F.lit(True))
        ledger = ledger.join(stop, "phone", "left").select(*replaced(core.suppressed_fields(),
                                                                     F.col("_stop").isNotNull()))
    numbered = ledger.where(F.col("phone").isNotNull())
    by_phone = Window.partitionBy("phone").orderBy("row_id")
    numbered = numbered.withColumn("_n", F.row_number().over(by_phone)) \
                       .withColumn("_first", F.first("row_id").over(by_phone))
    # core.duplicate_fields's detail, its phone and row_id filled in by Spark (one wording, core's)
    sample = core.duplicate_fields("\0", -1, plan.text)
    before, rest = str(sample["detail"]).split("\0")
    middle, after = rest.split("-1")
    detail = F.concat(F.lit(before), F.col("phone"), F.lit(middle), F.col("_first").cast("string"), F.lit(after))
    numbered = numbered.select(*replaced(sample, F.col("_n") > 1, {"detail": detail, "duplicate_of": F.col("_first")}))
    return numbered.unionByName(ledger.where(F.col("phone").isNull()))


def _suppression_frame(spark: Any, plan: core.Plan) -> Any:
    """The numbers to join (a list over core.JOIN_AT) as a DataFrame, through Arrow (not a Python
    set shipped to every task)."""
    if not plan.suppressed:
        return None
    import pyarrow as pa

    return spark.createDataFrame(pa.table({"phone": pa.array(sorted(plan.suppressed), pa.string())}))


def _worker_plan(plan: core.Plan) -> core.Plan:
    return dataclasses.replace(plan, suppressed=frozenset())  # joined, not carried by every task


# The API -----------------------------------------------------------------------------------------

def render(df: Any, template: Any, *, config_file: Any = None, values: dict | None = None,
           join_suppression_at: int | None = None, **settings: Any) -> Any:
    """The ledger (a Spark DataFrame, lazy: one row per input row) of a DataFrame of recipients.

    Its columns are mapped as a CSV header is; its `row_id` column (an integer, distinct, stable
    between runs: the sender's idempotency key is campaign_id + row_id) names each row. Settings
    as templater.api.render_batch's (values, default_region, suppress, send_at, quiet_hours, ...);
    send_at defaults to now, fixed once here. Count it with reconcile() before trusting it."""
    from pyspark.sql import functions as F

    if "row_id" not in df.columns:
        raise InputError("the DataFrame has no row_id column: give each recipient a distinct integer row_id "
                         "that stays the same between runs (a sender's idempotency key is campaign_id + row_id)",
                         "<DataFrame>")
    names = [c for c in df.columns if c != "row_id"]
    plan = core.prepare(template, "parquet", names, "<DataFrame>", config_file=config_file, values=values,
                        join_suppression_at=join_suppression_at, **settings)
    struct, arrow_schema = _schemas(plan, _spark_kept(plan, df.schema))
    rows = df.select(F.col("row_id").cast("long").alias("row_id"), *[F.col(f"`{n}`") for n in names])
    ledger = rows.mapInArrow(_rows_mapper(_worker_plan(plan), arrow_schema), struct)
    return settle(ledger, plan, _suppression_frame(df.sparkSession, plan))


def reconcile(ledger: Any, input_rows: int) -> dict:
    """Count the ledger (best read back from where it was written) and fail (core.ReconcileError)
    unless it holds input_rows rows with distinct row_ids. Returns the tally: rows, distinct,
    rendered, reasons, rules (lint-error rejects by rule)."""
    from pyspark.sql import functions as F

    counts = ledger.groupBy("status", "reason", "rule").count().collect()
    distinct = ledger.agg(F.countDistinct("row_id").alias("n")).collect()[0]["n"]
    rows = sum(r["count"] for r in counts)
    tally: dict[str, Any] = {"rows": rows, "distinct": distinct, "rendered": 0, "reasons": {}, "rules": {}}
    for r in counts:
        if r["status"] == core.RENDERED:
            tally["rendered"] += r["count"]
        else:
            tally["reasons"][r["reason"]] = tally["reasons"].get(r["reason"], 0) + r["count"]
            if r["reason"] == "lint-error" and r["rule"]:
                tally["rules"][r["rule"]] = tally["rules"].get(r["rule"], 0) + r["count"]
    core.reconcile(input_rows, rows, distinct)
    return tally


# Files (the CLI) ---------------------------------------------------------------------------------

def source_ledger(spark: Any, source: inputs.Source, plan: core.Plan) -> Any:
    """The core's ledger of a file source (before the global steps): one task per part, each part
    read in the worker as the local run reads it (every executor must see the files)."""
    kept: dict[str, Any] = {}
    if source.fmt == "parquet":
        import pyarrow.parquet as pq
        from pyspark.sql.pandas.types import from_arrow_type

        schema = pq.ParquetFile(source.paths[0]).schema_arrow
        kept = {name: from_arrow_type(schema.field(name).type) for name in plan.kept if name in schema.names}
    struct, arrow_schema = _schemas(plan, kept)
    ids = spark.range(0, len(source.parts), 1, max(1, len(source.parts)))
    return ids.mapInArrow(_parts_mapper(_worker_plan(plan), source.parts, arrow_schema), struct)


def count_input(spark: Any, parts: list[inputs.Part]) -> int:
    """The input's rows, counted in tasks apart from the render (inputs.count_rows), for reconcile."""
    if not parts:
        return 0
    ids = spark.range(0, len(parts), 1, len(parts))
    return int(ids.mapInArrow(_count_mapper(parts), "rows long").groupBy().sum("rows").collect()[0][0] or 0)


def write(ledger: Any, out: str, input_rows: int, extra: dict | None = None) -> dict:
    """Write the ledger as Parquet files in the folder `out` (each file's rows in row_id order),
    reconcile what was written against input_rows, and only then put it in place (a previous
    ledger there is replaced; a folder holding anything else is refused). Returns the tally."""
    with folder.staged(out, "Spark") as partial:
        ledger.sortWithinPartitions("row_id").write.mode("error").parquet(partial)
        written = ledger.sparkSession.read.parquet(partial)
        tally = reconcile(written, input_rows)
        for name in os.listdir(partial):  # Spark's _SUCCESS and checksum files: the marker says it all
            if not name.endswith(".parquet"):
                os.remove(os.path.join(partial, name))
        fields = [[f.name, f.dataType.simpleString()] for f in written.schema.fields]
        folder.mark(partial, {"ledger": fields, "input": input_rows, **tally, **(extra or {})})
    return tally


@contextlib.contextmanager
def _spark_failures() -> Iterator[None]:
    """A Spark job that failed (a task failed on every attempt, an executor was lost) as one line."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JError) as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
        why = lines[-1] if "Traceback" in str(exc) else lines[0]  # a Python worker's error is its last line
        raise RenderError(f"the Spark job failed ({why[:300]}): nothing was written; see Spark's log, "
                          "fix the cause and run again") from exc


def _part_bytes(source_paths: Iterable[str], parallelism: int) -> int:
    """Input bytes per task when --partition-size is not given: inputs.PART_BYTES, but small
    enough that every core gets a couple of tasks (at least 1 MiB each)."""
    total = sum(os.path.getsize(p) for p in source_paths)
    return max(1 << 20, min(inputs.PART_BYTES, total // max(1, 2 * parallelism)))


def run_cli(template: str, recipients: str, out: str, *, scheduler: str | None = None, jobs: int | None = None,
            partition_size: int | None = None, recipients_format: str | None = None, delimiter: str | None = None,
            config_file: Any = None, values: dict | None = None, warn: Callable[[str], None] | None = None,
            timings: dict | None = None, **settings: Any):
    """`templater render --engine spark`: read the files in parts, render, settle, write, reconcile;
    returns the local run's Summary (counts by reason). scheduler: the Spark master (default
    local[*] with task retries; local[N] with --jobs N). timings, if given, gets start-up and run
    seconds."""
    started = time.perf_counter()
    master = scheduler or (f"local[{jobs},4]" if jobs else None)
    if partition_size is None and (master is None or master.startswith("local")):
        partition_size = _part_bytes(inputs.paths_of(recipients), jobs or os.cpu_count() or 1)
    source, plan = core.open_and_prepare(template, recipients, partition_size=partition_size,
                                         recipients_format=recipients_format, delimiter=delimiter,
                                         config_file=config_file, values=values, warn=warn, **settings)
    from pyspark.sql import SparkSession

    owned = SparkSession.getActiveSession() is None  # a session of our own is stopped at the end
    events = tempfile.mkdtemp(prefix="templater-spark-events-") if timings is not None and owned else None
    spark = session(master, conf={"spark.eventLog.enabled": "true", "spark.eventLog.dir": events, "spark.eventLog.rolling.enabled": "false",
                                   "spark.eventLog.compress": "false"} if events else None)
    source.parts = [p for p in source.parts if p.rows != 0]
    ready = time.perf_counter()
    if timings is not None:
        timings["startup"], timings["partitions"] = ready - started, len(source.parts)
    try:
        with _spark_failures():
            input_rows = count_input(spark, source.parts)
            if source.parts:
                ledger = settle(source_ledger(spark, source, plan), plan, _suppression_frame(spark, plan))
            else:
                ledger = spark.createDataFrame([], _schemas(plan, {})[0])
            tally = write(ledger, out, input_rows, {"engine": "spark", "master": spark.sparkContext.master,
                                                   "recipients": source.paths})
        if timings is not None:
            timings["run"] = time.perf_counter() - ready
    finally:
        if owned:
            spark.stop()
        if events:
            if timings is not None:
                timings["tasks"] = task_seconds(events)
            shutil.rmtree(events, ignore_errors=True)
    return folder.summary(out, list(plan.warnings), input_rows, tally)


def task_seconds(event_dir: str) -> dict[str, float]:
    """Seconds the executors spent in tasks, by kind: the renders (tasks of a stage that runs
    MapInArrow, which also read their input part) and the rest (counting, the duplicate window,
    writing), from the Spark event log that a run with timings writes (SparkListenerTaskEnd's
    "Executor Run Time"). A benchmark's measure, like the Dask engine's task stream."""
    render_stages: set[tuple[int, int]] = set()
    run_ms: dict[tuple[int, int], float] = {}
    for path in Path(event_dir).iterdir():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                event = json.loads(line)
                kind = event.get("Event")
                if kind == "SparkListenerStageSubmitted":
                    info = event["Stage Info"]
                    scopes = " ".join(rdd.get("Scope", "") + rdd.get("Name", "") for rdd in info.get("RDD Info", ()))
                    if "MapInArrow" in scopes:
                        render_stages.add((info["Stage ID"], info["Stage Attempt ID"]))
                elif kind == "SparkListenerTaskEnd":
                    key = (event["Stage ID"], event["Stage Attempt ID"])
                    run_ms[key] = run_ms.get(key, 0.0) + (event.get("Task Metrics") or {}).get("Executor Run Time", 0)
    seconds = {"render": 0.0, "other": 0.0}
    for key, ms in run_ms.items():
        seconds["render" if key in render_stages else "other"] += ms / 1000
    return seconds
