"""Re-lint rendered messages with Linter.lint_message, skipping it only when no error rule can fire."""
from __future__ import annotations

import re
from typing import Any

from templater.findings import Finding, Severity
from templater.linter import Linter
from templater.rulepacks.kinds import checks_messages
from templater.template import Template
from templater.text import normalize


class MessageCheck:
    """The error-level findings of a rendered message, with a cheap exact pre-test for the common case.

    lint_message reads the normalized text: a `requirement` rule fires when its pattern is absent,
    an `existence` rule or a promotional marker under mixed-content when a pattern is present.
    When every requirement is met and no such pattern matches, no error rule can fire, so the full
    lint is skipped; otherwise (or for a rule of any other kind) lint_message decides.
    """

    def __init__(self, linter: Linter, template: Template) -> None:
        self.linter = linter
        self.template = template
        self.requirements: list[Any] = []
        alarms: list[Any] = []
        self.always = False
        category, language = template.category, template.language
        for rule in linter.active:
            if not checks_messages(rule) or not self._can_error(rule):
                continue
            if rule.applies_to is not None and category not in rule.applies_to:
                continue
            if rule.kind == "requirement":
                if rule.patterns.get(language) is not None:
                    self.requirements.append(rule.patterns[language])
            elif rule.kind == "existence":
                if rule.patterns.get(language) is not None:
                    alarms.append(rule.patterns[language])
            elif rule.check == "mixed_content":
                if category in ("transactional", "conversational"):
                    alarms += [p for s, p in linter.ruleset.signals_for(language)
                               if s.kind == "promotional" or (category == "conversational" and s.mixes)]
            else:
                self.always = True  # a kind this pre-test does not know: always run the linter
        self.alarm = _combine(alarms)

    def _can_error(self, rule: Any) -> bool:
        levels = [rule.severity, *(v.severity for v in rule.variants.values())]
        override = self.linter.options.severity.get(rule.id)
        if override is not None:
            levels = [override]
        return any(level >= Severity.ERROR for level in levels)

    def errors(self, text: str) -> list[Finding]:
        """Error-level findings of lint_message on the rendered text (empty when it may be sent)."""
        if not self.always:
            norm = normalize(text)
            if all(p.search(norm) for p in self.requirements) and (self.alarm is None or not self.alarm(norm)):
                return []
        return [f for f in self.linter.lint_message(self.template, text) if f.severity >= Severity.ERROR]


def _combine(patterns: list[Any]) -> Any:
    """One search function over all the patterns: a single regex when they combine, else a loop."""
    if not patterns:
        return None
    flags = {getattr(p, "flags", 0) for p in patterns}
    if len(flags) == 1:
        try:
            return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), flags.pop()).search
        except re.error:  # numbered back-references or repeated group names: search one by one
            pass
    return lambda text: any(p.search(text) for p in patterns)
