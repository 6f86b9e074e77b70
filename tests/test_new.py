"""`templater new`: library templates made the user's own, clean for every use case and language."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import lint_json, run_cli
from terminal import run_in_terminal

from templater.generate import use_cases
from templater.library import entries

CASES = use_cases()


def _body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_every_use_case_and_language_lints_clean(tmp_path):
    made = []
    for case, by_lang in CASES.items():
        for lang in by_lang:
            result = run_cli("new", case, "--lang", lang, "--brand", "Northwind", "-o", str(tmp_path))
            assert result.exit_code == 0, result.output
            made.append(tmp_path / f"{case.split('.', 1)[1]}.{lang}.sms")
    assert len(made) == len(entries()) and all(p.is_file() for p in made)
    code, findings = lint_json(str(tmp_path))
    assert (code, findings) == (0, [])
    for path in made:
        assert _body(path).startswith("Northwind: ") and "brand" not in _body(path)
        assert 'brand: "Northwind"' in path.read_text(encoding="utf-8")


def test_configured_opt_out_wording_replaces_the_library_one_and_lints_clean(tmp_path):
    (tmp_path / ".templater.yaml").write_text(
        "opt_out:\n  en: Text STOP to unsubscribe.\n  fr: STOP SMS au 36111\n", encoding="utf-8")
    promotional = [e for e in entries() if e.category == "promotional"]
    for entry in promotional:
        result = run_cli("new", entry.id, "--brand", "Northwind", "-o", str(tmp_path / "out"))
        assert result.exit_code == 0, result.output
    code, findings = lint_json(str(tmp_path / "out"))
    assert (code, findings) == (0, [])
    for entry in promotional:
        body = _body(tmp_path / "out" / f"{entry.use_case}.{entry.language}.sms")
        wording = "Text STOP to unsubscribe." if entry.language == "en" else "STOP SMS au 36111"
        assert body.count("STOP") == 1 and body.rstrip().endswith(wording)


def test_a_library_id_names_its_language_and_the_file(tmp_path):
    result = run_cli("new", "retail.order-shipped.fr", "--brand", "Maison Lumière", "-o", str(tmp_path))
    assert result.exit_code == 0
    path = tmp_path / "order-shipped.fr.sms"
    assert f"created {path} from retail.order-shipped.fr" in result.output
    text = path.read_text(encoding="utf-8")
    assert "id: order-shipped.fr\n" in text and "language: fr\n" in text
    rendered = run_cli("render", str(path), "--example")
    assert rendered.exit_code == 0 and rendered.stdout.startswith("Maison Lumière: Bonjour Camille")


def test_brand_language_and_output_folder_come_from_the_configuration(tmp_path):
    (tmp_path / ".templater.yaml").write_text("language: fr\nbrand: Maison Lumière\n", encoding="utf-8")
    result = run_cli("new", "order-shipped", "-o", str(tmp_path / "templates"))
    assert result.exit_code == 0, result.output
    assert _body(tmp_path / "templates" / "order-shipped.fr.sms").startswith("Maison Lumière: Bonjour")


def test_without_a_terminal_missing_options_fail_and_are_listed(tmp_path):
    result = run_cli("new", "retail.order-shipped", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "missing --language and --brand" in result.output and "set language and brand" in result.output
    assert list(tmp_path.iterdir()) == []


def test_on_a_terminal_it_prompts_for_what_is_missing(tmp_path):
    code, screen = run_in_terminal("new", "retail.order-shipped", "-o", "out", cwd=tmp_path, answers=("fr", "Acme", ""))
    assert code == 0, screen
    assert "Language (en, fr):" in screen and "Brand (the sender name that opens every message):" in screen
    assert _body(tmp_path / "out" / "order-shipped.fr.sms").startswith("Acme: Bonjour")
    assert "\nmarket: fr\n" in (tmp_path / "out" / "order-shipped.fr.sms").read_text(encoding="utf-8")  # the default


def test_new_asks_for_the_market_and_lints_the_template_for_it(tmp_path):
    # Issue 21: the market decides the law; a French discount for Quebec is linted under CASL.
    code, screen = run_in_terminal("new", "retail.coupon", "-o", "out", cwd=tmp_path, answers=("fr", "Acme", "ca"))
    assert code == 0, screen
    assert "Market, where the messages go (us, fr, ca, gb, or several: us,ca) [fr]:" in screen
    made = tmp_path / "out" / "coupon.fr.sms"
    assert "\nmarket: ca\n" in made.read_text(encoding="utf-8")
    # Without a terminal: --market, else the configuration's, else the library template's own.
    result = run_cli("new", "retail.coupon.en", "--brand", "Acme", "--market", "us,ca", "-o", str(tmp_path / "two"))
    assert result.exit_code == 0, result.output
    assert "\nmarket: [us, ca]\n" in (tmp_path / "two" / "coupon.en.sms").read_text(encoding="utf-8")
    bad = run_cli("new", "retail.coupon.en", "--brand", "Acme", "--market", "eu", "-o", str(tmp_path / "bad"))
    assert bad.exit_code == 2 and "'eu' is not a market templater knows (us, fr, ca, gb)" in bad.output


def test_an_existing_file_is_kept_unless_forced(tmp_path):
    target = tmp_path / "welcome.en.sms"
    target.write_text("mine", encoding="utf-8")
    result = run_cli("new", "retail.welcome.en", "--brand", "Acme", "-o", str(tmp_path))
    assert result.exit_code == 2 and "already exists" in result.output and "--force" in result.output
    assert target.read_text(encoding="utf-8") == "mine"
    assert run_cli("new", "retail.welcome.en", "--brand", "Acme", "-o", str(tmp_path), "--force").exit_code == 0
    assert _body(target).startswith("Acme: ")


def test_bad_names_brands_and_languages_are_usage_errors(tmp_path):
    unknown = run_cli("new", "retail.order-shiped", "--lang", "en", "--brand", "Acme", "-o", str(tmp_path))
    assert unknown.exit_code == 2 and "did you mean 'retail.order-shipped'" in unknown.output
    braces = run_cli("new", "retail.welcome.en", "--brand", "Acme {{ x }}", "-o", str(tmp_path))
    assert braces.exit_code == 2 and "--brand" in braces.output and "braces" in braces.output
    clash = run_cli("new", "retail.welcome.en", "--lang", "fr", "--brand", "Acme", "-o", str(tmp_path))
    assert clash.exit_code == 2 and "retail.welcome with --language fr" in clash.output
    assert list(tmp_path.iterdir()) == []


def test_list_json_ids_are_accepted_by_new(tmp_path):
    listed = json.loads(run_cli("list", "--format", "json", "--category", "conversational").stdout)
    first = listed[0]["id"]
    assert run_cli("new", first, "--brand", "Acme", "-o", str(tmp_path)).exit_code == 0
    assert len(list(tmp_path.glob("*.sms"))) == 1


def test_new_takes_language_and_out_like_the_other_commands_and_hides_the_old_spellings(tmp_path):
    result = run_cli("new", "retail.order-shipped", "--language", "fr", "--brand", "Acme", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "order-shipped.fr.sms").read_text("utf-8").count("Acme") >= 1
    help_text = run_cli("new", "--help").output
    assert "--language" in help_text and "--out" in help_text
    assert "--lang " not in help_text and "--output" not in help_text and "-o," not in help_text
