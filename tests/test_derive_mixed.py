"""benchmarks/derive_mixed.py: the derived mixed messages (a real notice + a real promotional sentence of
the same source). Checked by ids, counts and hashes, never by printing a text: some rows are in the
frozen split, which is measured, never read."""
from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from test_accuracy_benchmark import _load, corpus_split

derive_mixed = _load("derive_mixed")


def _digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def test_the_committed_file_is_what_the_script_writes_every_time() -> None:
    first = derive_mixed.render(derive_mixed.with_ids(derive_mixed.derive(derive_mixed.real_rows())))
    again = derive_mixed.render(derive_mixed.with_ids(derive_mixed.derive(derive_mixed.real_rows())))
    assert _digest(first) == _digest(again)
    assert _digest(derive_mixed.OUT.read_bytes()) == _digest(first), "run python benchmarks/derive_mixed.py"


def test_derived_rows_keep_every_group_in_its_split() -> None:
    every = corpus_split.load_rows()
    real = [r for r in every if not corpus_split.derived(r)]
    assert len(real) < len(every)
    assert corpus_split.frozen_groups((r["group"], r.get("batch")) for r in every) == \
        corpus_split.frozen_groups((r["group"], r.get("batch")) for r in real)


def test_each_derived_row_is_its_base_plus_a_promotional_sentence_of_the_same_source() -> None:
    real = {r["id"]: r for r in derive_mixed.real_rows()}
    rows = [r for r in corpus_split.load_rows() if corpus_split.derived(r)]
    by_language = Counter(r["language"] for r in rows)
    assert by_language["en"] >= 40 and by_language["fr"] >= 20 and sum(by_language.values()) >= 62
    assert [r["id"] for r in rows] == [f"{lang}-d{i:04d}" for lang in ("en", "fr")
                                       for i in range(1, by_language[lang] + 1)]
    assert len({r["text"] for r in rows} | {r["text"] for r in real.values()}) == len(rows) + len(real)
    per_group = Counter(r["group"] for r in rows)
    assert max(per_group.values()) <= 3
    for row in rows:
        base, promo = (real[i] for i in row["derived_from"])
        assert (base["label"], promo["label"]) == (row["base_category"], "promotional"), row["id"]
        assert not base.get("near_miss") and row["near_miss"] is False and row["label"] == "mixed", row["id"]
        assert base["group"] == promo["group"] == row["group"] and row["source"] == base["source"], row["id"]
        assert base["language"] == promo["language"] == row["language"], row["id"]
        assert (row.get("batch"), row.get("in_reply_to")) == (base.get("batch"), base.get("in_reply_to")), row["id"]
        # Taking one offer sentence of the promotional message out gives the base message back.
        offers = [s for s in derive_mixed.sentences(promo["text"]) if derive_mixed.offer_words(s, row["language"])]
        assert any(row["text"].replace(sep + s, "", 1) == base["text"].rstrip()
                   for s in offers for sep in (" ", "\n")), row["id"]


@pytest.mark.parametrize("text,language,expected", [
    ("Hi Sam! Spring sale: 20% off all candles this weekend. Reply STOP to opt out.", "en",
     "Spring sale: 20% off all candles this weekend."),
    ("Hey there! Show this text for a free coffee with any pastry. See you soon!", "en",
     "Show this text for a free coffee with any pastry."),
    ("If now's not a good time, just let me know and I'll back off. We're 100% guaranteed.", "en", None),
    ("Bonjour Léa ! -15% sur toute la boutique avec le code NOEL15. STOP au 36111", "fr",
     "-15% sur toute la boutique avec le code NOEL15."),
    ("Special offer: ${data.offer} valid until ${data.code ? x : y}", "en", None),  # cut inside a placeholder
])
def test_the_offer_sentence_is_the_one_with_offer_wording_never_a_greeting_or_an_opt_out(
        text: str, language: str, expected: str | None) -> None:
    found = derive_mixed.offer_sentence(text, language)
    assert (found[1] if found else None) == expected


@pytest.mark.parametrize("base,expected", [
    ("Your order has shipped.", "Your order has shipped. Use code SAVE20."),
    ("Your order has shipped: {{url}}", "Your order has shipped: {{url}}\nUse code SAVE20."),
    ("Order confirmed!\nTrack: {{url}}", "Order confirmed!\nTrack: {{url}}\nUse code SAVE20."),
    ("Your order has shipped. Reply STOP to opt out.", "Your order has shipped. Use code SAVE20. Reply STOP to opt out."),
    ("Order confirmed!\nTrack: {{url}}\nMsg&data rates may apply. Reply STOP to end",
     "Order confirmed!\nTrack: {{url}}\nUse code SAVE20.\nMsg&data rates may apply. Reply STOP to end"),
])
def test_the_sentence_follows_the_notice_and_precedes_its_closing_opt_out(base: str, expected: str) -> None:
    assert derive_mixed.join(base, "Use code SAVE20.") == expected


def test_a_new_batch_keeps_every_earlier_derived_id() -> None:
    """Later batches add new sources only, and derived rows are ordered by their base's batch: the
    rows derived before the latest batch came keep their ids."""
    real = derive_mixed.real_rows()
    latest = max(derive_mixed.batch_rank(r.get("batch")) for r in real)
    before = [r for r in real if derive_mixed.batch_rank(r.get("batch")) < latest]
    earlier = derive_mixed.with_ids(derive_mixed.derive(before))
    now = {r["id"]: r for r in derive_mixed.with_ids(derive_mixed.derive(real))}
    assert earlier and len(now) > len(earlier)
    assert [r["id"] for r in earlier if now.get(r["id"]) != r] == []
