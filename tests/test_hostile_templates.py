"""Hostile templates, round two (issue 20): each one a finding or one line, never a crash or a hang."""
from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from templater.jinja import sandbox
from conftest import lint_json, run_cli, template_source

CLI = [sys.executable, "-m", "templater.cli"]


def _under_limit(args: list[str], megabytes: int = 512, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a process whose address space is capped (RLIMIT_AS): a bound that fails to
    hold shows up as a MemoryError or a killed process instead of a clean exit."""
    limit = megabytes * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, preexec_fn=cap,
                          cwd=cwd)


# Item 1: tests were not wrapped in the limits; '%' on a string through a test builds a gigabyte.
MODULO_TESTS = {
    "literal-divisibleby": ('{{ "" if "%1000000000s" is divisibleby 1 }}Your order shipped.', {}),
    "value-divisibleby": ("{% if visits is divisibleby 10 %}Thanks!{% endif %} Your order shipped.",
                          {"visits": {"example": "%1500000000d"}}),
    "select-divisibleby": ("{{ ['%1000000000s']|select('divisibleby', 1)|list|length }} orders shipped.", {}),
    "reject-odd": ("{{ ['%1000000000s']|reject('odd')|list|length }} orders shipped.", {}),
    "even": ('{{ "" if "%1000000000s" is even }}Your order shipped.', {}),
}


@pytest.mark.parametrize("name", sorted(MODULO_TESTS))
def test_modulo_tests_take_numbers_only_under_512_mb(name: str, tmp_path: Path) -> None:
    body, variables = MODULO_TESTS[name]
    path = tmp_path / f"{name}.sms"
    path.write_text(template_source(body, variables=variables) if variables else template_source(body))
    linted = _under_limit(["lint", "--format", "json", str(path)])
    assert linted.returncode in (0, 1), linted.stderr
    found = {f["rule"]: f["message"] for f in json.loads(linted.stdout)}
    assert "takes numbers" in found.get("example-render", ""), found
    rendered = _under_limit(["render", "--example", str(path)])
    assert rendered.returncode == 2 and "takes numbers" in rendered.stderr, rendered.stderr
    assert len(rendered.stderr.strip().splitlines()) == 1


def test_numbers_still_work_with_the_modulo_tests(write) -> None:
    path = write("t.sms", template_source(
        "{% if visits is divisibleby 10 %}10th visit!{% endif %}{{ [1, 2, 3]|select('odd')|join(',') }} "
        "Your order shipped.", variables={"visits": {"example": 20}}))
    result = run_cli("render", str(path), "--var", "visits=x")
    assert result.exit_code == 2  # a text value is refused
    result = run_cli("render", str(path), "--vars", str(write("v.yaml", "visits: 20\n")))
    assert result.exit_code == 0 and result.stdout.startswith("10th visit!1,3 Your"), result.output


def test_filters_and_tests_are_an_allow_list_each_wrapped() -> None:
    env = sandbox.environment()
    assert set(env.filters) == set(sandbox.ALLOWED_FILTERS)
    assert set(env.tests) == set(sandbox.ALLOWED_TESTS)
    assert not set(sandbox.REMOVED_FILTERS) & set(env.filters)
    for func in (*env.filters.values(), *env.tests.values()):
        assert func.__code__.co_name == "guarded"


# Item 4: truncate asserts on its arguments.
@pytest.mark.parametrize("body", ["Hi {{ name|truncate(2) }}, your order shipped.",
                                  "Hi {{ name|truncate(5, leeway=-1) }}, your order shipped."])
def test_truncate_bad_arguments_are_a_finding_and_the_folder_goes_on(body: str, write, tmp_path: Path) -> None:
    write("a.sms", template_source(body, variables={"name": {"example": "Anastasia"}}))
    write("b.sms", template_source("Your order shipped!!! Call now", category=None))
    code, findings = lint_json(str(tmp_path))
    by_file = {(Path(f["path"]).name, f["rule"]) for f in findings}
    assert ("a.sms", "example-render") in by_file
    assert ("b.sms", "missing-category") in by_file
    assert code == 1
    result = run_cli("render", str(tmp_path / "a.sms"), "--var", "name=Anastasia")
    assert result.exit_code == 2 and "'truncate' filter" in result.stderr and "internal" not in result.stderr


def test_an_unexpected_error_in_one_file_is_its_finding(monkeypatch, write, tmp_path: Path) -> None:
    """The safety net: a bug on one file (here a check made to raise) never loses the others' findings."""
    from dataclasses import replace

    from templater.checks.registry import REGISTRY

    def broken(rule, ctx):
        if "boom" in ctx.template.body:
            raise KeyError("boom")
        return iter(())

    monkeypatch.setitem(REGISTRY, "missing_category", replace(REGISTRY["missing_category"], run=broken))
    write("a.sms", template_source("boom, your order shipped."))
    write("b.sms", template_source("Your order shipped. Reply STOP to opt out", category="nonsense"))
    code, findings = lint_json(str(tmp_path))
    by_file = {(Path(f["path"]).name, f["rule"]): f["message"] for f in findings}
    assert "KeyError" in by_file[("a.sms", "unreadable-file")]
    assert ("b.sms", "unknown-category") in by_file
    assert code == 1


# Item 5: a lone surrogate made by an escape.
def test_a_lone_surrogate_is_a_finding_and_a_one_line_render_error(write) -> None:
    path = write("s.sms", template_source("Acme: Hi {{ '\\ud800' }}, your order shipped."))
    _code, findings = lint_json(str(path))
    assert any(f["rule"] == "example-render" and "surrogate" in f["message"] for f in findings), findings
    result = run_cli("render", str(path))
    assert result.exit_code == 2 and "surrogate" in result.stderr and "internal" not in result.stderr


# Item 20: no Python repr, no object address, no NaN in a message.
@pytest.mark.parametrize("body, values, words", [
    ("Acme: {{ range }} shipped.", "", "description of an object"),
    ("Acme: {{ cycler }} shipped.", "", "undeclared-variable variable 'cycler'"),  # refused as lint refuses it
    ("Acme: {{ name }} shipped.", "name: [a, b]\n", "a list"),
    ("Acme: {{ name }} shipped.", "name: {a: 1}\n", "a mapping"),
    ("Acme: {{ name }} shipped.", "name: .nan\n", "finite"),
    ("Acme: {{ name }} shipped.", "name: -.inf\n", "finite"),
    ("Acme: {{ name.upper }} shipped.", "name: x\n", "description of an object"),
])
def test_values_that_would_print_as_python_are_refused(body: str, values: str, words: str, write) -> None:
    declared = {"name": {"example": "Ana"}} if "name" in body else {}  # so that lint lets it render
    path = write("t.sms", template_source(body, variables=declared) if declared else template_source(body))
    result = run_cli("render", str(path), "--vars", str(write("v.yaml", values or "{}\n")))
    assert result.exit_code == (1 if "undeclared" in words else 2) and words in result.stderr, result.output
    assert "0x" not in result.output and "<" not in result.stdout


def test_printable_values_still_print(write) -> None:
    path = write("t.sms", template_source("Acme: {{ a }} {{ b }} {{ c }} {{ d }} {{ e|join('/') }} shipped.",
                                          variables={n: {"example": "x"} for n in "abcd"} | {"e": {"example": ["x"]}}))
    values = write("v.yaml", "a: text\nb: 3\nc: 2.5\nd: 2024-05-01\ne: [x, y]\n")
    result = run_cli("render", str(path), "--vars", str(values))
    assert result.exit_code == 0 and result.stdout.startswith("Acme: text 3 2.5 2024-05-01 x/y shipped."), result.output


# Item 6 and item 20 (duplicate keys): front matter YAML Python cannot build or silently drops.
def test_huge_integers_and_duplicate_keys_in_front_matter_are_findings(write, tmp_path: Path) -> None:
    write("big.sms", "---\ncategory: transactional\nlanguage: en\nx: " + "9" * 5000 + "\n---\nYour order shipped.\n")
    write("dup.sms", "---\ncategory: promotional\nlanguage: en\ncategory: transactional\nvariables:\n"
                     "  a: {example: 1}\n  a: {example: 2}\n---\nYour order {{ a }} shipped.\n")
    write("fine.sms", template_source("Your order shipped!!! Call now", category=None))
    code, findings = lint_json(str(tmp_path))
    got = {(Path(f["path"]).name, f["line"], f["rule"]) for f in findings}
    assert ("big.sms", 4, "yaml-syntax") in got
    assert ("dup.sms", 4, "yaml-syntax") in got and ("dup.sms", 7, "yaml-syntax") in got
    assert ("fine.sms", 1, "missing-category") in got
    assert code == 1
    nested = write("nested.sms", "---\ncategory: transactional\nvariables:\n  a: {example: 1}\n  b: {example: 2}\n---\nHi.\n")
    assert not [f for f in lint_json(str(nested))[1] if f["rule"] == "yaml-syntax"]


def test_a_huge_integer_in_a_vars_file_is_one_line(write) -> None:
    path = write("t.sms", template_source("Acme: {{ n }} shipped."))
    result = run_cli("render", str(path), "--vars", str(write("v.yaml", "n: " + "9" * 5000 + "\n")))
    assert result.exit_code == 2 and "v.yaml" in result.stderr and "4300 digits" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# Item 8: values a render keeps count against one budget per render.
def test_retained_values_share_one_budget_under_512_mb(tmp_path: Path) -> None:
    body = ('{% set b = "x" * 10000 %}{% set c = b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b ~ b %}'
            + "".join('{%% set v%d = c ~ "" %%}' % i for i in range(5000)) + "Your order shipped.")
    path = tmp_path / "sets.sms"
    path.write_text(template_source(body))
    for args in (["lint", "--format", "json", str(path)], ["render", str(path)]):
        result = _under_limit(args)
        assert "keeps more than 1,000,000 characters" in result.stdout + result.stderr, result.stderr
        assert "MemoryError" not in result.stderr and "memory" not in result.stdout


@pytest.mark.parametrize("body", [
    "{% set a %}{{ 'x' * 9000 }}{% endset %}" * 120 + "Your order shipped.",
    "{% with a = 'x' * 9000 ~ 'y' %}{% endwith %}" * 120 + "Your order shipped.",
    "{% macro m() %}{{ 'x' * 9000 }}{% endmacro %}" + "{% set a = m() %}" * 120 + "Your order shipped.",
])
def test_every_way_of_keeping_a_value_is_counted(body: str, write) -> None:
    result = run_cli("render", str(write("t.sms", template_source(body))))
    assert result.exit_code == 2 and "keeps more than 1,000,000 characters" in result.stderr, result.output


def test_ordinary_sets_stay_well_within_the_budget(write) -> None:
    body = "{% set greeting = 'Hi ' ~ name %}{% with n = 3 %}{{ greeting }}, {{ n }} items shipped.{% endwith %}"
    source = template_source(body, variables={"name": {"example": "Ana"}})
    result = run_cli("render", str(write("t.sms", source)), "--var", "name=Ana")
    assert result.exit_code == 0 and result.stdout.startswith("Hi Ana, 3 items shipped."), result.output


# Item 20: what render prints on a terminal shows control characters, never acts on them.
CONTROLS = {"esc": "\x1b[2J", "osc-8": "\x1b]8;;https://evil.example\x1b\\", "bel": "\x07", "nul": "\x00",
            "rtl-override": "\u202e", "c1-csi": "\x9b"}


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_render_escapes_control_characters(name: str, write) -> None:
    path = write("t.sms", template_source("Acme: Hi {{ name }}, your order shipped.",
                                          variables={"name": {"example": "Ana"}}))
    values = write("v.json", json.dumps({"name": f"A{CONTROLS[name]}B"}))
    result = run_cli("render", str(path), "--vars", str(values))
    assert result.exit_code == 0, result.output
    shown = result.stdout.splitlines()[0]
    assert shown.isprintable() and shown.startswith("Acme: Hi A\\") and "B, your order shipped." in shown
    assert shown.encode("unicode_escape").decode().count("\\\\") >= 1  # an escape, as text
    data = json.loads(run_cli("render", str(path), "--vars", str(values), "--format", "json").stdout)
    assert CONTROLS[name] in data["text"]  # the JSON output keeps the message as it is (escaped by JSON)


def test_errors_and_findings_escape_control_characters(write) -> None:
    path = write("t\x1b[31m.sms", template_source("Acme: your order shipped.", category=None))
    result = run_cli("render", str(path))
    assert result.exit_code == 1 and "\x1b" not in result.stderr and "t\\x1b[31m.sms" in result.stderr
    linted = run_cli("lint", str(path))
    assert "\x1b" not in linted.stdout and "\\x1b[31m" in linted.stdout
