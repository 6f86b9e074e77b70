"""Guards (a signal's `covers`): the customer's own event naming an offer-looking word is no offer (issue 13).

A covering signal's evidence drops the promotional markers it names within its reach (its match, its
sentence, the rest of the message, the whole message); a marker outside that reach still counts, so a
real offer beside the customer's own event is still mixed content.
"""
from __future__ import annotations

import json

import pytest

from conftest import lint_json, run_cli, template_source


def classify(text: str, language: str) -> dict:
    result = run_cli("classify", "--format", "json", "--language", language, "--text", text)
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.stdout)
    return item


@pytest.mark.parametrize("text, language, guard", [
    ("🎁 Sam! You've redeemed 500 points for: 10% Off Coupon\n\nBalance: 1,850 points remaining", "en", "reward-redeemed"),
    ("Great news Sam! A massage spot opened up on May 3 at 2pm. Reply YES within 30 min to book. "
     "First come, first served!", "en", "waitlist-opening"),
    ("Sam, you have 3 class credits expiring on May 3! Don't lose them - book now: acme.com/b", "en", "expiring-balance"),
    ("Hi Sarah, Max is due for his annual vaccinations this month. Book now: acme.vet/b", "en", "care-due"),
    ("Acme reminder: we still need your order for Friday. Order now: acme.com/o or reply NO to skip this week.",
     "en", "standing-order"),
    ("Welcome to the Acme VIP list! Stay tuned for exclusive deals. Reply STOP to opt out.", "en", "program-welcome"),
    ("Your promo code SPRING expired on May 1.", "en", "own-incentive"),
    ("Your order shipped with free shipping. Track it: acme.com/t", "en", "own-incentive"),
    ("The boots you asked us to tell you about are back in stock: grab yours at acme.com/p/1", "en", "stock-alert"),
    ("Votre code promo PRINTEMPS a bien été appliqué à votre commande n°1234.", "fr", "own-incentive"),
    ("Bonne nouvelle : une place s'est libérée jeudi à 18h pour votre cours. Réservez vite : acme.fr/r", "fr",
     "waitlist-opening"),
    ("Bienvenue au club Acme ! Vous recevrez nos offres exclusives par SMS. STOP au 36111.", "fr", "program-welcome"),
    ("Bravo ! Vous avez gagné au jeu concours : un bon d'achat de 20 €. Code : JEU20.", "fr", "prize-won"),
    ("Congratulations Sam, you've been upgraded to Platinum! Enjoy free shipping and early access.", "en", "tier-reached"),
    ("Your balance is only $3.10. Top up at acme.com.", "en", "amount-stated"),
    ("Vous ne recevrez plus nos promotions par SMS. Envoyez START pour revenir.", "fr", "opt-out-scope"),
])
def test_the_customers_own_event_is_not_an_offer_and_lint_agrees(text, language, guard, write):
    item = classify(text, language)
    # the answer to STOP is a reply; every other guard is the customer's own transactional event
    assert item["category"] == ("conversational" if guard == "opt-out-scope" else "transactional"), item["evidence"]
    assert [e for e in item["evidence"] if e["signal"] == guard], item["evidence"]
    assert not [e for e in item["evidence"] if e["kind"] == "promotional"]
    code, findings = lint_json(str(write("notice.sms", template_source("{% raw %}" + text + "{% endraw %}",
                                                                        "transactional", language))))
    assert not [f for f in findings if f["rule"] == "mixed-content"], findings


@pytest.mark.parametrize("text, language, marker", [
    ("Reward redeemed! Use code SAVE20 for 20% off your next order.", "en", "coupon-code"),
    ("You've redeemed 500 points for a free coffee. This week only: 20% off all pastries!", "en", "discount"),
    ("A spot opened up on May 3! Reply YES to book. Use code SPOT10 for 10% off.", "en", "coupon-code"),
    ("Thanks for joining our VIP list! Get 15% off your first order with code VIP15.", "en", "discount"),
    ("You've reached Gold! This weekend only: 20% off everything.", "en", "discount"),
    ("Your order has shipped! New arrivals just dropped: shop now at acme.com.", "en", "call-to-buy"),
    ("Votre code promo a bien été appliqué. Profitez aussi de -20 % sur les accessoires ce week-end !", "fr", "discount"),
])
def test_an_offer_outside_the_guards_reach_is_still_mixed_content(text, language, marker, write):
    item = classify(text, language)
    assert item["category"] == "promotional"
    assert marker in {e["signal"] for e in item["evidence"]}
    _code, findings = lint_json(str(write("notice.sms", template_source(text, "transactional", language))))
    assert [f for f in findings if f["rule"] == "mixed-content" and f["severity"] == "error"], findings


def test_a_reply_proposing_a_call_is_conversational_not_outreach():
    text = "Hey Sam, thanks for reaching out to Acme. What's the best time today for a quick call?"
    item = classify(text, "en")
    assert item["category"] == "conversational"
    assert not [e for e in item["evidence"] if e["signal"] == "outreach"]


@pytest.mark.parametrize("covers, message", [
    ("{signals: [no-such-signal]}", "'covers' names 'no-such-signal', which is not a promotional signal"),
    ("{signals: [one-time-code]}", "'covers' names 'one-time-code', which is not a promotional signal"),
    ("{signals: [discount], reach: paragraph}", "'covers' 'reach' must be one of match, sentence, after, message"),
    ("[discount]", "'covers' maps 'signals'"),
])
def test_a_bad_covers_is_a_one_line_load_error(covers, message, write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/guard.en.yaml", "pack: guard\nlanguage: en\nsignals:\n  - id: house-guard\n"
                                 "    signal: transactional\n    label: a guard\n    doc: A guard.\n"
                                 f"    covers: {covers}\n    patterns: ['\\bours\\b']\n"
                                 "    examples: {fail: ['ours'], pass: ['yours']}\n")
    result = run_cli("lint", str(write("notice.sms", template_source("Your order shipped."))))
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "guard.en.yaml" in result.stderr and message in result.stderr
