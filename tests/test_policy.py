"""One policy for lint, render and bulk render (issue 14): what lint refuses, render refuses;
render honours the nearest configuration, --config and inline suppression. Through the CLI, in a
temporary content repository."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

SEND_AT = "2025-05-06T16:00:00Z"
ROWS = "phone,consent,consent_scope\n+12125550200,express_written,shipped\n"
SHORTENED = template_source("Acme: your order has shipped. Track it: https://bit.ly/abc123", id="shipped")
UCS2 = template_source("Acme: your order has shipped \u2014 thank you.", id="shipped")
SUPPRESSED = ("---\ncategory: transactional\nlanguage: en\nid: shipped\n---\nAcme: your order has shipped.\n"
              "{# templater: disable-next-line=mixed-content #}\nEnjoy 20% off your next order!\n")


def _bulk(tmp_path: Path, template: Path, *args: str):
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(template), "--recipients", str(rows), "--out", str(out),
                     "--send-at", SEND_AT, "--jobs", "1", *args)
    return result, out


def _outcome(tmp_path: Path, template: Path, *args: str) -> tuple[int, int, int]:
    """(lint exit, render exit, bulk exit) of one template, with the same options."""
    lint = run_cli("lint", *args, str(template)).exit_code
    render = run_cli("render", str(template), *args).exit_code
    bulk, _out = _bulk(tmp_path, template, *args)
    return lint, render, bulk.exit_code


@pytest.mark.parametrize("source, rule", [
    (template_source("Acme: 30% off everything today.", "promotional", "de"), "unknown-language"),
    ("---\ncategroy: transactional\nlanguage: en\n---\nAcme: your order has shipped.\n", "missing-category"),
    (template_source("Acme: your order has shipped.", "transactional", "de"), "unknown-language"),
])
def test_render_and_bulk_render_refuse_what_lint_refuses(write, tmp_path, source, rule):
    path = write("t.sms", source)
    code, findings = lint_json(str(path))
    assert code == 1 and rule in {f["rule"] for f in findings}
    single = run_cli("render", str(path), "--format", "json")
    assert single.exit_code == 1 and single.stdout == ""
    assert f"error {rule}" in single.stderr and "not rendered: the template" in single.stderr
    bulk, out = _bulk(tmp_path, path)
    assert bulk.exit_code == 1 and f"error {rule}" in bulk.stderr
    assert "nothing was written" in bulk.stderr
    assert not out.exists() and not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))


def test_bulk_render_stops_before_reading_rows_when_the_template_fails(write, tmp_path):
    path = write("t.sms", template_source("Acme: 30% off everything today.", "promotional", "de"))
    # The recipients file does not exist: the template's finding is reported, not the missing file.
    result = run_cli("render", str(path), "--recipients", str(tmp_path / "none.csv"), "--out",
                     str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1 and "unknown-language" in result.stderr and "none.csv" not in result.stderr


def test_render_honours_the_nearest_configuration_ignore(write, tmp_path):
    write(".templater.yaml", "ignore: [url-shortener]\n")
    path = write("shipped.sms", SHORTENED)
    assert _outcome(tmp_path, path) == (0, 0, 0)
    result, out = _bulk(tmp_path, path)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_without_the_configuration_all_three_refuse_the_shortener(write, tmp_path):
    path = write("shipped.sms", SHORTENED)
    lint, render, _bulk_code = _outcome(tmp_path, path)
    assert (lint, render) == (1, 1)
    result, out = _bulk(tmp_path, path)
    assert result.exit_code == 1 and "url-shortener" in result.stderr and not out.exists()


def test_render_config_option_uses_that_file(write, tmp_path):
    config = write("ci/strict.yaml", "severity: {ucs2-encoding: error}\n")
    path = write("shipped.sms", UCS2)
    assert _outcome(tmp_path, path) == (0, 0, 0)
    assert _outcome(tmp_path, path, "--config", str(config)) == (1, 1, 1)
    result = run_cli("render", str(path), "--config", str(config))
    assert "error ucs2-encoding" in result.stderr


def test_a_configured_severity_is_the_same_in_lint_and_render(write, tmp_path):
    write(".templater.yaml", "severity: {ucs2-encoding: error}\n")
    path = write("shipped.sms", UCS2)
    assert _outcome(tmp_path, path) == (1, 1, 1)


def test_a_project_rule_at_error_level_fails_render_too(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/house.yaml", "pack: house\nlanguage: en\nrules:\n  - id: house-no-cheers\n    kind: existence\n"
                              "    severity: error\n    message: \"'{match}' is not our house style{where}\"\n"
                              "    summary: House style.\n    doc: House style.\n    patterns: ['\\bcheers\\b']\n"
                              "    examples: {fail: ['Cheers, Acme'], pass: ['Thanks, Acme']}\n")
    path = write("shipped.sms", template_source("Acme: your order has shipped. Cheers!", id="shipped"))
    assert _outcome(tmp_path, path) == (1, 1, 1)
    assert "error house-no-cheers" in run_cli("render", str(path)).stderr


def test_inline_suppression_holds_in_render_and_bulk_render(write, tmp_path):
    path = write("shipped.sms", SUPPRESSED)
    assert _outcome(tmp_path, path) == (0, 0, 0)
    result, out = _bulk(tmp_path, path)
    texts = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(texts) == 1 and texts[0].endswith("Enjoy 20% off your next order!")


def test_suppression_does_not_cover_what_a_value_brings_in(write, tmp_path):
    source = SUPPRESSED.replace("shipped.\n", "shipped, {{ name }}.\n").replace("id: shipped\n", (
        "id: shipped\nvariables:\n  name: {example: Ana}\n"))
    path = write("shipped.sms", source)
    result = run_cli("render", str(path), "--var", "name=Ana, free gift with code WELCOME")
    assert result.exit_code == 1 and "mixed-content" in result.stderr
    line = next(s for s in result.stderr.splitlines() if "mixed-content" in s)
    assert "shipped.sms:8:" in line  # the body's first line: the value's text is not on the suppressed line
