"""Metadata schema, language inference and unsafe-template (issue 14, defects 7-9): lint, render and
bulk render agree, through the CLI."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

SEND_AT = "2025-05-06T16:00:00Z"


def _render_codes(tmp_path: Path, path: Path) -> tuple[int, int]:
    rows = tmp_path / "rows.csv"
    rows.write_text("phone,consent,consent_scope\n+33612345678,express_written,t\n", encoding="utf-8")
    single = run_cli("render", str(path), "--example").exit_code
    bulk = run_cli("render", str(path), "--recipients", str(rows), "--out", str(tmp_path / "out.jsonl"),
                   "--send-at", SEND_AT, "--jobs", "1").exit_code
    return single, bulk


@pytest.mark.parametrize("head, key, hint", [
    ("category: promotional\nlanguage: en\nrecuring: false\n", "recuring", "recurring"),
    ("category: transactional\nlanguage: en\nconsnet: express\n", "consnet", "consent"),
    ("category: transactional\nlanguage: en\nvariabels:\n  name: {example: Ana}\n", "variabels", "variables"),
])
def test_a_misspelt_front_matter_key_is_a_finding_with_did_you_mean(write, tmp_path, head, key, hint):
    path = write("t.sms", f"---\n{head}---\nAcme: your order has shipped. Reply STOP to opt out.\n")
    code, findings = lint_json(str(path))
    found = [f for f in findings if f["rule"] == "unknown-metadata"]
    assert code == 1 and len(found) == 1 and found[0]["line"] == 4
    assert f"unknown key '{key}' (did you mean '{hint}'?)" in found[0]["message"]
    assert _render_codes(tmp_path, path) == (1, 1)


@pytest.mark.parametrize("key, hint", [("exmaple", "example"), ("requried", "required")])
def test_a_misspelt_variable_key_is_a_finding_on_the_variable_line(write, key, hint):
    path = write("t.sms", "---\ncategory: transactional\nlanguage: en\nvariables:\n  brand: {example: Acme}\n"
                          f"  name: {{{key}: Ana}}\n---\n{{{{ brand }}}}: hi {{{{ name }}}}, your order has shipped.\n")
    code, findings = lint_json(str(path))
    found = [(f["line"], f["message"]) for f in findings if f["rule"] == "unknown-metadata"]
    assert code == 1 and len(found) == 1 and found[0][0] == 6
    assert f"unknown key 'variables.name.{key}' (did you mean '{hint}'?)" in found[0][1]


def test_keys_of_your_own_start_with_x(write):
    path = write("t.sms", "---\ncategory: transactional\nlanguage: en\nx-owner: care\nvariables:\n"
                          "  name: {example: Ana, x-source: CRM}\n---\nAcme: hi {{ name }}, your order has shipped.\n")
    assert lint_json(str(path)) == (0, [])


def test_the_readme_metadata_table_lists_every_key():
    from templater.template import METADATA_KEYS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| key | meaning |"):]
    table = table[:table.index("\n\n")]
    for key in METADATA_KEYS:
        assert f"`{key}`" in table, key


FRENCH_PROMO = ("---\ncategory: promotional\nrecurring: false\n---\n"
                "Maison Lumière : -20 % sur toute la collection ce week-end ! STOP au 36111\n")


def test_a_french_body_without_language_is_linted_with_the_french_rules(write, tmp_path):
    path = write("t.sms", FRENCH_PROMO)
    code, findings = lint_json(str(path))
    assert code == 0, findings
    assert [(f["rule"], f["severity"], f["line"]) for f in findings] == [("language-not-declared", "warning", 1)]
    assert "add 'language: fr'" in findings[0]["message"]
    assert _render_codes(tmp_path, path) == (0, 0)


def test_french_offers_are_caught_without_language(write):
    path = write("t.sms", "---\ncategory: transactional\n---\nAcme : votre commande est en route. "
                          "Profitez de la livraison offerte sur votre prochaine commande.\n")
    code, findings = lint_json(str(path))
    assert code == 1
    spans = [f["message"].split("'")[1] for f in findings if f["rule"] == "mixed-content"]
    assert "livraison offerte" in spans, spans  # a French frame, which the English patterns lack


def test_english_and_declared_languages_are_left_alone(write):
    english = write("en.sms", template_source("Acme: your order has shipped. Thank you for your trust."))
    declared = write("fr.sms", "---\ncategory: transactional\nlanguage: en\n---\n"
                               "Acme : votre commande est en route. Merci pour votre confiance.\n")
    assert lint_json(str(english)) == (0, [])
    assert "language-not-declared" not in {f["rule"] for f in lint_json(str(declared))[1]}


@pytest.mark.parametrize("body, line, column, words", [
    ("Acme: {{ ''.__class__.__mro__ }}", 5, 13, "'__class__' reaches Python internals"),
    ("Acme:\n{{ self.__init__.__globals__ }}", 6, 9, "'__init__' reaches Python internals"),
    ("{% include 'footer.sms' %}Acme", 5, 4, "{% include %} reads another file"),
    ("Acme {% import 'x' as x %}", 5, 9, "{% import %} reads another file"),
    ("Acme {% for i in range(10**9) %}.{% endfor %}", 5, 18, "range() of more than 1,000 items"),
    ("Acme {{ 'a' * 10**9 }}", 5, 13, "'*' of constants builds a value"),
    ("Acme {{ 9**(9**9) }}", 5, 10, "'**' of constants builds a power"),
    ("{% macro m() %}{{ m() }}{% endmacro %}Acme {{ m() }}", 5, 4, "the macro 'm' calls itself"),
])
def test_constructs_the_sandbox_always_refuses_are_unsafe_template_errors(write, tmp_path, body, line, column, words):
    path = write("t.sms", template_source(body + " your order has shipped."))
    code, findings = lint_json(str(path))
    found = [(f["line"], f["column"], f["severity"], f["message"]) for f in findings if f["rule"] == "unsafe-template"]
    assert code == 1 and found, findings
    assert (found[0][0], found[0][1], found[0][2]) == (line, column, "error") and words in found[0][3]
    assert _render_codes(tmp_path, path) == (1, 1)


def test_what_may_render_is_not_unsafe(write):
    path = write("t.sms", template_source(
        "{% macro dots(n) %}{% if n > 0 %}.{{ dots(n - 1) }}{% endif %}{% endmacro %}"
        "Acme{{ dots(3) }} {% for i in range(3) %}{{ i }}{% endfor %} {{ '-' * 3 }} {{ 2 ** 10 }} shipped."))
    assert "unsafe-template" not in {f["rule"] for f in lint_json(str(path))[1]}
