"""A bulk render killed with SIGKILL halfway leaves no complete-looking output; a rerun is whole."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROWS = 20_000


def _recipients(path: Path) -> None:
    """Rows for retail.order-shipped.en: every 50th a duplicate phone, every 50th a bad phone."""
    lines = ["phone,first_name,order_id,carrier,consent,consent_scope"]
    for i in range(ROWS):
        phone = f"+1212{5550000 + i:07d}"
        if i % 50 == 7:
            phone = f"+1212{5550000 + i - 1:07d}"
        elif i % 50 == 13:
            phone = "not-a-phone"
        lines.append(f"{phone},Name{i},{i},UPS,express,order-shipped")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _command(recipients: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "templater.cli", "render", "retail.order-shipped.en", "--recipients",
            str(recipients), "--out", str(out), "--var", "brand=Acme", "--send-at", "2025-05-06T16:00:00Z",
            "--jobs", "2"]


def test_sigkill_halfway_then_rerun(tmp_path):
    recipients, out = tmp_path / "big.csv", tmp_path / "out.jsonl"
    rejects = tmp_path / "out.rejects.jsonl"
    _recipients(recipients)
    scratch = tmp_path / "scratch"  # the run's temporary folder, where the numbers' scratch table goes
    scratch.mkdir()
    # Its own session, so that the kill reaches the worker processes too.
    proc = subprocess.Popen(_command(recipients, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "TMPDIR": str(scratch)})
    give_up = time.monotonic() + 60  # a hang detector, not a speed target
    try:
        while not any(p.stat().st_size > 0 for p in tmp_path.glob(".out.jsonl.*")):
            assert proc.poll() is None, "the run finished before it could be killed halfway"
            assert time.monotonic() < give_up, "no output was ever written"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # Nothing that looks like a finished output: only hidden partial files.
    assert not out.exists() and not rejects.exists()
    assert all(p.name.startswith(".") for p in tmp_path.iterdir() if p not in (recipients, scratch))
    # No scratch table with the phone numbers is left behind, even after SIGKILL.
    assert list(scratch.iterdir()) == []

    rerun = subprocess.run(_command(recipients, out), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    messages = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    refused = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    # input = rendered + rejected, each row exactly once
    assert len(messages) + len(refused) == ROWS
    assert sorted(m["line"] for m in messages + refused) == list(range(2, ROWS + 2))
    assert Counter(r["reason"] for r in refused) == {"duplicate": ROWS // 50, "invalid-phone": ROWS // 50}
    for m in messages:
        assert f"Name{m['line'] - 2}" in m["text"]


def test_a_worker_killed_midway_fails_the_run_instead_of_hanging(tmp_path):
    """The out-of-memory killer takes one worker: the pool never redoes its chunk, so the run must
    stop with an error (exit 2, nothing written) rather than wait for ever."""
    recipients, out = tmp_path / "big.csv", tmp_path / "out.jsonl"
    _recipients(recipients)
    proc = subprocess.Popen(_command(recipients, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    give_up = time.monotonic() + 60  # a hang detector, not a speed target
    try:
        workers: list[int] = []
        while not workers:
            assert proc.poll() is None, "the run finished before a worker could be killed"
            assert time.monotonic() < give_up, "no worker process ever started"
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
            time.sleep(0.01)
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=max(1.0, give_up - time.monotonic()))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 2, stderr
    assert "a worker process died (killed by signal 9" in stderr and "Traceback" not in stderr
    assert not out.exists() and not (tmp_path / "out.rejects.jsonl").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["big.csv"]


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("group", [False, True])
def test_sigterm_and_sighup_halfway_leave_nothing(tmp_path, signum, code, group):
    """A CI cancel (`timeout -s TERM`, to the process; or the runner, to its process group) or a
    closed terminal: like Ctrl-C, no partial file, no scratch table, one line, exit 128 + signal."""
    recipients, out = tmp_path / "big.csv", tmp_path / "out.jsonl"
    _recipients(recipients)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.Popen(_command(recipients, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True, env={**os.environ, "TMPDIR": str(scratch)})
    give_up = time.monotonic() + 60  # a hang detector, not a speed target
    try:
        while not any(p.stat().st_size > 0 for p in tmp_path.glob(".out.jsonl.*")):
            assert proc.poll() is None, "the run finished before it could be stopped halfway"
            assert time.monotonic() < give_up, "no output was ever written"
            time.sleep(0.01)
        if group:
            os.killpg(proc.pid, signum)
        else:
            os.kill(proc.pid, signum)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == code, stderr
    name = signal.Signals(signum).name
    assert stderr.strip().splitlines() == [f"templater: interrupted ({name}): nothing was written"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "scratch"]
    assert list(scratch.iterdir()) == []
