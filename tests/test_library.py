"""The bundled library: every template lints clean and renders with its examples."""
from __future__ import annotations

import json

import pytest

from templater.library import entries
from templater.resources import library_dir
from conftest import lint_json, run_cli

ENTRIES = entries()
USE_CASES = {
    "promotional": {"discount", "coupon", "free-shipping", "birthday-offer", "new-product", "cart-reminder"},
    "transactional": {"welcome", "order-confirmation", "order-shipped", "delivery-update", "balance-update",
                      "payment-confirmation", "one-time-code", "appointment-confirmation", "prescription-ready",
                      "insurance-payment", "booking-confirmation", "delay-change", "host-message"},
    "conversational": {"order-status-reply", "return-policy-reply", "login-help-reply", "pickup-ready-reply",
                       "reschedule-reply", "table-wait-reply", "product-question-reply", "feedback-thanks-reply"},
}


def test_library_is_lint_clean():
    code, findings = lint_json(str(library_dir()))
    assert (code, findings) == (0, [])


def test_library_covers_every_use_case_in_both_languages():
    assert len(ENTRIES) >= 60
    for category, use_cases in USE_CASES.items():
        for lang in ("en", "fr"):
            have = {e.use_case for e in ENTRIES if e.category == category and e.language == lang}
            assert use_cases <= have, (category, lang, use_cases - have)


@pytest.mark.parametrize("entry_id", [e.id for e in ENTRIES])
def test_renders_with_its_examples(entry_id):
    result = run_cli("render", entry_id, "--example", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["id"] == entry_id and data["text"] and data["findings"] == []
    assert data["encoding"] == "GSM-7" and data["segments"] <= 3


def test_list_filters_and_json():
    result = run_cli("list", "--category", "promotional", "--language", "fr", "--format", "json")
    rows = json.loads(result.stdout)
    assert rows and all(r["category"] == "promotional" and r["language"] == "fr" for r in rows)
    assert {"id", "category", "language", "description"} <= set(rows[0])
    text = run_cli("list", "--industry", "banking").stdout.splitlines()
    assert text and all(line.startswith("banking.") for line in text)


def test_show_prints_the_stored_template():
    entry = ENTRIES[0]
    result = run_cli("show", entry.id)
    assert result.stdout == entry.path.read_text(encoding="utf-8")
