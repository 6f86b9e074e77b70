"""The check registry: each check declares, next to its code, what it needs and where it runs.

A check is registered with @check(name, ...) where it is defined; the rule kinds `requirement` and
`existence` are registered the same way (kinds.py). Nothing else keeps a list of checks: the linter
asks spec_of(rule) whether a rule needs a body that parses and whether it runs on rendered
messages, and the bulk re-check asks what can make it fire.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from templater.records import dataclass
from templater.context import Hit, LintContext
from templater.rulepacks.model import Rule

Check = Callable[[Rule, LintContext], Iterator[Hit]]
# (rule, rule set, category, language) -> the patterns only where one of which matches can the check fire
Triggers = Callable[[Rule, Any, "str | None", str], list]


def own_patterns(rule: Rule, _ruleset: Any, _category: str | None, language: str) -> list:
    """A rule's own patterns for the language (an existence-like check fires only where they match)."""
    pattern = rule.pattern_for(language)
    return [] if pattern is None else [pattern]


@dataclass(frozen=True)
class CheckSpec:
    """One check and the facts about it that the linter and the bulk re-check use."""

    run: Check
    needs_body: bool = False        # skipped when the body does not parse (it reads the body or its render)
    on_messages: bool = False       # reads message content: runs again on every rendered message
    # What can make it fire on a message, for the bulk re-check's exact pre-test: "absent" (only
    # when the rule's patterns are absent), "present" (only where one of triggers() matches), or
    # None (anything: every message is linted in full).
    fires_when: str | None = None
    triggers: Triggers = own_patterns
    reads_view: bool = False        # its triggers are signal patterns, which read a message's matching view
    # It fires only on a match of the rule's own patterns (for the template's language) in the
    # body's text or its rendered example: the linter skips it where none of their literals is.
    matches_own: bool = False


REGISTRY: dict[str, CheckSpec] = {}


def check(name: str, **facts: Any) -> Callable[[Check], Check]:
    """Register a check under the name rule packs give as `check:` (or a rule kind's name)."""
    def register(func: Check) -> Check:
        if name in REGISTRY:
            raise ValueError(f"check '{name}' is registered twice")
        REGISTRY[name] = CheckSpec(func, **facts)
        return func
    return register


def spec_of(rule: Rule) -> CheckSpec | None:
    """The registered check a rule runs: its kind's, or for a builtin rule the one it names."""
    return REGISTRY.get(rule.check if rule.kind == "builtin" else rule.kind)  # type: ignore[arg-type]
