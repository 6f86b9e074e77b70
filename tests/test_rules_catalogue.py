"""The rule catalogue: `templater rules`, `templater rules RULE-ID`, and docs/rules.md kept in step."""
from __future__ import annotations

import json
from pathlib import Path

from templater import api, catalogue
from conftest import run_cli

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_rules_md_is_generated_from_the_packs() -> None:
    expected = catalogue.markdown(api.ruleset())
    assert DOCS.read_text(encoding="utf-8") == expected, (
        f"docs/rules.md is stale: run `{catalogue.DOC_COMMAND}` and commit it")


def test_markdown_option_prints_the_docs() -> None:
    result = run_cli("rules", "--markdown")
    assert result.exit_code == 0
    assert result.stdout == catalogue.markdown(api.ruleset())


def test_listing_has_every_rule_with_severity_category_and_languages() -> None:
    result = run_cli("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["RULE", "SEVERITY", "CATEGORY", "APPLIES", "TO", "MARKETS", "LANGUAGES"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == set(api.ruleset().rules)
    assert rows["url-shortener"][1:4] == ["error", "links", "all"]
    assert rows["missing-help"][-2:] == ["en,", "fr"]
    assert rows["missing-sender"][3] == "promotional,"


def test_json_listing() -> None:
    result = run_cli("rules", "--format", "json")
    data = {r["id"]: r for r in json.loads(result.stdout)}
    assert data["ucs2-encoding"] == {
        "id": "ucs2-encoding", "severity": "warning", "category": "encoding", "applies_to": "all",
        "languages": ["any"], "markets": ["us", "fr", "ca", "gb"], "sources": {}, "rendered_messages": True,
        "summary": api.ruleset().rules["ucs2-encoding"].summary}
    assert data["shaft-alcohol"]["languages"] == ["en", "fr"] and data["shaft-alcohol"]["category"] == "shaft"
    assert data["missing-in-reply-to"]["rendered_messages"] is False


def test_explaining_a_rule_shows_a_failing_and_a_passing_example() -> None:
    result = run_cli("rules", "url-shortener")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("url-shortener: A link uses a shared public URL shortener")
    assert "severity error, category links, applies to all templates, languages any" in out
    fails, passes = out.split("\nFails:\n")[1].split("\nPasses:\n")
    assert "https://bit.ly/3xYz12" in fails
    assert "=> example.sms:5:" in fails and "error url-shortener 'bit.ly' is a shared public URL shortener" in fails
    assert "https://smart.com/t/12345" in passes and "=>" not in passes


def test_explaining_a_rule_lists_its_options() -> None:
    out = run_cli("rules", "too-many-segments").stdout
    assert "options (change them in the configuration):\n  max_segments: 3" in out


def test_unknown_rule_is_one_line_with_a_suggestion() -> None:
    result = run_cli("rules", "url-shortner")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("templater: error: unknown rule 'url-shortner' (did you mean 'url-shortener'?): "
                                     "'templater rules' lists them all")


def test_one_rule_as_markdown() -> None:
    result = run_cli("rules", "spam-emoji", "--markdown")
    assert result.stdout.startswith("### `spam-emoji`\n\n**warning** · category `spam`")
    assert result.stdout in DOCS.read_text(encoding="utf-8")


def test_control_characters_in_examples_are_escaped_in_the_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert "\\x00binary" in text and "\x00" not in text
