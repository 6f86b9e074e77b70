"""A promotional sentence after a notice (a receipt, a delivery, a refund, a sign-up, a reminder) makes
`mixed-content` fire in a transactional template, and the notice alone does not (issue 13).

The offers are written in words the packs' own examples do not use (a frame, not a phrase, has to
catch them); `classify` says promotional on the same text and names the same span.
"""
from __future__ import annotations

import json

import pytest

from conftest import lint_json, run_cli, template_source

# (notice, offer that follows it, language)
CASES = [
    ("Thanks for your order #4471, total $42.10.", "Kids eat free every Tuesday, bring the family!", "en"),
    ("Your package was delivered at 2:14pm.", "Shipping's on us for your next order this week.", "en"),
    ("Your refund of $18 has been processed.", "Just dropped: our fall edit is here.", "en"),
    ("You're signed up! Reply STOP to opt out.", "Come celebrate with us Friday at our open house.", "en"),
    ("Reminder: your cleaning is tomorrow at 10am.", "Pair it with our whitening kit for only $29.", "en"),
    ("Your receipt: $12.50 at Bean Co.", "Treat yourself to a free pastry with any latte tomorrow.", "en"),
    ("Delivered!", "Running low on coffee? Time to reorder: {link}", "en"),
    ("Your account is verified.", "The first lesson is on the house.", "en"),
    ("Your ticket is attached.", "Upgrade to VIP seating tonight for $15.", "en"),
    ("Your delivery is scheduled for Friday.", "Spend $50 more and get a free gift.", "en"),
    ("Your order shipped!", "Our summer candles are back, get them before they sell out.", "en"),
    ("Votre commande est expédiée.", "Nos bougies d'été sont de retour, craquez avant rupture !", "fr"),
    ("Remboursement effectué.", "Les membres ont 2 locations offertes par mois : inscrivez-vous ici {lien}", "fr"),
    ("Votre table pour 4 est confirmée.", "C'est votre anniversaire ? Le dessert est pour nous.", "fr"),
    ("Merci pour votre inscription.", "Trois mois de premium pour le prix d'un.", "fr"),
    ("Votre billet est en pièce jointe.", "Passez en carré VIP ce soir pour 15 €.", "fr"),
    ("Rappel : RDV mardi 15h.", "Venez avec un ami et économisez 20 € chacun.", "fr"),
    ("Votre véhicule est prêt.", "Le prochain lavage à moitié prix si vous réservez sous 7 jours.", "fr"),
]


def _mixed_errors(tmp_path, name: str, body: str, language: str) -> list[dict]:
    path = tmp_path / f"{name}.sms"
    path.write_text(template_source("{% raw %}" + body + "{% endraw %}", "transactional", language), encoding="utf-8")
    _code, findings = lint_json("--select", "mixed-content", str(path))
    return [f for f in findings if f["rule"] == "mixed-content" and f["severity"] == "error"]


@pytest.mark.parametrize("notice, offer, language", CASES)
def test_an_offer_after_a_notice_is_mixed_content(tmp_path, notice, offer, language):
    text = f"{notice} {offer}"
    assert _mixed_errors(tmp_path, "mixed", text, language), text
    assert not _mixed_errors(tmp_path, "notice", notice, language), notice
    # classify decides the same way, and its promotional evidence lies in the offer, as written
    result = run_cli("classify", "--format", "json", "--language", language, "--text", text)
    [item] = json.loads(result.stdout)
    assert item["category"] == "promotional" and item["basis"] == "evidence"
    promotional = [e for e in item["evidence"] if e["kind"] == "promotional"]
    assert promotional and all(e["start"] >= len(notice) for e in promotional), promotional
    assert all(text[e["start"]:e["end"]].strip() == e["text"] for e in promotional)
