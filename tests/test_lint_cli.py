"""`templater lint` as users meet it: formats, positions, exit codes, the 0.1 rules."""
from __future__ import annotations

import json

import pytest

from conftest import lint_json, run_cli, template_source

SHIPPED = """---
id: retail.order-shipped.en
category: transactional
language: en
description: Tells a customer that their order has shipped.
consent: express
variables:
  first_name: {description: Customer first name, example: Ana}
  order_id: {example: "12345", required: true}
---
Acme: Hi {{ first_name }}, your order #{{ order_id }} has shipped.
Use code SAVE20 for 20% off your next order!
"""


def test_mixed_content_text_output_points_at_the_marker(write):
    path = write("shipped.sms", SHIPPED)
    result = run_cli("lint", str(path))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}:12:1: error mixed-content 'Use code SAVE20' is promotional")
    assert "transactional template" in lines[0] and "express_written" in lines[0]
    assert any(f"{path}:12:21: error mixed-content '20% off'" in line for line in lines)
    assert lines[-1] == "2 errors in 1 file"


def test_json_output_fields(write):
    path = write("shipped.sms", SHIPPED)
    code, findings = lint_json(str(path))
    assert code == 1
    assert {tuple(sorted(f)) for f in findings} == {("column", "end_column", "end_line", "line", "message", "path",
                                                     "rule", "severity")}
    assert [(f["line"], f["column"], f["rule"], f["severity"]) for f in findings] == [
        (12, 1, "mixed-content", "error"), (12, 21, "mixed-content", "error")]
    # each ends after the text it quotes: 'Use code SAVE20' and '20% off'
    assert [(f["end_line"], f["end_column"]) for f in findings] == [(12, 1 + len("Use code SAVE20")),
                                                                    (12, 21 + len("20% off"))]


def test_clean_file_exits_zero(write):
    path = write("ok.sms", template_source("Acme: your order has shipped.", category="transactional"))
    result = run_cli("lint", str(path))
    assert result.exit_code == 0 and result.stdout.strip() == "no findings in 1 file"


def test_missing_path_is_a_usage_error(tmp_path):
    result = run_cli("lint", str(tmp_path / "nope.sms"))
    assert result.exit_code == 2
    assert "nope.sms: no such file or folder" in result.stderr


@pytest.mark.parametrize("body", [
    "Questions? Call our toll-free line 1-800-555-0100.",
    "Feel free to reply with any questions about your delivery.",
    "Our wholesale team will call you about your account.",
    "Your one-time code 482913 expires in 10 minutes.",
    "We can't offer refunds on opened items, but we can exchange them.",
    "Good news: the sale of your home at 12 Elm St closed today.",
])
def test_issue_near_misses_do_not_fire(write, body):
    path = write("near.sms", template_source(body, category="transactional"))
    code, findings = lint_json("--select", "mixed-content", str(path))
    assert (code, findings) == (0, [])


def test_every_jinja_branch_is_linted(write):
    body = "Your order has shipped.{% if vip %} Thanks!{% else %} Get 15% off next time.{% endif %}"
    path = write("branch.sms", template_source(body, variables={"vip": {"example": True}}))
    code, findings = lint_json("--select", "mixed-content", str(path))
    assert code == 1
    body_line = path.read_text().splitlines().index("---", 1) + 2
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("mixed-content", body_line, 59)]


def test_promotional_example_value_is_caught_at_the_variable(write):
    body = "Your order has shipped. {{ footer }}"
    path = write("footer.sms", template_source(body, variables={"footer": {"example": "Free shipping on your next order"}}))
    code, findings = lint_json("--select", "mixed-content", str(path))
    assert code == 1
    assert findings[0]["rule"] == "mixed-content" and "rendered example" in findings[0]["message"]
    body_line = path.read_text().splitlines().index("---", 1) + 2
    assert (findings[0]["line"], findings[0]["column"]) == (body_line, 28)


def test_variable_names_count_as_markers(write):
    body = "Your order has shipped. Next time use {{ coupon_code }}."
    path = write("coupon.sms", template_source(body, variables={"coupon_code": {"example": "X1"}}))
    _code, findings = lint_json(str(path))
    assert any("coupon_code" in f["message"] for f in findings)


def test_transactional_content_in_a_reply_is_a_warning(write):
    body = "Thanks for asking! Your verification code is 482913."
    path = write("reply.sms", template_source(body, category="conversational"))
    result = run_cli("lint", str(path))
    assert result.exit_code == 0
    assert "warning mixed-content" in result.stdout and "one-time code" in result.stdout
    assert run_cli("lint", "--fail-on", "warning", str(path)).exit_code == 1


def test_french_mixed_content(write):
    body = "Acme : votre colis est en route. Profitez de -15 % avec le code MERCI15 !"
    path = write("fr.sms", template_source(body, category="transactional", language="fr"))
    _code, findings = lint_json(str(path))
    assert {f["rule"] for f in findings} == {"mixed-content"}
    assert len(findings) >= 2


def test_opt_out_must_be_in_the_templates_language(write):
    en_in_fr = write("a.sms", template_source("Soldes : -30 % chez Acme. Reply STOP to opt out.",
                                              category="promotional", language="fr"))
    fr_ok = write("b.sms", template_source("Soldes : -30 % chez Acme. STOP SMS au 36111",
                                           category="promotional", language="fr"))
    _code, findings = lint_json("--select", "missing-opt-out", str(en_in_fr), str(fr_ok))
    assert [(f["path"], f["rule"]) for f in findings] == [(str(en_in_fr), "missing-opt-out")]
    assert "STOP SMS" in findings[0]["message"]


