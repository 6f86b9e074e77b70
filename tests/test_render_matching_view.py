"""Bulk render re-checks each message as lint reads it: through the matching view (accents, SMS
abbreviations, placeholders), so a promotion visible only there is still caught at send time."""
from __future__ import annotations

import json

from conftest import run_cli

TEMPLATE = """---
id: shop.note.fr
category: transactional
language: fr
variables:
  note: {description: Note du magasin, example: "Votre commande est prête."}
---
Boutique Acme : {{ note }}
"""


def test_a_value_whose_offer_only_the_view_reads_is_rejected(tmp_path, write):
    template = write("note.fr.sms", TEMPLATE)
    notes = ["Votre commande est prete.",               # a notice without accents: sent
             "Grosse reduc sur ts les articles.",        # SMS abbreviations: an offer
             "Reduction de 20% sur tout le magasin.",   # no accent on the word the pattern spells with one
             "Profitez de [PCT]% de remise !"]          # another tool's placeholder where the number goes
    rows = ["phone,note,consent,consent_scope"] + [f"+3361234567{i},{n},express,shop.note.fr"
                                                  for i, n in enumerate(notes)]
    recipients = write("people.csv", "\n".join(rows) + "\n")
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(template), "--recipients", str(recipients), "--out", str(out),
                     "--send-at", "2025-05-06T10:00:00Z", "--jobs", "1")
    assert result.exit_code == 0, result.output
    sent = [json.loads(line)["line"] for line in out.read_text("utf-8").splitlines()]
    rejects = [json.loads(line) for line in out.with_name("out.rejects.jsonl").read_text("utf-8").splitlines()]
    assert sent == [2]
    assert sorted(r["line"] for r in rejects) == [3, 4, 5]
    assert {r["rule"] for r in rejects} == {"mixed-content"}
