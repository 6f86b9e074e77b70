"""Invisible and look-alike characters cannot hide an offer (issue 20 item 17), in a body or a value."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from templater.text import _LOOKALIKES, fold, fold_map
from conftest import lint_json, run_cli, template_source

HIDDEN = {
    "zero-width space": "Use co\u200bde SAVE20 at checkout.",
    "soft hyphen": "Use co\u00adde SAVE20 for 20% o\u00adff.",
    "word joiner": "Use co\u2060de SAVE20 today.",
    "tag characters": "Use code\U000e0020\U000e0041 SAVE20 today.",
    "cyrillic o": "Use c\u043ede SAVE20 for 20% \u043eff.",
    "full-width": "Use \uff43\uff4f\uff44\uff45 SAVE20 today.",
    "combining mark": "Take 20% o\u0336ff today, use c\u0301ode SAVE20.",
    "mathematical bold": "Use \U0001d41c\U0001d428\U0001d41d\U0001d41e SAVE20 today.",
    "small capitals": "Use \u1d04\u1d0f\u1d05\u1d07 SAVE20 today.",
    "accented look-alike": "Use c\u00f3de SAVE20 today.",
}
PLAIN = {
    "enjoy a discount": "Enjoy a discount: SAVE20 at checkout!",
    "twenty percent": "Take twenty percent off with promo SAVE20!",
}


@pytest.mark.parametrize("name", sorted({**HIDDEN, **PLAIN}))
def test_hidden_offers_in_a_transactional_body_are_found(name: str, write) -> None:
    text = {**HIDDEN, **PLAIN}[name]
    path = write("t.sms", template_source(f"Acme: your order shipped. {text}"))
    code, findings = lint_json("--select", "mixed-content,invisible-character", str(path))
    assert code == 1 and any(f["rule"] == "mixed-content" for f in findings), findings


@pytest.mark.parametrize("name", sorted(HIDDEN))
def test_hidden_offers_in_values_are_refused_at_send_time(name: str, tmp_path: Path, write) -> None:
    template = write("t.sms", template_source("Acme: your order shipped. {{ note }}",
                                              variables={"note": {"example": "Thanks"}}))
    people = write("people.jsonl", "".join(json.dumps({"phone": f"+1212555010{i}", "consent": "express",
                                                       "consent_scope": "t", "note": note}) + "\n"
                                           for i, note in enumerate([HIDDEN[name], "Thanks"])))
    out = tmp_path / "o.jsonl"
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(out),
                     "--send-at", "2025-05-06T16:00:00Z")
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["line"] for x in out.read_text().splitlines()] == [2]
    [reject] = [json.loads(x) for x in (tmp_path / "o.rejects.jsonl").read_text().splitlines()]
    assert (reject["reason"], reject["rule"]) == ("lint-error", "mixed-content")
    one = run_cli("render", str(template), "--var", f"note={HIDDEN[name]}")
    assert one.exit_code == 1 and "mixed-content" in one.stderr


def test_positions_point_into_the_original_text(write) -> None:
    body = "Acme: a\u200b\u200bb \uff43 \ufb01ne.\nUse c\u043ede SAVE20 at checkout."
    path = write("t.sms", template_source(body))
    _code, findings = lint_json("--select", "mixed-content,invisible-character", str(path))
    places = sorted((f["rule"], f["line"], f["column"]) for f in findings)
    body_line = 4  # after '---', category, language, '---'
    assert ("mixed-content", body_line + 2, 1) in places  # 'Use c\u043ede SAVE20' starts the second line
    assert [p for p in places if p[0] == "invisible-character"] == [
        ("invisible-character", body_line + 1, 8), ("invisible-character", body_line + 1, 9)]


def test_ordinary_text_is_not_changed_by_folding(write) -> None:
    assert fold("Votre commande est prête : l\u2019été à Noël, ça va ?") == \
        "Votre commande est prête : l'été à Noël, ça va ?"  # accents kept, the apostrophe as normalize() has it
    assert fold("Zoé 🎉 ❤️ 👨\u200d👩\u200d👧 ñ ü ß") == "Zoé 🎉 ❤ 👨👩👧 ñ ü ß"  # only joiners and selectors go
    assert fold_map("Your order")[1] is None  # ASCII: the text itself, offsets unchanged
    assert all(len(k) == len(v) == 1 for k, v in _LOOKALIKES.items())
    clean = write("ok.sms", template_source("Acme: your order shipped ❤️ 👨\u200d👩\u200d👧. Voilà, Zoé!"))
    assert not [f for f in lint_json(str(clean))[1] if f["rule"] in ("mixed-content", "invisible-character")]


@pytest.mark.parametrize("text", ["Your employee discount was applied to order 1234.",
                                  "Battery at twenty percent: charge your tracker soon.",
                                  "Pay at checkout with the card ending 4242.",
                                  "Your one-time c\u043ede is 482913."])
def test_near_misses_stay_transactional(text: str, write) -> None:
    path = write("t.sms", template_source(f"Acme: {text}"))
    assert not [f for f in lint_json("--select", "mixed-content", str(path))[1]]