def test_metadata_findings(write):
    source = ("---\ncategory: transactional\nconsent: express_written\nlanguage: de\nvariables:\n"
              "  first_name: {example: Ana}\n  unused: {example: x}\n---\nHi {{ first_name }} {{ order }}\n")
    path = write("meta.sms", source)
    _code, findings = lint_json(str(path))
    got = {(f["rule"], f["line"]) for f in findings}
    assert {("consent-mismatch", 3), ("unknown-language", 4), ("unused-variable", 7),
            ("undeclared-variable", 9)} <= got


def test_missing_and_unknown_category(write):
    a = write("a.sms", "---\nlanguage: en\n---\nHello")
    b = write("b.sms", "---\ncategory: marketing\n---\nHello")
    _code, findings = lint_json(str(a), str(b))
    assert [(f["rule"], f["line"]) for f in findings] == [("missing-category", 1), ("unknown-category", 2)]


def test_yaml_and_jinja_errors_are_findings_at_the_right_line(write):
    bad_yaml = write("y.sms", "---\ncategory: transactional\ndescription: [oops\n---\nHello")
    bad_jinja = write("j.sms", "---\ncategory: transactional\n---\nline one\nline two {% if x %}\nline three")
    no_front = write("n.sms", "Just a body")
    code, findings = lint_json(str(bad_yaml), str(bad_jinja), str(no_front))
    assert code == 1
    got = {(f["path"].rsplit("/", 1)[1], f["rule"], f["line"]) for f in findings}
    assert ("j.sms", "jinja-syntax", 5) in got
    assert ("n.sms", "front-matter", 1) in got
    assert any(p == "y.sms" and r == "yaml-syntax" and line in (3, 4) for p, r, line in got)


def test_duplicate_ids_across_files_in_one_run(write, tmp_path):
    write("one/a.sms", template_source("Acme: your order has shipped.", id="shop.shipped"))
    write("two/b.sms", template_source("Acme: your order was delivered.", id="shop.shipped"))
    _code, findings = lint_json(str(tmp_path))
    assert [(f["rule"], f["path"].endswith("two/b.sms")) for f in findings] == [("duplicate-id", True)]
    assert "one/a.sms" in findings[0]["message"]


def test_default_ids_come_from_paths_below_the_folder(write, tmp_path):
    write("retail/shipped.en.sms", template_source("Acme: your order has shipped."))
    write("banking/shipped.en.sms", template_source("Acme: your card has shipped."))
    code, findings = lint_json(str(tmp_path))
    assert (code, findings) == (0, [])


def test_folders_are_searched_recursively_and_sorted(write, tmp_path):
    write("b/z.sms", template_source("Flash sale: 30% off!"))
    write("a/y.sms", template_source("Flash sale: 30% off!"))
    write("a/ignored.txt", "Flash sale: 30% off!")
    _code, findings = lint_json(str(tmp_path))
    paths = [f["path"] for f in findings]
    assert paths == sorted(paths) and len({p for p in paths}) == 2


def test_select_and_ignore(write):
    path = write("s.sms", "---\ncategory: transactional\n---\nHi {{ name }}. 20% off today!")
    _c, only = lint_json("--select", "undeclared-variable", str(path))
    assert {f["rule"] for f in only} == {"undeclared-variable"}
    _c, rest = lint_json("--ignore", "mixed-content,undeclared-variable,missing-sender,placeholder-leftover", str(path))
    assert {f["rule"] for f in rest} == set()


def test_unreadable_files_are_findings_and_the_run_goes_on(write):
    binary = write("bin.sms", b"\x00\x01\x02")
    latin1 = write("latin.sms", "---\ncategory: transactional\n---\nCaf\xe9".encode("latin-1"))
    good = write("good.sms", template_source("Acme: your order has shipped."))
    code, findings = lint_json(str(binary), str(latin1), str(good))
    assert code == 1
    assert [(f["path"].rsplit("/", 1)[1], f["rule"]) for f in findings] == [
        ("bin.sms", "unreadable-file"), ("latin.sms", "unreadable-file")]
    assert "line 4" in findings[1]["message"]


def test_bom_and_crlf_are_read(write):
    source = "\ufeff---\r\ncategory: transactional\r\n---\r\nAcme: your order has shipped.\r\n20% off next time\r\n"
    path = write("crlf.sms", source.encode("utf-8"))
    _code, findings = lint_json(str(path))
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("mixed-content", 5, 1)]


def test_json_is_valid_even_when_clean(write):
    path = write("ok.sms", template_source("Acme: your order has shipped."))
    result = run_cli("lint", "--format", "json", str(path))
    assert json.loads(result.stdout) == []


def test_a_closed_pipe_is_not_an_internal_error(tmp_path):
    import subprocess
    import sys

    for i in range(300):
        (tmp_path / f"t{i}.sms").write_text(template_source("Flash sale: 20% off!"), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "templater.cli", "lint", "--jobs", "1", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "internal error" not in stderr and "Traceback" not in stderr


def test_readme_quickstart_output_is_what_lint_prints(tmp_path, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1]
    template, transcript = re.findall(r"```\n(.*?)```", section, re.S)[:2]
    (tmp_path / "shipped.sms").write_text(template, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "shipped.sms")
    expected = transcript.split("$ templater lint shipped.sms\n", 1)[1].split("$ echo $?")[0]
    assert result.stdout == expected
    assert result.exit_code == int(transcript.rstrip().splitlines()[-1])
