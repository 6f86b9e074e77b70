"""templater render --engine spark: the same ledger as the local run, row for row, and the same summary;
a task that fails once (and is tried again) changes nothing.

One SparkSession (local[2], each task tried up to 4 times) serves the whole module. The tests that
run Spark are skipped only where there is no Java: pyspark comes with the test extra and .ci/run
installs Java."""
from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from conftest import run_cli
from engines_data import (SEND_AT, TEMPLATE, VARS, assert_keeps_a_folder_that_is_not_a_ledger,
                          assert_same_decisions, generate, local_ledger, summary_of)

ROWS = int(os.environ.get("TEMPLATER_ENGINE_ROWS", "20000"))
COMMON = ["--send-at", SEND_AT, "--keep", "customer_id", *VARS]
VALUES = dict(pair.split("=", 1) for pair in VARS[1::2])


@pytest.fixture(scope="module")
def spark():
    """The module's SparkSession: the CLI runs below find it active and use it."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (Debian: openjdk-17-jre-headless); .ci/run installs it")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from templater.engines.spark_session import session

    active = session("local[2,4]")
    yield active
    active.stop()


def ledger_rows(folder) -> list[dict]:
    """A ledger folder's rows, by row_id, as plain Python values."""
    import pyarrow.parquet as pq

    return sorted(pq.read_table(str(folder)).to_pylist(), key=lambda row: row["row_id"])


@pytest.fixture(scope="module")
def runs(spark, tmp_path_factory):
    """One recipients file, rendered locally (--jobs 2) and on Spark (local[2], several tasks)."""
    folder = tmp_path_factory.mktemp("spark")
    recipients, stop = generate(folder, ROWS)
    local = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--out", str(folder / "out.jsonl"),
                    "--jobs", "2", "--suppress", str(stop), *COMMON)
    assert local.exit_code == 0, local.output
    on_spark = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "spark",
                       "--out", str(folder / "ledger"), "--partition-size", "256K", "--suppress", str(stop), *COMMON)
    assert on_spark.exit_code == 0, on_spark.output
    return folder, recipients, stop, local, on_spark


def test_spark_ledger_is_the_local_run_row_for_row(runs):
    folder, *_ = runs
    expected = local_ledger(folder / "out.jsonl", folder / "out.rejects.jsonl", ("customer_id",))
    got = ledger_rows(folder / "ledger")
    assert len(got) == ROWS and len(list((folder / "ledger").glob("*.parquet"))) > 1
    assert got == expected
    reasons = {row["reason"] for row in got}
    assert {"duplicate", "suppressed", "quiet-hours", "no-consent", "opted-out", "malformed-row"} <= reasons


def test_spark_prints_the_local_summary(runs):
    *_, local, on_spark = runs
    assert summary_of(on_spark.stdout) == summary_of(local.stdout)
    assert "duplicate" in on_spark.stdout and "suppressed" in on_spark.stdout


@pytest.mark.slow
@pytest.mark.skipif(ROWS >= 200_000, reason="the module's file already has 200,000 rows")
def test_200000_rows_local_and_spark_agree(spark, tmp_path):
    """The issue's size: a 200,000-row file, the same ledger and summary locally and on Spark."""
    recipients, stop = generate(tmp_path, 200_000)
    local = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--out", str(tmp_path / "out.jsonl"),
                    "--jobs", "2", "--suppress", str(stop), *COMMON)
    on_spark = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "spark",
                       "--out", str(tmp_path / "ledger"), "--suppress", str(stop), *COMMON)
    assert local.exit_code == on_spark.exit_code == 0, local.output + on_spark.output
    assert summary_of(on_spark.stdout) == summary_of(local.stdout)
    expected = local_ledger(tmp_path / "out.jsonl", tmp_path / "out.rejects.jsonl", ("customer_id",))
    assert ledger_rows(tmp_path / "ledger") == expected


