"""Infer a message's category from its content alone, with the evidence for it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from templater.context import LintContext
from templater.rulepacks.loader import RuleSet
from templater.signals import Evidence, find_in_text, second_opinion
from templater.template import CONSENT_FOR, LANGUAGES
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
    """What a message is, why, and the consent it needs."""

    path: str
    category: str
    consent: str
    evidence: list[Evidence]
    language: str | None = None
    declared: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def agrees(self) -> bool | None:
        return None if self.declared is None else self.declared == self.category

    def to_dict(self) -> dict:
        out = {"path": self.path, "category": self.category, "consent": self.consent,
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
    best = max(scores, key=scores.get)
    others = max(v for k, v in scores.items() if k != best)
    return best if scores[best] >= 2 and scores[best] >= 2 * max(others, 1) else None


def category_of(evidence: list[Evidence]) -> str:
    """Any promotional marker makes a message promotional; else any transactional one; else a reply."""
    kinds = {e.kind for e in evidence}
    if "promotional" in kinds:
        return "promotional"
    if "transactional" in kinds:
        return "transactional"
    return "conversational"


def classify_text(text: str, ruleset: RuleSet, path: str = "<text>", language: str | None = None) -> Classification:
    """Classify one plain message; without a language, guess it or apply every language's markers."""
    norm = normalize(text)
    lang = language or guess_language(norm)
    if lang not in LANGUAGES:
        lang = None
    evidence = find_in_text(ruleset.signals_for(lang), norm)
    evidence = _dedupe(evidence)
    evidence += second_opinion(evidence, norm, lang)
    category = category_of(evidence)
    return Classification(path, category, CONSENT_FOR[category], evidence, lang)


def classify_template(ctx: LintContext, language: str | None = None) -> Classification:
    """Classify a parsed template from its body text, variable names and rendered example."""
    if language and language != ctx.template.language:
        ctx.template.meta["language"] = language
    evidence = _dedupe(ctx.evidence)
    evidence += second_opinion(evidence, ctx.masked, ctx.template.language)
    category = category_of(evidence)
    declared = ctx.template.category
    return Classification(ctx.template.path, category, CONSENT_FOR[category], evidence,
                          ctx.template.language, declared)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    """One piece of evidence per span: overlapping matches of the same signal collapse."""
    out: list[Evidence] = []
    for ev in sorted(evidence, key=lambda e: (e.start, -(e.end - e.start), e.signal)):
        if out and out[-1].signal == ev.signal and ev.start < out[-1].end and ev.where == out[-1].where:
            continue
        out.append(ev)
    return out
