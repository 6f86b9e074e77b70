"""Re-lint rendered messages with Linter.lint_message, skipping it only when no error rule can fire."""
from __future__ import annotations

import re
from typing import Any

from templater import reference
from templater.findings import Finding, Severity
from templater.linter import FileResult, Linter
from templater.matching import changes_text, view
from templater.render.shapes import Shapes
from templater.jinja.plain import Plain, Shape
from templater.rulepacks.literals import LiteralIndex, Literals, Needs, alternatives, analyse, folds_unsafely
from templater.checks.registry import spec_of
from templater.template import Template
from templater.text import fold

# A pattern (or its first scoped-flags group) that opens with a literal punctuation character:
# '%', '<', or an escaped one such as '\{' or '\$'. Not a letter (case folding), not a lookbehind.
_OPENS_WITH_PUNCTUATION = re.compile(r"(?:\(\?[imsx]*(?:-[imsx]+)?:)?(?:\\[^\w\s]|[^\w\s\\^$.|?*+()\[{])")
_SEEN_LIMIT = 4096  # texts that needed the full lint, remembered with their findings; cleared when full


class _Requirement:
    """A pattern that must occur; searched first where it was found last time (the footer)."""

    def __init__(self, pattern: Any) -> None:
        # The plain compiled regex: a rule pattern's own wrapper indexes every new text's literals,
        # which is wasted on a pattern searched from a known place.
        self.search = getattr(pattern, "compiled", pattern).search
        self.from_end = 0

    def met(self, text: str) -> bool:
        # A match found from a later start is a match of the whole text ('\b' and look-behinds see
        # the characters before pos), so the short search is exact when it succeeds.
        if self.from_end and self.from_end <= len(text):
            if self.search(text, len(text) - self.from_end):
                return True
        m = self.search(text)
        if m is None:
            return False
        self.from_end = len(text) - m.start()
        return True


