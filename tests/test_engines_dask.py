"""templater render --engine dask: the same ledger as the local run, row for row, and the same summary;
a worker killed mid-run changes nothing."""
from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")

from conftest import run_cli  # noqa: E402
from engines_data import (SEND_AT, TEMPLATE, VARS, assert_keeps_a_folder_that_is_not_a_ledger,  # noqa: E402
                          assert_same_decisions, generate, local_ledger, summary_of)

ROWS = int(os.environ.get("TEMPLATER_ENGINE_ROWS", "10000"))
COMMON = ["--send-at", SEND_AT, "--keep", "customer_id", *VARS]


def dask_ledger(folder) -> list[dict]:
    frame = pd.read_parquet(folder).sort_values("row_id")
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{k: int(v) if k in ("row_id", "duplicate_of", "segments", "characters") and v is not None else v
             for k, v in row.items()} for row in rows]


def render_both(folder, rows: int, *dask_args: str):
    """One recipients file rendered locally (--jobs 2) and on Dask (several partitions)."""
    recipients, stop = generate(folder, rows)
    local = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--out", str(folder / "out.jsonl"),
                    "--jobs", "2", "--suppress", str(stop), *COMMON)
    assert local.exit_code == 0, local.output
    on_dask = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "dask",
                      "--out", str(folder / "ledger"), "--suppress", str(stop), *dask_args, *COMMON)
    assert on_dask.exit_code == 0, on_dask.output
    return recipients, stop, local, on_dask


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The default Dask run: a LocalCluster of --jobs 2 worker processes, started by the CLI."""
    folder = tmp_path_factory.mktemp("engines")
    return (folder, *render_both(folder, ROWS, "--jobs", "2", "--partition-size", "200K"))


@pytest.fixture(scope="module")
def cluster():
    """A cluster the other tests reach with --scheduler, as a real cluster is reached."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local) as client:
        yield local, client


def test_dask_ledger_is_the_local_run_row_for_row(runs):
    folder, *_ = runs
    expected = local_ledger(folder / "out.jsonl", folder / "out.rejects.jsonl", ("customer_id",))
    got = dask_ledger(folder / "ledger")
    assert len(got) == ROWS and len(list((folder / "ledger").glob("*.parquet"))) > 1
    assert got == expected
    reasons = {row["reason"] for row in got}
    assert {"duplicate", "suppressed", "quiet-hours", "no-consent", "opted-out"} <= reasons


def test_dask_prints_the_local_summary(runs):
    *_, local, on_dask = runs
    assert summary_of(on_dask.stdout) == summary_of(local.stdout)
    assert "duplicate" in on_dask.stdout


def test_the_ledger_folder_says_what_it_holds(runs):
    folder, *_ = runs
    facts = json.loads((folder / "ledger" / "_templater_ledger.json").read_text("utf-8"))
    assert facts["input"] == facts["rows"] == facts["distinct"] == ROWS
    assert [name for name, _ in facts["ledger"]][:3] == ["row_id", "status", "reason"]


def test_a_large_suppression_list_is_joined_with_the_same_ledger(runs, cluster, monkeypatch):
    folder, recipients, stop, *_ = runs
    from templater.engines import core

    monkeypatch.setattr(core, "JOIN_AT", 0)  # every list is joined, not shipped in the plan
    plans = []
    prepare = core.prepare
    monkeypatch.setattr(core, "prepare", lambda *a, **k: plans.append(prepare(*a, **k)) or plans[-1])
    result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "dask",
                     "--scheduler", cluster[0].scheduler_address, "--out", str(folder / "joined"),
                     "--partition-size", "300K", "--suppress", str(stop), *COMMON)
    assert result.exit_code == 0, result.output
    assert [len(plan.suppressed) > 0 for plan in plans] == [True]  # the list went the join's way
    assert dask_ledger(folder / "joined") == dask_ledger(folder / "ledger")


