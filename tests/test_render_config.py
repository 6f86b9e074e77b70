"""Bulk render settings in .templater.yaml (issue 15 item 4): default_region, quiet_hours,
reply_window and suppress, validated like the rest of the configuration; the command line wins."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import library_for_markets, run_cli

DATA = Path(__file__).parent / "data" / "recipients"
DISCOUNT = ["--var", "brand=Acme", "--var", "percent=20", "--var", "products=spring jackets",
            "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/spring"]
LATE = "2025-05-07T00:30:00Z"  # 20:30 in New York: inside tcpa's window, outside us-fl's


def _run(tmp_path: Path, config: str, *args: str, rows: str = "phone,consent\n+12125550123,express_written\n"):
    (tmp_path / ".templater.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "rows.csv").write_text(rows, encoding="utf-8")
    template = library_for_markets(tmp_path, "retail.discount.en", "us")
    result = run_cli("render", template, "--recipients", str(tmp_path / "rows.csv"), "--out",
                     str(tmp_path / "out.jsonl"), "--send-at", LATE, "--jobs", "1", *DISCOUNT, *args)
    rejects = tmp_path / "out.rejects.jsonl"
    reasons = [r["reason"] for r in map(json.loads, rejects.read_text("utf-8").splitlines())] if rejects.exists() else []
    return result, reasons


def test_the_configured_quiet_hours_apply_and_the_option_wins(tmp_path):
    result, reasons = _run(tmp_path, "quiet_hours: us-fl\n")
    assert result.exit_code == 0, result.output
    assert reasons == ["quiet-hours"]
    result, reasons = _run(tmp_path, "quiet_hours: us-fl\n", "--quiet-hours", "tcpa")
    assert result.exit_code == 0 and reasons == []


def test_default_region_and_suppress_come_from_the_configuration(tmp_path):
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "stop.txt").write_text("2125550199\n", encoding="utf-8")
    rows = "phone,consent\n2125550123,express_written\n2125550199,express_written\n"
    result, reasons = _run(tmp_path, "default_region: US\nsuppress: lists/stop.txt\nquiet_hours: tcpa\n", rows=rows)
    assert result.exit_code == 0, result.output
    sent = [m["phone"] for m in map(json.loads, (tmp_path / "out.jsonl").read_text("utf-8").splitlines())]
    assert sent == ["+12125550123"] and reasons == ["suppressed"]  # national numbers read as US; the list relative to the file


def test_a_bad_setting_is_one_line_naming_the_file_the_line_and_the_key(tmp_path):
    config = tmp_path / ".templater.yaml"
    result, _reasons = _run(tmp_path, "fail_on: error\nquiet_hours: tcpaa\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (f"templater: error: {config}:2: key 'quiet_hours': 'tcpaa' (did you mean "
                                     "'tcpa'?): give market, auto, a profile (tcpa, us-fl, us-ok, us-md, fr) "
                                     "or a window such as 09:00-20:00")
    result, _reasons = _run(tmp_path, "reply_window: soon\n")
    assert result.exit_code == 2 and f"{config}:1: key 'reply_window': 'soon': give a duration" in result.stderr
    result, _reasons = _run(tmp_path, "suppress: missing.txt\n")
    assert result.exit_code == 2 and f"{config}:1: key 'suppress': 'missing.txt' is not a file" in result.stderr
    result, _reasons = _run(tmp_path, "quiet_hour: tcpa\n")
    assert result.exit_code == 2 and "unknown key (did you mean 'quiet_hours'?)" in result.stderr
    result, _reasons = _run(tmp_path, "default_region: [US, 1]\n")
    assert result.exit_code == 2 and f"{config}:1: key 'default_region': must be a region code" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()
