"""`templater lint --stdin-filename PATH -`: standard input linted as if it were PATH (its
configuration, its id, its suppression), as ruff, yamllint and djLint do for editors."""
from __future__ import annotations

import json

from conftest import run_cli, template_source

PROMO = template_source("Acme: 20% off all shoes this weekend at acme.example/sale.", category="promotional",
                        id="retail.sale.en")


def _stdin(filename: str | None, text: str | bytes, *args: str) -> tuple[int, list[dict], str]:
    extra = ("--stdin-filename", filename) if filename is not None else ()
    result = run_cli("lint", "--format", "json", *extra, *args, "-", input=text)
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else [], result.stderr


def test_stdin_takes_the_configuration_of_the_path_it_stands_for(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("team/.templater.yaml", "ignore: [missing-opt-out]\n")
    write("other/keep.sms", template_source("Acme: your order has shipped."))
    code, findings, _ = _stdin("team/new.sms", PROMO)
    assert "missing-opt-out" not in {f["rule"] for f in findings}
    assert {f["path"] for f in findings} <= {"team/new.sms"}
    code, findings, _ = _stdin("other/new.sms", PROMO)
    assert code == 1
    assert [f["path"] for f in findings if f["rule"] == "missing-opt-out"] == ["other/new.sms"]


def test_stdin_is_linted_not_the_file_on_disk(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("a.sms", template_source("Acme: your order has shipped."))
    assert run_cli("lint", "a.sms").exit_code == 0
    code, findings, _ = _stdin("a.sms", template_source("Acme: your order has shipped. Use code SAVE20 today!"))
    assert code == 1 and "mixed-content" in {f["rule"] for f in findings}


def test_stdin_id_is_checked_against_the_project_but_not_against_its_own_file(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(".templater.yaml", "fail_on: error\n")
    first = template_source("Acme: your order has shipped.", id="orders.shipped")
    write("orders/a.sms", first)
    _code, findings, _ = _stdin("orders/b.sms", first)
    dup = [f for f in findings if f["rule"] == "duplicate-id"]
    assert len(dup) == 1 and "orders/a.sms:4" in dup[0]["message"]
    _code, findings, _ = _stdin("orders/a.sms", first)  # the editor's buffer of a.sms itself
    assert findings == []


def test_stdin_without_an_id_gets_the_id_of_its_path(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(".templater.yaml", "fail_on: error\n")
    write("orders/shipped.sms", template_source("Acme: your order has shipped.", id="orders.shipped"))
    _code, findings, _ = _stdin("orders/shipped.sms", template_source("Acme: your order has shipped."))
    assert findings == []  # its default id orders.shipped is its own file's
    _code, findings, _ = _stdin("orders/copy.sms", template_source("Acme: your order has shipped.",
                                                                    id="orders.shipped"))
    assert [f["rule"] for f in findings] == ["duplicate-id"]


def test_stdin_honours_its_suppression_comments(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    body = "Acme: your order has shipped.\n{# templater: disable-next-line=mixed-content #}\nUse code SAVE20 today!"
    code, findings, _ = _stdin("a.sms", template_source(body))
    assert code == 0 and findings == []
    code, findings, _ = _stdin("a.sms", template_source(body.replace("disable-next-line=mixed-content",
                                                                      "disable-next-line=ucs2-encoding")))
    assert code == 1 and {f["rule"] for f in findings} == {"mixed-content", "unused-suppression"}


def test_per_path_ignores_of_the_path_apply(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(".templater.yaml", "per_path_ignores:\n  'legacy/*.sms': [missing-opt-out]\n")
    _code, findings, _ = _stdin("legacy/old.sms", PROMO)
    assert "missing-opt-out" not in {f["rule"] for f in findings}
    _code, findings, _ = _stdin("new/old.sms", PROMO)
    assert "missing-opt-out" in {f["rule"] for f in findings}


def test_dash_alone_uses_the_current_folder_configuration(write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(".templater.yaml", "ignore: [missing-opt-out]\n")
    _code, findings, _ = _stdin(None, PROMO)
    assert findings and "missing-opt-out" not in {f["rule"] for f in findings}
    assert {f["path"] for f in findings} == {"-"}


def test_fix_prints_the_fixed_text_and_reports_what_is_left_on_stderr(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = template_source("Acme: your order has shipped \u2014 track it at acme.example/t.  ")
    result = run_cli("lint", "--fix", "--stdin-filename", "a.sms", "-", input=source)
    assert result.exit_code == 0
    assert result.stdout == template_source("Acme: your order has shipped - track it at acme.example/t.")
    assert "no findings in 1 file" in result.stderr
    assert not (tmp_path / "a.sms").exists()  # nothing written


def test_diff_prints_the_fix_without_the_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = template_source("Acme: your order has shipped \u2014 track it.")
    result = run_cli("lint", "--diff", "--stdin-filename", "a.sms", "-", input=source)
    assert result.exit_code == 1
    assert "-Acme: your order has shipped \u2014 track it." in result.stdout
    assert "+Acme: your order has shipped - track it." in result.stdout


def test_binary_stdin_is_an_unreadable_file_finding(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, findings, _ = _stdin("a.sms", b"---\ncategory: transactional\n---\nhi\x00there\n")
    assert code == 1 and [(f["rule"], f["path"], f["line"]) for f in findings] == [("unreadable-file", "a.sms", 4)]


def test_stdin_with_other_paths_or_nothing_at_all_is_a_usage_error(write):
    path = write("a.sms", template_source("Acme: your order has shipped."))
    result = run_cli("lint", "-", str(path), input="")
    assert result.exit_code == 2 and "'-' and no other path" in result.stderr
    result = run_cli("lint", "--stdin-filename", "a.sms", str(path), input="")
    assert result.exit_code == 2
    result = run_cli("lint")
    assert result.exit_code == 2 and "--stdin-filename" in result.stderr