class MessageCheck:
    """The error-level findings of a rendered message, with a cheap exact pre-test for the common case.

    lint_message reads the normalized text: a `requirement` rule fires when its pattern is absent,
    an `existence` rule or a promotional marker under mixed-content when a pattern is present.
    When every requirement is met and no such pattern can match (none of the literals each of its
    alternatives needs is in the text, or the alternative's own search finds nothing), no error
    rule can fire and the full lint is skipped; otherwise, or for a rule of any other kind, or
    for text whose case folding the literal test cannot follow, lint_message decides.
    """

    def __init__(self, linter: Linter, template: Template, plain: Plain | None = None,
                 known: FileResult | None = None) -> None:
        self.linter = linter
        self.template = template
        self.known = known  # the template's own lint result: its inline suppressions hold for messages
        self.requirements: list[_Requirement] = []
        alarms: list[Any] = []
        self.always = False
        # Signal patterns read a message's matching view (matching.py), which may differ from it
        # (accents, abbreviations, placeholders): such a message is also tested through its view.
        self.signals = False
        category, language = template.category, template.language
        self.language = language
        for rule in linter.active:
            spec = spec_of(rule)
            if spec is None or not spec.on_messages or not self._can_error(rule):
                continue
            if rule.applies_to is not None and category not in rule.applies_to:
                continue
            if spec.fires_when == "absent":
                pattern = rule.pattern_for(language)
                if pattern is not None:
                    self.requirements.append(_Requirement(pattern))
            elif spec.fires_when == "present":
                triggers = spec.triggers(rule, linter.ruleset, category, language)
                alarms += triggers
                if spec.reads_view and triggers:
                    self.signals = True
            else:
                self.always = True  # a check that may fire on anything: always run the linter
        self._build(alarms)
        self._seen: dict[str, list[Finding]] = {}
        # A plain template's messages are tested from their shape (shapes.py), without re-reading
        # the words that every message of a path shares.
        self.shapes = (Shapes(plain, self.index, self._plan)
                       if plain is not None and Shapes.usable(self.index) else None)

    def _build(self, patterns: list[Any]) -> None:
        """One searchable alternative per top-level branch, each with the literals it needs."""
        self.alarms: list[tuple[Any, Needs]] = []
        self.unfiltered: list[Any] = []
        for pattern in patterns:
            flags = pattern.flags
            for source in alternatives(pattern.pattern):
                try:
                    compiled = re.compile(source, flags)
                except re.error:  # a branch that only parses whole: keep the whole pattern
                    self.unfiltered.append(pattern.search)
                    break
                needs = analyse(source)
                if needs is None:
                    self.unfiltered.append(compiled.search)
                else:
                    self.alarms.append((compiled, needs))
        # Each literal a match can start with is also looked up on its own (as a pattern of one
        # literal, numbered after the alarms), so that only the start literals a text holds are searched.
        self._starts: list[Literals | None] = []
        extra: list[Needs] = []
        for _, needs in self.alarms:
            starts = needs.starts
            if starts is not None and any(lit.split() != [lit] for lit in starts):
                starts = None  # a literal with white space is not found word by word: search them all
            self._starts.append(starts)
            extra += [Needs((frozenset({lit}),), None) for lit in sorted(starts or ())]
        self._start_literals = [next(iter(n.all[0])) for n in extra]
        # An alternative that opens with a punctuation character is found by the regex engine's own
        # scan for that character (about 0.1 us over a message) faster than by looking up its start
        # literals here: it is searched whole (starts None in the plan). Either way is exact.
        self._scanned = [bool(_OPENS_WITH_PUNCTUATION.match(compiled.pattern)) for compiled, _ in self.alarms]
        self.index = LiteralIndex([needs for _, needs in self.alarms] + extra)
        self._plans: dict[tuple[int, ...], list[tuple[int, Any]]] = {}

    def _plan(self, hits: list[int]) -> list[tuple[int, Any]]:
        """The alarms among the index's hits, each with the start literals the text holds."""
        key = tuple(hits)
        plan = self._plans.get(key)
        if plan is None:
            n = len(self.alarms)
            held = {self._start_literals[h - n] for h in hits if h >= n}
            plan = [(i, None if self._scanned[i] else (starts := self._starts[i]) and held.intersection(starts))
                    for i in hits if i < n]
            if len(self._plans) >= _SEEN_LIMIT:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def _alarm(self, i: int, norm: str, low: str, starts: Any) -> bool:
        """Whether alternative i matches; tried only where a match could start, when that is known
        (starts: the literals a match can start with that the text holds, or None)."""
        compiled, needs = self.alarms[i]
        if needs.starts is None or starts is None or len(low) != len(norm):
            return compiled.search(norm) is not None
        for lit in starts:
            at = low.find(lit)
            while at >= 0:
                if compiled.match(norm, at):
                    return True
                at = low.find(lit, at + 1)
        return False

    def _can_error(self, rule: Any) -> bool:
        levels = [rule.severity, *(v.severity for v in rule.variants.values())]
        override = self.linter.options.severity.get(rule.id)
        if override is not None:
            levels = [override]
        return any(level >= Severity.ERROR for level in levels)

    def may_fail(self, text: str, shape: Shape | None = None) -> bool:
        """Whether some error rule could fire on the message (False is exact: none can).

        shape: the message's shape when a plain body's row renderer (jinja/plain.py) rendered it.
        """
        if self.always:
            return True
        # fold() changes only non-ASCII characters, and returns the text itself when none needs it.
        norm = text if text.isascii() else fold(text)
        # Plain loops: this runs once per message, and generators cost more than the tests here.
        for requirement in self.requirements:
            if not requirement.met(norm):
                return True
        for search in self.unfiltered:
            if search(norm):
                return True
        if self._alarmed(norm, shape):
            return True
        if self.signals and changes_text(norm, self.language):
            seen = view(norm, self.language)
            if seen.names:  # a leftover placeholder is also read by its name: let lint decide
                return True
            return any(search(seen.text) for search in self.unfiltered) or self._alarmed(seen.text, None)
        return False

    def _alarmed(self, norm: str, shape: Shape | None) -> bool:
        """Whether some alarm pattern could match the (normalized) text."""
        if folds_unsafely(norm):
            return True
        low = norm.lower()
        if shape is not None and self.shapes is not None:
            plan = self.shapes.patterns(shape)
        else:
            plan = self._plan(self.index.hits(low))
        for i, starts in plan:
            if self._alarm(i, norm, low, starts):
                return True
        return False

    def errors(self, text: str, shape: Shape | None = None) -> list[Finding]:
        """Error-level findings of lint_message on the rendered text (empty when it may be sent)."""
        if reference.ON:  # no pre-test, no memory: every message is linted
            return [f for f in self.linter.lint_message(self.template, text, self.known) if f.severity >= Severity.ERROR]
        if not self.may_fail(text, shape):  # the common case, decided without the linter
            return []
        known = self._seen.get(text)
        if known is not None:  # a text that needs the full lint often comes back (no personal values)
            return known
        found = [f for f in self.linter.lint_message(self.template, text, self.known) if f.severity >= Severity.ERROR]
        if len(self._seen) >= _SEEN_LIMIT:
            self._seen.clear()
        self._seen[text] = found
        return found