def test_the_ledger_folder_says_what_it_holds(runs):
    folder, *_ = runs
    facts = json.loads((folder / "ledger" / "_templater_ledger.json").read_text("utf-8"))
    assert facts["input"] == facts["rows"] == facts["distinct"] == ROWS
    assert facts["engine"] == "spark"
    assert [name for name, _ in facts["ledger"]][:3] == ["row_id", "status", "reason"]
    assert sorted(os.listdir(folder / "ledger"))[0] == "_templater_ledger.json"  # no Spark leftovers
    assert all(n.endswith(".parquet") for n in os.listdir(folder / "ledger") if not n.startswith("_"))


def _fail_first_attempt(after_rows: int, marker: str):
    """A mapInArrow function that passes rows through, except in the first attempt of the first
    task, which raises once it has passed after_rows rows on (as an executor lost mid-task: the
    batch in hand was already rendered), and leaves the file `marker` to say it did."""
    def fail_once(batches):
        from pyspark import TaskContext

        context = TaskContext.get()
        passed = 0
        for batch in batches:
            if context.partitionId() == 0 and context.attemptNumber() == 0 and passed >= after_rows:
                open(marker, "w").close()
                raise RuntimeError("injected fault: the first attempt of task 0 dies mid-run")
            passed += batch.num_rows
            yield batch
    return fail_once


def test_a_task_that_fails_once_leaves_the_same_ledger(runs, spark, tmp_path):
    """The first attempt of a rendering task dies once it has rendered its first batch, and so does
    the first attempt of a task after the shuffle; Spark runs them again. With the
    suppression list joined (not carried in the plan), the ledger is the clean run's, every row once."""
    from templater.engines import core, inputs
    from templater.engines import spark as engine

    folder, recipients, stop, *_ = runs
    source = inputs.open_source(str(recipients), part_bytes=256 << 10)
    plan = core.prepare(TEMPLATE, source.fmt, source.names, str(recipients), values=VALUES, send_at=SEND_AT,
                        keep=("customer_id",), suppress=str(stop), delimiter=source.delimiter,
                        join_suppression_at=0)
    assert plan.suppressed  # joined by Spark, not carried by each task
    first, second = tmp_path / "render-task-failed", tmp_path / "settled-task-failed"
    rendered = engine.source_ledger(spark, source, plan)
    rendered = rendered.mapInArrow(_fail_first_attempt(0, str(first)), rendered.schema)
    settled = engine.settle(rendered, plan, engine._suppression_frame(spark, plan))
    settled = settled.mapInArrow(_fail_first_attempt(0, str(second)), settled.schema)
    tally = engine.write(settled, str(tmp_path / "after-fault"), engine.count_input(spark, source.parts))
    assert first.exists() and second.exists(), "a fault was not injected: the test proves nothing"
    assert tally["rows"] == tally["distinct"] == ROWS
    assert ledger_rows(tmp_path / "after-fault") == ledger_rows(folder / "ledger")


def test_reconcile_fails_a_ledger_that_loses_or_repeats_rows(runs, spark):
    from pyspark.sql import functions as F

    from templater.engines import core
    from templater.engines import spark as engine

    folder, *_ = runs
    written = spark.read.parquet(str(folder / "ledger"))
    assert engine.reconcile(written, ROWS)["rows"] == ROWS
    with pytest.raises(core.ReconcileError, match="lost"):
        engine.reconcile(written.where("row_id % 1000 != 7"), ROWS)
    with pytest.raises(core.ReconcileError, match="repeated row_id"):
        engine.reconcile(written.withColumn("row_id", F.when(F.col("row_id") == 5, 6).otherwise(F.col("row_id"))), ROWS)


def test_the_api_renders_a_dataframe_with_row_ids(runs, spark):
    """templater.engines.spark.render on a DataFrame (a warehouse table's rows, here the CSV's first
    rows as strings, row_id their line): the local run's decisions; a duplicate names its winner's
    row_id."""
    import csv

    from templater.engines import spark as engine

    folder, recipients, stop, *_ = runs
    with recipients.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [(reader.line_num, *row) for row in reader if len(row) == len(header)][:3000]
    df = spark.createDataFrame(rows, ", ".join(["row_id long", *[f"{name} string" for name in header]]))
    got = engine.render(df, TEMPLATE, values=VALUES, send_at=SEND_AT, keep=("customer_id",), suppress=str(stop))
    got = sorted((row.asDict() for row in got.collect()), key=lambda row: row["row_id"])
    local = {row["row_id"]: row for row in ledger_rows(folder / "ledger")}
    assert len(got) == len(rows)
    for row in got:
        same = dict(local[row["row_id"]])
        if same["reason"] == "duplicate":  # a DataFrame's row_ids are not lines
            same["detail"] = same["detail"].replace(f"on line {same['duplicate_of']}", f"(row_id {same['duplicate_of']})")
        assert row == same
    assert {"duplicate", "suppressed", "quiet-hours"} <= {row["reason"] for row in got}


