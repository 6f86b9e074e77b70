"""Inline suppression in Jinja comments, applied once by the linter; unused ones are reported."""
from __future__ import annotations

import re

from templater.records import dataclass
from templater.findings import Finding
from templater.template import Template

UNUSED = "unused-suppression"

# The accepted spellings, each a Jinja comment (so it never reaches a rendered message):
#   {# templater: disable=RULE-ID #}                 the whole file
#   {# templater: disable=RULE-ID, OTHER-ID #}       several rules
#   {# templater: disable-next-line=RULE-ID #}       only the line after the comment
#   {#- ... -#}                                      Jinja's whitespace control works as usual
_COMMENT = re.compile(r"\{#-?\s*templater\s*:(?P<body>.*?)-?#\}", re.S)
_ACTION = re.compile(r"\s*(?P<action>disable|disable-next-line)\s*=\s*(?P<rules>[\w.-]+(?:\s*,\s*[\w.-]+)*)\s*$")


@dataclass(frozen=True)
class Directive:
    """One suppression comment: what it does, which rules, where it is, what it covers."""

    action: str            # "disable", "disable-next-line", or "" when it cannot be read
    rules: tuple[str, ...]
    line: int              # where the comment starts in the file
    column: int
    end_line: int          # where it ends: disable-next-line covers end_line + 1
    text: str

    def covers(self, finding: Finding, rule: str) -> bool:
        """Whether this directive silences a finding of the given rule."""
        if rule not in self.rules or finding.rule != rule:
            return False
        return self.action == "disable" or finding.line == self.end_line + 1


def parse(template: Template) -> list[Directive]:
    """Every `{# templater: ... #}` comment of a template's body."""
    out = []
    for m in _COMMENT.finditer(template.body):
        line, column = template.position(m.start())
        end_line, _ = template.position(m.end() - 1)
        action = _ACTION.match(m.group("body"))
        text = " ".join(m.group(0).split())
        if action is None:
            out.append(Directive("", (), line, column, end_line, text))
        else:
            rules = tuple(r.strip() for r in action.group("rules").split(","))
            out.append(Directive(action.group("action"), rules, line, column, end_line, text))
    return out


@dataclass(frozen=True)
class Unused:
    """A directive (or one rule of it) that suppressed nothing, and why."""

    directive: Directive
    rule: str
    problem: str


def apply(findings: list[Finding], directives: list[Directive], active: set[str],
          known: set[str]) -> tuple[list[Finding], list[Unused]]:
    """The findings no directive covers, and the directives (per rule) that covered nothing.

    A rule that exists but is not enabled for this file (by select, ignore or per_path_ignores)
    cannot be judged, so its directives are never reported: changing the configuration must not
    make templates noisy.
    """
    used: set[tuple[Directive, str]] = set()
    kept = []
    for finding in findings:
        covering = [(d, finding.rule) for d in directives if d.covers(finding, finding.rule)]
        used.update(covering)
        if not covering:
            kept.append(finding)
    unused = []
    for d in directives:
        if not d.action:
            unused.append(Unused(d, "", "it is not a templater directive: write "
                                 "'templater: disable=RULE-ID' or 'templater: disable-next-line=RULE-ID'"))
            continue
        for rule in d.rules:
            if rule == UNUSED or (d, rule) in used:
                continue
            if rule not in known:
                unused.append(Unused(d, rule, f"there is no rule '{rule}' (check the spelling)"))
            elif rule in active:
                where = f"on line {d.end_line + 1}" if d.action == "disable-next-line" else "in this file"
                unused.append(Unused(d, rule, f"'{rule}' reports nothing {where}: remove the directive"))
    return kept, unused