def test_parquet_input_in_several_files(runs, cluster):
    """The same rows as Parquet files (strings, as the CSV holds them): the same decisions; row_ids
    are positions over the files in name order, and a duplicate names its winner's row_id."""
    folder, recipients, stop, *_ = runs
    frame = pd.read_csv(recipients, dtype=str, keep_default_na=False, on_bad_lines="skip")
    data = folder / "parquet"
    data.mkdir()
    for i, start in enumerate(range(0, len(frame), 4000)):
        frame.iloc[start:start + 4000].to_parquet(data / f"part-{i}.parquet", index=False)
    result = run_cli("render", TEMPLATE, "--recipients", str(data / "*.parquet"), "--engine", "dask",
                     "--scheduler", cluster[0].scheduler_address, "--out", str(folder / "from-parquet"),
                     "--suppress", str(stop), *COMMON)
    assert result.exit_code == 0, result.output
    got = dask_ledger(folder / "from-parquet")
    assert [row["row_id"] for row in got] == list(range(1, len(frame) + 1))
    by_customer = {row["customer_id"]: row for row in dask_ledger(folder / "ledger")}
    assert_same_decisions(got, by_customer)


def test_a_worker_killed_mid_run_leaves_the_same_ledger(runs, cluster):
    """A worker process is killed (SIGKILL) while it renders: Dask runs its tasks again elsewhere, and
    the ledger is the clean run's, with every row once."""
    folder, recipients, stop, *_ = runs
    local, client = cluster
    killed, done = [], threading.Event()

    def kill_a_busy_worker() -> None:
        while not done.is_set():
            busy = [w for w, tasks in client.processing().items()
                    if any("templater-render" in str(t) for t in tasks)]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    try:
        result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "dask",
                         "--scheduler", local.scheduler_address, "--out", str(folder / "after-kill"),
                         "--partition-size", "96K", "--suppress", str(stop), *COMMON)
    finally:
        done.set()
        killer.join()
    assert killed, "no worker was busy rendering: nothing was killed"
    assert result.exit_code == 0, result.output
    assert dask_ledger(folder / "after-kill") == dask_ledger(folder / "ledger")


@pytest.mark.slow
def test_200000_rows_local_and_dask_ledgers_are_identical(tmp_path, cluster):
    """The issue's size: 200,000 rows (duplicates, suppressed numbers, quiet hours, mixed consent)."""
    _, _, local, on_dask = render_both(tmp_path, 200_000, "--scheduler", cluster[0].scheduler_address)
    assert summary_of(on_dask.stdout) == summary_of(local.stdout)
    assert dask_ledger(tmp_path / "ledger") == local_ledger(tmp_path / "out.jsonl", tmp_path / "out.rejects.jsonl",
                                                            ("customer_id",))


def test_engine_errors_are_one_line(tmp_path, runs):
    folder, recipients, *_ = runs
    assert_keeps_a_folder_that_is_not_a_ledger("dask", recipients, tmp_path, *COMMON)
    result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "dask", "--dry-run",
                     "--out", str(tmp_path / "x"), *COMMON)
    assert result.exit_code == 2 and "--dry-run is for the local run" in result.output
    result = run_cli("render", TEMPLATE, "--recipients", str(tmp_path / "none-*.parquet"), "--engine", "dask",
                     "--out", str(tmp_path / "x"), *COMMON)
    assert result.exit_code == 2 and "no recipients file" in result.output