def test_parquet_files_in_a_folder(runs, tmp_path):
    """Parquet input (several files, a glob): row_ids are positions over the files in name order, the
    pass-through column keeps its Parquet type, and the decisions are those of the CSV run."""
    import pyarrow as pa
    import pyarrow.csv
    import pyarrow.parquet as pq

    from engines_data import HEADER

    folder, recipients, stop, *_ = runs
    table = pyarrow.csv.read_csv(recipients, convert_options=pyarrow.csv.ConvertOptions(
        column_types={name: pa.string() for name in HEADER}, strings_can_be_null=False),
        parse_options=pyarrow.csv.ParseOptions(invalid_row_handler=lambda row: "skip"))
    table = table.set_column(0, "customer_id", pa.array([int(c[1:]) for c in table.column(0).to_pylist()]))
    data = tmp_path / "data"
    data.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 7000)):
        pq.write_table(table.slice(start, 7000), data / f"part-{i}.parquet", row_group_size=3000)
    result = run_cli("render", TEMPLATE, "--recipients", str(data / "*.parquet"), "--engine", "spark",
                     "--out", str(tmp_path / "ledger"), "--suppress", str(stop), *COMMON)
    assert result.exit_code == 0, result.output
    got = ledger_rows(tmp_path / "ledger")
    assert [row["row_id"] for row in got] == list(range(1, table.num_rows + 1))
    assert isinstance(got[0]["customer_id"], int)
    by_customer = {int(row["customer_id"][1:]): row for row in ledger_rows(folder / "ledger")
                   if row["reason"] != "malformed-row"}  # the rows Arrow's reader skipped
    assert_same_decisions(got, by_customer)


def test_engine_errors_are_one_line(runs, tmp_path):
    folder, recipients, *_ = runs
    assert_keeps_a_folder_that_is_not_a_ledger("spark", recipients, tmp_path, *COMMON)


def test_engine_spark_without_the_extra_says_how_to_install_it(monkeypatch, tmp_path):
    recipients, _ = generate(tmp_path, 5)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if pyspark were not installed
    monkeypatch.delitem(sys.modules, "templater.engines.spark", raising=False)
    result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "spark",
                     "--out", str(tmp_path / "ledger"), *COMMON)
    assert result.exit_code == 2
    assert "pip install 'templater[spark]'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "ledger").exists()


@pytest.mark.slow
def test_scale_benchmark_extrapolates_spark_from_its_task_seconds(spark, tmp_path):
    """benchmarks/scale.py reads the Spark run's task seconds from its event log (a run of its own,
    in a child process) and extrapolates to N workers from them, as it does for Dask."""
    import re
    import subprocess
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"
    done = subprocess.run([sys.executable, str(bench), "--rows", "3000", "--engines", "spark", "--data", str(tmp_path)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"})
    assert done.returncode == 0, done.stderr[-2000:]
    part = re.search(r"per partition: ([\d.]+) s of render tasks \(([\d,]+) rows\), other tasks ([\d.]+) s", done.stdout)
    assert part, done.stdout
    assert float(part[1]) > 0 and float(part[3]) > 0  # both kinds of task were found in the event log
    assert part[2] == "3,000"  # one part: the file is smaller than the smallest part
    rates = [int(r.replace(",", "")) for r in re.findall(r"extrapolated to +\d+ workers: ([\d,]+) rows/s", done.stdout)]
    assert len(rates) == 4 and rates == sorted(rates)  # 4, 8, 16, 32 workers; more workers, never slower
