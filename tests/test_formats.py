"""CI output formats (github, sarif, junit) and coloured text on a terminal, honouring NO_COLOR."""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema

from conftest import run_cli, template_source
from terminal import run_in_terminal

SCHEMA_FILE = Path(__file__).with_name("sarif-schema-2.1.0.json")
SCHEMA_SHA256 = "80cd7ffb9b62a4162d541aa9170862dd264f6cce0f04c57f1ac9f2337b808958"  # see its .SOURCE.md
SELECT = ("--select", "mixed-content,missing-opt-out,unused-variable")


def _project(write, tmp_path: Path) -> Path:
    """A content folder with an error, a warning, an info (by configuration) and a clean file."""
    write(".templater.yaml", "severity:\n  unused-variable: info\n")
    write("templates/mixed.sms", template_source("Acme: your order has shipped. Get 50% off next time."))
    write("templates/promo.sms", template_source("Acme: new arrivals, 20% off.", category="promotional"))
    write("templates/a,b: c.sms", template_source("Acme: shipped.", variables={"unused": {"example": "x"}}))
    write("templates/clean.sms", template_source("Acme: your order has shipped."))
    return tmp_path / "templates"


def _validator() -> jsonschema.Draft7Validator:
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == SCHEMA_SHA256
    schema = json.loads(text)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_validates_against_the_official_schema(write, tmp_path, monkeypatch):
    folder = _project(write, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--format", "sarif", *SELECT, "templates")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validator = _validator()
    validator.validate(log)
    assert not validator.is_valid({**log, "runs": [{"results": []}]})  # the schema does reject: no tool
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "templater"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["missing-opt-out", "mixed-content", "unused-variable"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert {k: v["level"] for k, v in by_rule.items()} == {
        "missing-opt-out": "error", "mixed-content": "error", "unused-variable": "note"}
    location = by_rule["unused-variable"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "templates/a%2Cb%3A%20c.sms"
    assert location["region"] == {"startLine": 5, "startColumn": 1, "endLine": 5, "endColumn": 10}
    mixed = by_rule["mixed-content"]["locations"][0]["physicalLocation"]["region"]
    assert mixed["endColumn"] - mixed["startColumn"] == len("50% off")  # the quoted text, exactly
    assert rules[by_rule["mixed-content"]["ruleIndex"]] == "mixed-content"
    assert run["tool"]["driver"]["rules"][1]["shortDescription"]["text"]
    for descriptor in run["tool"]["driver"]["rules"]:  # bundled rules: a link to their docs section
        assert descriptor["helpUri"].endswith(f"docs/rules.md#{descriptor['id']}")
        assert descriptor["help"]["text"] != descriptor["fullDescription"]["text"]
        assert f"templater rules {descriptor['id']}" in descriptor["help"]["text"]
    assert (folder / "clean.sms").is_file()


def test_sarif_without_findings_and_with_absolute_paths_is_valid(write, tmp_path):
    clean = write("clean.sms", template_source("Acme: your order has shipped."))
    empty = json.loads(run_cli("lint", "--format", "sarif", str(clean)).stdout)
    _validator().validate(empty)
    assert empty["runs"][0]["results"] == []
    bad = write("promo.sms", template_source("Acme: 20% off.", category="promotional"))
    log = json.loads(run_cli("lint", "--format", "sarif", *SELECT, str(bad)).stdout)
    _validator().validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == bad.as_uri()


def _replace(text: str, replacements: list[dict]) -> str:
    """Apply SARIF replacements (1-based lines, code-point columns) to a text, as a viewer would."""
    lines = text.split("\n")
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(len(lines))]
    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1
    for r in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
                    reverse=True):
        d = r["deletedRegion"]
        start, end = offset(d["startLine"], d["startColumn"]), offset(d["endLine"], d["endColumn"])
        text = text[:start] + r["insertedContent"]["text"] + text[end:]
    return text


def test_sarif_fixes_are_the_rules_edits(write, tmp_path):
    write(".templater.yaml", "opt_out:\n  en: Reply STOP to opt out.\n")
    source = template_source("Acme: it\u2019s 20% off  \ntoday\u2026", category="promotional")
    path = write("promo.sms", source)
    log = json.loads(run_cli("lint", "--format", "sarif", str(path)).stdout)
    _validator().validate(log)
    fixes = {r["ruleId"]: r["fixes"] for r in log["runs"][0]["results"] if "fixes" in r}
    assert sorted(fixes) == ["missing-opt-out", "trailing-whitespace", "ucs2-encoding"]
    assert fixes["ucs2-encoding"][0]["description"]["text"].startswith("2 characters that force UCS-2")
    text = source
    for rule in ("missing-opt-out", "ucs2-encoding", "trailing-whitespace"):  # disjoint edits: any order
        [change] = fixes[rule][0]["artifactChanges"]
        assert change["artifactLocation"]["uri"] == path.as_uri()
        text = _replace(text, change["replacements"])
    assert run_cli("lint", "--fix", str(path)).exit_code == 0
    assert text == path.read_text(encoding="utf-8")
    assert text.endswith("---\nAcme: it's 20% off\ntoday...\nReply STOP to opt out.")


def test_github_annotations(write, tmp_path, monkeypatch):
    _project(write, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--format", "github", *SELECT, "templates")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[-1] == "2 errors, 1 info in 4 files"
    notice = next(line for line in lines if line.startswith("::notice "))
    # Workflow-command escapes: ',' and ':' in properties, '%' in the message.
    # line 5 is '  unused:': a finding about the whole line ends after its last character
    assert notice.startswith("::notice file=templates/a%2Cb%3A c.sms,line=5,endLine=5,col=1,endColumn=10,"
                             "title=templater unused-variable::")
    error = next(line for line in lines if "mixed-content" in line)
    start = "Acme: your order has shipped. Get ".__len__() + 1
    assert error.startswith(f"::error file=templates/mixed.sms,line=5,endLine=5,col={start},"
                            f"endColumn={start + len('50% off')},")
    assert "::'50%25 off' is promotional" in error


def test_junit_report(write, tmp_path, monkeypatch):
    _project(write, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--format", "junit", *SELECT, "templates")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "3", "3")
    cases = suite.findall("testcase")
    assert sorted(c.get("classname") for c in cases) == ["templates/a,b: c.sms", "templates/mixed.sms",
                                                          "templates/promo.sms"]
    failure = next(c for c in cases if c.get("classname") == "templates/promo.sms").find("failure")
    assert failure.get("type") == "error" and failure.text.startswith("templates/promo.sms:5:1: error missing-opt-out")
    clean = ET.fromstring(run_cli("lint", "--format", "junit", "templates/clean.sms").stdout)
    assert clean.get("failures") == "0" and clean.find("testsuite/testcase").get("name") == "lint 1 file"


def test_text_is_coloured_on_a_terminal_unless_no_color(write, tmp_path):
    write("promo.sms", template_source("Acme: 20% off.", category="promotional"))
    code, screen = run_in_terminal("lint", "--select", "missing-opt-out", "promo.sms", cwd=tmp_path)
    assert code == 1 and "\x1b[31m\x1b[1merror\x1b[0m missing-opt-out" in screen
    code, plain = run_in_terminal("lint", "--select", "missing-opt-out", "promo.sms", cwd=tmp_path,
                                  env={"NO_COLOR": "1"})
    assert code == 1 and "\x1b[" not in plain and "promo.sms:5:1: error missing-opt-out" in plain
    piped = run_cli("lint", "--select", "missing-opt-out", str(tmp_path / "promo.sms"))
    assert "\x1b[" not in piped.stdout
