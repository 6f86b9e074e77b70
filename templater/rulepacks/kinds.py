"""The closed set of rule kinds: how a rule's data turns into hits on one template."""
from __future__ import annotations

from typing import Iterator

from templater.context import Hit, LintContext
from templater.rulepacks import content_checks, program_checks
from templater.rulepacks.checks import CHECKS
from templater.rulepacks.model import Rule

# Checks that read the body and need it to parse; the others look at metadata or the file.
NEEDS_BODY = {"undeclared_variable", "unused_variable", "example_render", "mixed_content",
              *content_checks.NEEDS_BODY, *program_checks.NEEDS_BODY}
# Checks that read message content, and so run again on every rendered message.
MESSAGE_CHECKS = {"mixed_content", *content_checks.MESSAGE_CHECKS, *program_checks.MESSAGE_CHECKS}


def checks_messages(rule: Rule) -> bool:
    """Whether a rule looks at message content (and so applies to rendered messages too)."""
    return rule.kind in ("requirement", "existence") or rule.check in MESSAGE_CHECKS


def requirement(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires when none of the rule's patterns for the template's language appear in the message."""
    pattern = rule.pattern_for(ctx.language)
    if pattern is None or ctx.ast is None:
        return
    text = ctx.rendered if ctx.rendered is not None else ctx.masked
    if not pattern.search(text) and not pattern.search(ctx.masked):
        yield Hit(rule.id, {"language": ctx.language, "suggestion": rule.suggestion.get(ctx.language, "")},
                  line=ctx.template.body_line)


def existence(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires on every match of the rule's patterns in the body text, then in the rendered example."""
    pattern = rule.pattern_for(ctx.language)
    if pattern is None or ctx.ast is None:
        return
    seen = set()
    for m in pattern.finditer(ctx.masked):
        seen.add(m.group(0).lower())
        yield Hit(rule.id, {"match": m.group(0).strip(), "where": ""}, offset=ctx.origin(m.start()))
    rendered = ctx.rendered
    if rendered:
        for m in pattern.finditer(rendered):
            if m.group(0).lower() not in seen:
                seen.add(m.group(0).lower())
                yield Hit(rule.id, {"match": m.group(0).strip(), "where": " (in the rendered example)"},
                          line=ctx.template.body_line)


def run(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The hits of one rule on one template, honouring the rule's categories."""
    if rule.applies_to is not None and ctx.template.category not in rule.applies_to:
        return iter(())
    if rule.kind == "requirement":
        return requirement(rule, ctx)
    if rule.kind == "existence":
        return existence(rule, ctx)
    if rule.check in NEEDS_BODY and ctx.ast is None:
        return iter(())
    return CHECKS[rule.check](rule, ctx)
