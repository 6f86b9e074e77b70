"""templater.engines.core: the engines' per-row core is the local run's, and its ledger is the local run's files."""
from __future__ import annotations

import pickle

import pytest

from conftest import run_cli
from engines_data import SEND_AT, TEMPLATE, generate, local_ledger
from templater.engines import core
from templater.render.recipients import Framer, decoded_lines, read_header

SETTINGS = dict(values={"brand": "Acme", "percent": "20", "products": "spring jackets", "end_date": "May 12",
                        "shop_url": "https://acme.example/spring"},
                send_at=SEND_AT, keep=("customer_id",))


def core_ledger(path, plan: core.Plan) -> list[dict]:
    """The file's rows through the core in batches of 997 records, as an engine hands them over."""
    plan = pickle.loads(pickle.dumps(plan))  # what a worker receives
    with path.open("rb") as stream:
        lines = decoded_lines(stream, str(path))
        read_header(lines, str(path))
        records = list(Framer(lines, "csv", 2).records())
    worker = core.core_for(plan)
    rows = []
    for start in range(0, len(records), 997):
        batch = worker.from_records(records[start:start + 997])
        rows += [dict(zip(batch, values)) for values in zip(*batch.values())]
    return rows


@pytest.mark.parametrize("joined", [False, True], ids=["suppression-in-core", "suppression-joined"])
def test_core_ledger_is_the_local_run(tmp_path, joined):
    recipients, stop = generate(tmp_path, 20_000)
    out = tmp_path / "out.jsonl"
    result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--out", str(out), "--jobs", "2",
                     "--suppress", str(stop), "--send-at", SEND_AT, "--keep", "customer_id",
                     *[a for k, v in SETTINGS["values"].items() for a in ("--var", f"{k}={v}")])
    assert result.exit_code == 0, result.output
    expected = local_ledger(out, tmp_path / "out.rejects.jsonl", ("customer_id",))
    reasons = {row["reason"] for row in expected}
    assert {None, "duplicate", "suppressed", "quiet-hours", "no-consent", "opted-out", "invalid-phone",
            "missing-phone", "malformed-row", "bad-field", "bad-timezone"} <= reasons  # the file has them all

    plan = core.prepare(TEMPLATE, "csv", read_header(iter([recipients.read_bytes().split(b"\n")[0]]), "x")[0],
                        str(recipients), suppress=str(stop), join_suppression_at=0 if joined else core.JOIN_AT,
                        **SETTINGS)
    assert bool(plan.suppressed) == joined
    got = core.settle(core_ledger(recipients, plan), plan.suppressed, plan.text)
    assert sorted(got, key=lambda row: row["row_id"]) == expected


def test_plan_fixes_the_sending_time_and_the_schema(tmp_path):
    recipients, _ = generate(tmp_path, 10)
    plan = core.prepare(TEMPLATE, "csv", ["customer_id", "phone", "first_name", "consent", "consent_at",
                                          "timezone", "opt_out"], str(recipients),
                        **{**SETTINGS, "send_at": None})
    # Now, once, on the driver: every worker that unpickles the plan uses the same instant.
    assert pickle.loads(plan.spec).send_at == pickle.loads(pickle.loads(pickle.dumps(plan)).spec).send_at
    assert [name for name, _ in plan.fields()] == [name for name, _ in core.LEDGER] + ["customer_id"]
    assert core.spark_ddl(plan.fields()).startswith("`row_id` long, `status` string")


def test_reconcile_fails_a_ledger_that_loses_or_repeats_rows():
    core.reconcile(3, 3, 3)
    with pytest.raises(core.ReconcileError, match="lost"):
        core.reconcile(3, 2, 2)
    with pytest.raises(core.ReconcileError, match="counted twice"):
        core.reconcile(3, 4, 4)
    with pytest.raises(core.ReconcileError, match="repeated row_id"):
        core.reconcile(3, 3, 2)


def test_lint_and_the_local_run_import_no_engine(tmp_path):
    """The engines' libraries load only with --engine: lint and the local bulk run import none of them."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    recipients, _ = generate(tmp_path, 50)
    runs = [["lint", str(root / "template_library" / "retail")],
            ["render", TEMPLATE, "--recipients", str(recipients), "--out", str(tmp_path / "out.jsonl"),
             "--send-at", SEND_AT, *[a for k, v in SETTINGS["values"].items() for a in ("--var", f"{k}={v}")]]]
    # lint leaves by os._exit (cli._exit_at_once): here it raises SystemExit instead, so that the
    # child goes on to the render and says what it imported.
    code = ("import os, sys\nos._exit = sys.exit\nfrom templater.cli import main\n"
            f"for argv in {runs!r}:\n"
            "    sys.argv = ['templater', *argv]\n"
            "    try:\n        main()\n    except SystemExit:\n        pass\n"
            "engines = {'dask', 'distributed', 'pandas', 'pyarrow', 'pyspark'}\n"
            "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & engines))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(tmp_path),
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert "LOADED []" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "out.jsonl").exists()