def test_the_python_api_renders_a_dask_dataframe(runs, cluster):
    """templater.engines.dask.render(ddf, template, ...) -> the ledger as a Dask DataFrame; a row_id
    column gives the ids (here the CSV's lines, so the ledger is the CLI's, row for row)."""
    import dask.dataframe as dd

    from templater.engines import dask as engine

    folder, recipients, stop, *_ = runs
    expected = dask_ledger(folder / "ledger")
    by_id = {row["row_id"]: row for row in expected}
    lines = [row["row_id"] for row in expected if row["reason"] != "malformed-row"]
    frame = pd.read_csv(recipients, dtype=str, keep_default_na=False, on_bad_lines="skip")
    frame.insert(0, "row_id", lines)
    values = dict(v.split("=", 1) for v in VARS[1::2])
    ledger = engine.render(dd.from_pandas(frame.sample(frac=1, random_state=3), npartitions=3), TEMPLATE,
                           suppress=str(stop), send_at=SEND_AT, keep=["customer_id"], values=values)
    got = ledger.compute().sort_values("row_id")
    got = got.astype(object).where(got.notna(), None).to_dict("records")
    assert len(got) == len(lines)
    for row in got:
        same = by_id[row["row_id"]]
        # A malformed row has no number, so leaving it out changes no other row's decision. Row ids
        # given in a column are not lines: a duplicate's detail names the first row's row_id.
        if same["reason"] == "duplicate":
            assert row["detail"] == f"{same['phone']} already had a row (row_id {same['duplicate_of']})"
            same = {**same, "detail": row["detail"]}
        assert {k: row[k] for k in same} == same


def test_quoted_fields_across_lines_are_read_as_the_local_run_reads_them(tmp_path, cluster):
    """A CSV whose quoted fields span lines cannot be cut at any line: it is one task, framed exactly
    as locally (the record keeps its first line as row_id; an unclosed quote is a malformed row)."""
    rows = ["customer_id,phone,first_name,consent,consent_at,timezone,opt_out"]
    for i in range(300):
        name = '"Ana\nMaria"' if i % 50 == 7 else ('"never closed' if i == 201 else "Ben")
        rows.append(f"C{i},+1212555{i:04d},{name},express_written,2024-03-01T10:00:00Z,,")
    recipients = tmp_path / "multi.csv"
    recipients.write_text("\n".join(rows) + "\n", encoding="utf-8")
    local = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--out", str(tmp_path / "out.jsonl"),
                    "--jobs", "1", *COMMON)
    on_dask = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", "dask",
                      "--scheduler", cluster[0].scheduler_address, "--partition-size", "2K",
                      "--out", str(tmp_path / "ledger"), *COMMON)
    assert local.exit_code == on_dask.exit_code == 0, local.output + on_dask.output
    got = dask_ledger(tmp_path / "ledger")
    assert got == local_ledger(tmp_path / "out.jsonl", tmp_path / "out.rejects.jsonl", ("customer_id",))
    assert "malformed-row" in {row["reason"] for row in got}


def test_json_lines_in_two_files(tmp_path, cluster):
    """JSON Lines, two files read in name order: row_ids run on from the first file's lines, and the
    ledger is the local run's of the two files joined."""
    recipients, stop = generate(tmp_path, 3000)
    frame = pd.read_csv(recipients, dtype=str, keep_default_na=False, on_bad_lines="skip")
    lines = [json.dumps(row, ensure_ascii=False) for row in frame.to_dict("records")]
    lines.insert(5, "[1, 2]")  # not an object: malformed-row
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("\n".join(lines[:1400]) + "\n", encoding="utf-8")
    (tmp_path / "in" / "b.jsonl").write_text("\n".join(lines[1400:]) + "\n", encoding="utf-8")
    (tmp_path / "all.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    local = run_cli("render", TEMPLATE, "--recipients", str(tmp_path / "all.jsonl"), "--out",
                    str(tmp_path / "out.jsonl"), "--jobs", "1", "--suppress", str(stop), *COMMON)
    on_dask = run_cli("render", TEMPLATE, "--recipients", str(tmp_path / "in"), "--engine", "dask",
                      "--scheduler", cluster[0].scheduler_address, "--partition-size", "64K",
                      "--out", str(tmp_path / "ledger"), "--suppress", str(stop), *COMMON)
    assert local.exit_code == on_dask.exit_code == 0, local.output + on_dask.output
    assert summary_of(on_dask.stdout) == summary_of(local.stdout)
    assert dask_ledger(tmp_path / "ledger") == local_ledger(tmp_path / "out.jsonl", tmp_path / "out.rejects.jsonl",
                                                            ("customer_id",))
