"""`templater classify` on literal text, files, standard input and templates."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli, template_source


def classify_json(*args: str, input: str | None = None) -> list[dict]:
    result = run_cli("classify", "--format", "json", *args, input=input)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("text, category, signal", [
    ("Your order #A1234 has shipped. Use code SAVE20 for 20% off!", "promotional", "coupon-code"),
    ("Your verification code is 482913.", "transactional", "one-time-code"),
    ("Yes, we're open until 9pm today.", "conversational", None),
    ("Votre panier vous attend ! Finalisez votre achat.", "promotional", "cart-reminder"),
    ("Votre paiement de 42,10 € a bien été reçu.", "transactional", "payment-confirmation"),
])
def test_text_categories_and_evidence(text, category, signal):
    [item] = classify_json("--text", text)
    assert item["category"] == category
    assert item["consent"] == {"promotional": "express_written", "transactional": "express",
                               "conversational": "implied"}[category]
    signals = {e["signal"] for e in item["evidence"]}
    if signal:
        assert signal in signals
        ev = next(e for e in item["evidence"] if e["signal"] == signal)
        assert text[ev["start"]:ev["end"]].strip() == ev["text"]
    else:
        assert signals == set()


def test_plain_text_file_and_stdin(write):
    path = write("msg.txt", "Bon anniversaire ! -15 % sur tout le magasin cette semaine.")
    items = classify_json(str(path), "-", input="Flash sale today: 30% off.")
    assert [(i["path"], i["category"], i["language"]) for i in items] == [
        (str(path), "promotional", "fr"), ("-", "promotional", "en")]


def test_language_override_applies_only_that_languages_markers():
    [en] = classify_json("--language", "en", "--text", "Livraison offerte dès 30 €")
    [fr] = classify_json("--language", "fr", "--text", "Livraison offerte dès 30 €")
    # No English marker matches French words (the learned scorer, a separate opinion, may still
    # read the offer: its evidence is its own signal).
    assert {e["signal"] for e in en["evidence"]} <= {"scorer"}
    assert fr["category"] == "promotional" and "free-shipping" in {e["signal"] for e in fr["evidence"]}


def test_template_compares_inferred_and_declared(write):
    path = write("t.sms", template_source("Your order has shipped. Enjoy free shipping next time!",
                                          category="transactional"))
    [item] = classify_json(str(path))
    assert item["declared"] == "transactional" and item["category"] == "promotional"
    assert item["agrees"] is False
    text = run_cli("classify", str(path)).stdout
    assert "declared transactional, but the content reads as promotional" in text


def test_missing_input_is_a_usage_error():
    result = run_cli("classify")
    assert result.exit_code == 2


def test_missing_file_is_an_input_error(tmp_path):
    result = run_cli("classify", str(tmp_path / "none.txt"))
    assert result.exit_code == 2 and "none.txt: no such file" in result.stderr
