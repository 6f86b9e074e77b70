"""Write benchmarks/corpus/derived-mixed.jsonl: mixed messages derived from the corpus's real ones.

Run `python benchmarks/derive_mixed.py` from the repository root after the corpus changes (a test
checks the committed file is what the script writes). Standard library only, no randomness.

A derived mixed message is the mistake templater exists to catch, built from one business's own
words: a real transactional or conversational message of a source group, then one real
promotional sentence taken from a promotional message of the same group and language, joined as
the business would (a newline when the notice runs over several lines or does not end a sentence,
else a space; before the notice's closing opt-out line if it has one).

* Bases: the group's transactional and conversational rows that are neither near misses nor
  already mixed nor answers to STOP, in corpus order.
* The promotional sentence: each promotional message of the group is cut into sentences (at line
  breaks and after . ! ? followed by a space). A sentence is kept when it has at least three words,
  carries no opt-out wording (`OPT_OUT`: "Reply STOP", "STOP au 36xxx", unsubscribe...), has
  balanced brackets (else it was cut inside a placeholder) and carries offer wording itself: at
  least one of `OFFER`, looked for outside links (a percentage below 100, "20% off" / "off your...",
  or an offer word such as save, sale, discount, deal, offer, free, code, coupon, promo, price drop,
  best price, cheap / remise, réduction, offert, gratuit, soldes, code, promo). Greetings and
  sign-offs hold none, so they are never picked. A message's sentence is the one with the most
  distinct offer words (the first of equals). This is a fixed word list, not templater's
  detectors, which would make the measure circular.
* Pairing: the group's k first bases, each with the sentence of a different promotional message
  while there are some (the messages ordered by their sentence's offer words, most first, then
  corpus order); k = `PER_GROUP[language]` (3 in French, which has few groups, 1 in English), and at
  most 3 per group in all languages together (French chosen first), so that no group dominates.
* Each row keeps the corpus schema: `label: "mixed"`, `base_category` = the base's label, the base's
  `source`, `batch` (absent when the base has none: a group is frozen by the batches of its rows,
  benchmarks/corpus_split.py, so a derived row moves no group) and `in_reply_to`,
  `labelled_by: "derived"`, `near_miss: false`, `derived_from: [base id, promotional id]`.

benchmarks/accuracy.py counts derived rows in the mixed-content recall only, reported apart from
the real mixed messages as well as together; the scorer is never trained on them.

Every row is processed alike, frozen split included; the script prints counts only, never a text.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_split  # noqa: E402

OUT = corpus_split.CORPUS_DIR / "derived-mixed.jsonl"
PER_GROUP = {"fr": 3, "en": 1}  # derived rows of a language per source group; French (few groups) first
MAX_PER_GROUP = 3  # all languages together
BASES = ("transactional", "conversational")
LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|fr|co|ly|io|net|org|shop|link)(?:/\S*)?",
                  re.IGNORECASE)
OPT_OUT = re.compile(r"(?-i:\bSTOP\b)|\bstop (?:to|au|sms)\b|opt[- ]?out|unsubscribe|d[ée]sinscri|d[ée]sabonn"
                     r"|msg\s*&\s*data|message and data rates", re.IGNORECASE)
PERCENT = r"(?<!\d)(?:[1-9]\d?|\})\s*%"  # 1 to 99 percent or a placeholder's: not "100% guaranteed"
OFFER = {
    "en": [PERCENT, r"(?:\d|\}|%)\s*off\b|\boff\s+(?:your|all|any|every|our|the|select|sitewide|everything|first|next)\b",
           r"\bsav(?:e|es|ing|ings)\b", r"\bsales?\b", r"\bdiscounts?\b", r"\bdeals?\b",
           r"\boffers?\b", r"\bfree\b", r"\bcodes?\b", r"\bcoupons?\b", r"\bpromo\w*", r"\bbogo\b", r"\bbuy one\b",
           r"\bspecials?\b", r"\bexclusive\b", r"\bbonus\b", r"\brewards?\b", r"\bprice drops?\b|\bdropped from\b",
           r"\bbest (?:price|rate)s?\b", r"\bcheap\w*"],
    "fr": [PERCENT, r"\bremises?\b", r"\br[ée]ductions?\b", r"\boffert(?:e|s|es)?\b", r"\boffres?\b",
           r"\bgratuit(?:e|s|es)?\b", r"\bsoldes?\b", r"\bcodes?\b", r"\bpromo\w*", r"\bbons? d'achat\b",
           r"\bcadeaux?\b", r"\bexclusi\w+", r"\bvente priv[ée]e\b", r"\bprofitez\b", r"\bprix\b"],
}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """The sentences of a message: its lines, each cut after . ! ? followed by a space."""
    return [s.strip() for line in text.splitlines() for s in SENTENCE_END.split(line) if s.strip()]


def offer_words(sentence: str, language: str) -> int:
    """How many distinct offer words (OFFER) the sentence holds outside links; 0 when it is too short,
    holds opt-out wording or was cut inside a placeholder (unbalanced brackets)."""
    if len(sentence.split()) < 3 or OPT_OUT.search(sentence) or any(
            sentence.count(a) != sentence.count(b) for a, b in ("{}", "()", "[]")):
        return 0
    bare = LINK.sub(" ", sentence)
    return sum(bool(re.search(p, bare, re.IGNORECASE)) for p in OFFER[language])


def offer_sentence(text: str, language: str) -> tuple[int, str] | None:
    """(offer words, sentence) of the message's sentence carrying the most offer words, or None."""
    scored = [(offer_words(s, language), -i, s) for i, s in enumerate(sentences(text))]
    best = max(scored, default=(0, 0, ""))
    return (best[0], best[2]) if best[0] else None


