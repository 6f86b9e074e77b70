"""`templater lint` output for review, in the manner of ruff: --statistics, --exit-zero, --output-file."""
from __future__ import annotations

import json

from conftest import run_cli, template_source

MIXED = template_source("Acme: your order has shipped. Use code SAVE20 for 20% off!")
CLEAN = template_source("Acme: your order has shipped.")


def test_statistics_counts_findings_by_rule_most_first(write):
    a = write("a.sms", MIXED)
    b = write("b.sms", template_source("Acme: your order has shipped \u2014 today."))
    result = run_cli("lint", "--statistics", str(a), str(b))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == ["2  mixed-content  error", "1  ucs2-encoding  warning",
                                          "2 errors, 1 warning in 2 files"]
    result = run_cli("lint", "--statistics", "--format", "json", str(a), str(b))
    assert json.loads(result.stdout) == [{"rule": "mixed-content", "severity": "error", "count": 2},
                                         {"rule": "ucs2-encoding", "severity": "warning", "count": 1}]


def test_statistics_of_a_clean_run(write):
    result = run_cli("lint", "--statistics", str(write("ok.sms", CLEAN)))
    assert result.exit_code == 0 and result.stdout.splitlines() == ["no findings in 1 file"]


def test_exit_zero_reports_but_does_not_fail(write):
    path = write("a.sms", MIXED)
    result = run_cli("lint", "--exit-zero", str(path))
    assert result.exit_code == 0 and "error mixed-content" in result.stdout
    assert run_cli("lint", "--exit-zero", str(path.with_name("missing.sms"))).exit_code == 2  # errors stay errors


def test_output_file_holds_the_report_and_stdout_stays_empty(write, tmp_path):
    path = write("a.sms", MIXED)
    out = tmp_path / "report.sarif"
    result = run_cli("lint", "--format", "sarif", "--output-file", str(out), str(path))
    assert result.exit_code == 1 and result.stdout == ""
    sarif = json.loads(out.read_text(encoding="utf-8"))
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"mixed-content"}


def test_output_file_that_cannot_be_written_is_a_one_line_error(write, tmp_path):
    result = run_cli("lint", "--output-file", str(tmp_path / "no" / "such" / "dir.txt"), str(write("a.sms", CLEAN)))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("cannot write the report: No such file or directory")
    assert len(result.stderr.strip().splitlines()) == 1
