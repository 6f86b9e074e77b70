"""Infer a message's category from its content alone, with the evidence for it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from templater.context import LintContext
from templater.rulepacks.loader import RuleSet
from templater.signals import Evidence, second_opinion
from templater.template import CONSENT_FOR, LANGUAGES, Template
from templater.text import normalize

_WORDS = re.compile(r"[a-zàâçéèêëîïôûùüÿœ']+", re.I)
_STOPWORDS = {
    "en": {"the", "your", "you", "is", "for", "with", "and", "to", "of", "at", "our", "on", "has", "are",
           "this", "we", "reply", "now", "today", "off", "get", "order", "thanks", "please", "will"},
    "fr": {"le", "la", "les", "des", "votre", "vous", "est", "pour", "avec", "une", "du", "au", "et",
           "sur", "nos", "notre", "de", "en", "a", "été", "aux", "merci", "chez", "ce", "cette"},
}


@dataclass
class Classification:
    """What a message is, why, and the consent it needs.

    basis: 'evidence' when markers decided the category, 'default' when nothing in the message
    showed what it is: it is then transactional (consent express), never conversational, since
    only evidence of a reply makes a message a reply.
    """

    path: str
    category: str
    consent: str
    evidence: list[Evidence]
    language: str | None = None
    declared: str | None = None
    notes: list[str] = field(default_factory=list)
    basis: str = "evidence"

    @property
    def agrees(self) -> bool | None:
        return None if self.declared is None else self.declared == self.category

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"path": self.path, "category": self.category, "consent": self.consent, "basis": self.basis,
               "language": self.language, "evidence": [e.to_dict() for e in self.evidence]}
        if self.declared is not None:
            out["declared"] = self.declared
            out["agrees"] = self.agrees
        return out


def guess_language(text: str) -> str | None:
    """'en' or 'fr' when the function words say so clearly, else None (apply every language)."""
    words = [w.lower() for w in _WORDS.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    if any(ch in text for ch in "éèàêçù"):
        scores["fr"] += 2
    best = max(scores, key=scores.__getitem__)
    others = max(v for k, v in scores.items() if k != best)
    return best if scores[best] >= 2 and scores[best] >= 2 * max(others, 1) else None


def decide(evidence: list[Evidence]) -> tuple[str, str]:
    """(category, basis) from the evidence; lint's mixed-content reads the same evidence.

    Any promotional marker makes a message promotional; else evidence of a reply (reply phrasing,
    or in_reply_to declared) makes it conversational; else a transactional marker, transactional.
    With no evidence at all it is transactional by default: consent express, the safe side.
    """
    kinds = {e.kind for e in evidence}
    for kind in ("promotional", "conversational", "transactional"):
        if kind in kinds:
            return kind, "evidence"
    return "transactional", "default"


def message_context(text: str, ruleset: RuleSet, language: str | None, path: str = "<text>") -> LintContext:
    """The lint context of a plain message, as `templater lint` builds it for a rendered message.

    Without a language every language's markers apply (classify could not tell the language).
    """
    meta = {"language": language} if language else {}
    template = Template(path, text, meta, text, 1, {}, {}, path)
    ctx = LintContext.for_message(template, text, ruleset)
    ctx.every_language = language is None
    return ctx


def classify_text(text: str, ruleset: RuleSet, path: str = "<text>", language: str | None = None) -> Classification:
    """Classify one plain message; without a language, guess it or apply every language's markers."""
    lang = language or guess_language(normalize(text))
    if lang not in LANGUAGES:
        lang = None
    ctx = message_context(text, ruleset, lang, path)
    evidence = _dedupe(ctx.evidence)
    evidence += second_opinion(evidence, ctx.masked, lang)
    category, basis = decide(evidence)
    return Classification(path, category, CONSENT_FOR[category], evidence, lang, basis=basis)


def classify_template(ctx: LintContext, language: str | None = None) -> Classification:
    """Classify a parsed template from its body text, variable names, rendered example and in_reply_to."""
    if language and language != ctx.template.language:
        ctx.template.meta["language"] = language
    evidence = _dedupe(ctx.evidence)
    evidence += second_opinion(evidence, ctx.masked, ctx.template.language)
    question = ctx.template.meta.get("in_reply_to")
    if isinstance(question, str) and question.strip():  # the team says which customer message it answers
        evidence.append(Evidence("in-reply-to", "conversational", question.strip(), 0, 0, "metadata"))
    category, basis = decide(evidence)
    declared = ctx.template.category
    return Classification(ctx.template.path, category, CONSENT_FOR[category], evidence,
                          ctx.template.language, declared, basis=basis)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """One piece of evidence per span: overlapping matches of the same signal collapse."""
    out: list[Evidence] = []
    for ev in sorted(evidence, key=lambda e: (e.start, -(e.end - e.start), e.signal)):
        if out and out[-1].signal == ev.signal and ev.start < out[-1].end and ev.where == out[-1].where:
            continue
        out.append(ev)
    return out