def join(base: str, promo: str) -> str:
    """The base message with the promotional sentence after the notice, before its closing opt-out
    line or sentences ("Reply STOP to opt out.") if it has them."""
    notice, closing = base.rstrip(), ""
    last_line = re.search(r"\s*\n([^\n]*)$", notice)
    if last_line and OPT_OUT.search(last_line[1]):
        return join(notice[:last_line.start()], promo) + last_line[0]
    ends = [m for m in SENTENCE_END.finditer(notice) if "\n" not in notice[m.start():]]
    while ends and OPT_OUT.search(notice[ends[-1].end():]):
        end = ends.pop()
        notice, closing = notice[:end.start()], notice[end.start():] + closing
    separator = "\n" if "\n" in notice or not notice.endswith((".", "!", "?")) else " "
    return notice + separator + promo + closing


def derive(rows: list[dict]) -> list[dict]:
    """The derived mixed rows (without ids), English first, then by the base's batch (`batch_rank`),
    then in order of first appearance of the group."""
    out: list[dict] = []
    taken: Counter[str] = Counter()
    for language in PER_GROUP:
        mine = [r for r in rows if r["language"] == language]
        for group in dict.fromkeys(r["group"] for r in mine):
            bases = [r for r in mine if r["group"] == group and r["label"] in BASES and not r.get("near_miss")
                     and not re.search(r"\bstop\b", r.get("in_reply_to") or "", re.IGNORECASE)]
            offers = [(found, i, r) for i, r in enumerate(mine)
                      if r["group"] == group and r["label"] == "promotional"
                      and (found := offer_sentence(r["text"], language))]
            offers.sort(key=lambda o: (-o[0][0], o[1]))
            room = min(PER_GROUP[language], MAX_PER_GROUP - taken[group])
            for base, (found, _i, promo) in zip(bases[:room], offers * room):
                row = {"text": join(base["text"], found[1]), "language": language, "label": "mixed",
                       "base_category": base["label"], "source": base["source"],
                       "source_label": f"{base['source_label']} + promotional sentence of: {promo['source_label']}",
                       "labelled_by": "derived", "near_miss": False}
                for key in ("batch", "in_reply_to"):
                    if base.get(key) is not None:
                        row[key] = base[key]
                row["derived_from"] = [base["id"], promo["id"]]
                out.append(row)
                taken[group] += 1
    return sorted(out, key=lambda r: (r["language"] != "en", batch_rank(r.get("batch"))))


def batch_rank(batch: str | None) -> int:
    """0 for the first rows (no batch), N for batch passN: later batches add new sources only, so
    ordering by batch keeps every earlier derived row's id as the corpus grows."""
    number = re.fullmatch(r"pass(\d+)", batch or "")
    return int(number[1]) if number else 0 if batch is None else 10**6


def with_ids(rows: list[dict]) -> list[dict]:
    """Each row with its id (en-d0001..., fr-d0001...) first."""
    seen: Counter[str] = Counter()
    out = []
    for row in rows:
        seen[row["language"]] += 1
        out.append({"id": f"{row['language']}-d{seen[row['language']]:04d}", **row})
    return out


def real_rows() -> list[dict]:
    """Every corpus row but the derived ones (the script reads its own output never)."""
    return [r for r in corpus_split.load_rows() if not corpus_split.derived(r)]


def render(rows: list[dict]) -> str:
    """The JSONL text of the rows, as written."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> int:
    rows = with_ids(derive(real_rows()))
    OUT.write_text(render(rows), encoding="utf-8")
    for language in sorted(PER_GROUP):
        mine = [r for r in rows if r["language"] == language]
        print(f"{language}: {len(mine)} derived mixed messages from "
              f"{len({corpus_split.source_group(r['source']) for r in mine})} source groups")
    print(f"-> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
