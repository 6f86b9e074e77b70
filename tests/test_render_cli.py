"""`templater render` for one message: values, examples, required variables, lint, formats."""
from __future__ import annotations

import json

from conftest import run_cli, template_source

BODY = "{{ brand }}: Hi {{ first_name }}, your order #{{ order_id }} has shipped."
VARS = {"brand": {"example": "Acme", "required": True}, "first_name": {"example": "Ana"},
        "order_id": {"example": "12345", "required": True}}


def test_vars_and_var_render_text(write):
    path = write("t.sms", template_source(BODY, variables=VARS))
    vars_file = write("v.json", json.dumps({"brand": "Zed", "order_id": "9"}))
    result = run_cli("render", str(path), "--vars", str(vars_file), "--var", "first_name=Lu")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Zed: Hi Lu, your order #9 has shipped."


def test_yaml_vars_file_and_optional_variable_defaults_to_empty(write):
    path = write("t.sms", template_source(BODY, variables=VARS))
    vars_file = write("v.yaml", "brand: Zed\norder_id: 7\n")
    result = run_cli("render", str(path), "--vars", str(vars_file))
    # The optional first_name renders empty, and "Hi ," is a placeholder leftover: the send is blocked.
    assert result.exit_code == 1 and result.stdout == ""
    assert "error placeholder-leftover 'Hi ,' looks like a placeholder left unfilled" in result.stderr


def test_missing_required_variables_are_listed_once(write):
    path = write("t.sms", template_source(BODY, variables=VARS))
    result = run_cli("render", str(path), "--var", "first_name=Ana")
    assert result.exit_code == 2
    assert "missing required variables: brand, order_id" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_example_fills_missing_values_and_json_facts(write):
    path = write("t.sms", template_source(BODY, variables=VARS))
    result = run_cli("render", str(path), "--example", "--var", "brand=Zed", "--format", "json")
    data = json.loads(result.stdout)
    assert data["text"] == "Zed: Hi Ana, your order #12345 has shipped."
    assert (data["category"], data["consent"], data["encoding"], data["segments"]) == (
        "transactional", "express", "GSM-7", 1)
    assert data["characters"] == len(data["text"])


def test_ucs2_characters_change_the_encoding(write):
    path = write("t.sms", template_source("Votre commande est prête – à très vite", language="fr"))
    data = json.loads(run_cli("render", str(path), "--format", "json").stdout)
    assert data["encoding"] == "UCS-2"
    assert {c["char"] for c in data["non_gsm"]} == {"ê", "–"}


def test_a_value_that_makes_the_message_promotional_stops_the_render(write):
    path = write("t.sms", template_source(BODY, variables=VARS))
    result = run_cli("render", str(path), "--example", "--var", "first_name=Ana, 20% off today")
    assert result.exit_code == 1
    assert "mixed-content" in result.stderr and "not rendered" in result.stderr
    assert result.stdout == ""


def test_library_id_renders_with_examples():
    result = run_cli("render", "retail.order-shipped.fr", "--example")
    assert result.exit_code == 0 and result.stdout.strip()


def test_unknown_id_and_bad_var_are_usage_errors():
    assert run_cli("render", "no.such.template").exit_code == 2
    result = run_cli("render", "retail.order-shipped.en", "--var", "novalue")
    assert result.exit_code == 2 and "NAME=VALUE" in result.stderr


def test_sandbox_blocks_attribute_walks(write):
    path = write("evil.sms", template_source("{{ ''.__class__.__mro__[1].__subclasses__() }}"))
    result = run_cli("render", str(path))
    # Refused before rendering, as lint refuses it (issue 14): unsafe-template at the attribute.
    assert result.exit_code == 1 and "error unsafe-template" in result.stderr and result.stdout == ""


def test_output_is_capped_while_rendering(write):
    path = write("long.sms", template_source("{% for i in range(900) %}ab{% endfor %}"))
    result = run_cli("render", str(path), "--max-output", "1600")
    assert result.exit_code == 2 and "1600-character limit" in result.stderr
