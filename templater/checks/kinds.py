"""The rule kinds that are data - requirement and existence - and running any rule on a template."""
from __future__ import annotations

from typing import Iterator

from templater.config import OPT_OUT_RULE
from templater.context import Hit, LintContext
from templater.findings import Fix
from templater.rulepacks.model import Rule
from templater.checks.registry import CheckSpec, check, spec_of


def checks_messages(rule: Rule) -> bool:
    """Whether a rule looks at message content (and so applies to rendered messages too)."""
    spec = spec_of(rule)
    return spec is not None and spec.on_messages


@check("requirement", needs_body=True, on_messages=True, fires_when="absent")
def requirement(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires when none of the rule's patterns for the template's language appear in the message."""
    pattern = rule.pattern_for(ctx.language)
    if pattern is None or ctx.ast is None:
        return
    text = ctx.rendered if ctx.rendered is not None else ctx.masked
    if not pattern.search(text) and not pattern.search(ctx.masked):
        yield Hit(rule.id, {"language": ctx.language, "suggestion": rule.suggestion.get(ctx.language, "")},
                  line=ctx.template.body_line, fix=None if ctx.is_message else footer(rule, ctx))


def footer(rule: Rule, ctx: LintContext) -> Fix | None:
    """A requirement rule's fix when it has a `footer` option (per language, wording that satisfies
    it; missing-opt-out's is .templater.yaml's opt_out): the wording as the message's last line.
    Without wording for the template's language, the fix says where to give it."""
    if "footer" not in rule.options:
        return None
    lang = ctx.language
    wording = (rule.options.get("footer") or {}).get(lang)
    if not wording:
        key = f"opt_out.{lang}" if rule.id == OPT_OUT_RULE else f"rule_options.{rule.id}.footer.{lang}"
        return Fix(f"no wording configured for '{lang}' (set {key} in .templater.yaml and --fix adds it as a footer)")
    body = ctx.template.body
    kept = len(body.rstrip())
    final = "\n" if "\n" in body[kept:] else ""  # the file keeps its final line break, if any
    return Fix(f"footer added: '{wording}'", (ctx.edit(kept, len(body), f"\n{wording}{final}"),))


@check("existence", needs_body=True, on_messages=True, fires_when="present", matches_own=True)
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


def runnable(rule: Rule, category: str | None, parsed: bool) -> CheckSpec | None:
    """The check a rule runs on a template of this category whose body parsed or not, or None
    where it does not run (not one of the rule's categories, no such check, a body it needs)."""
    if rule.applies_to is not None and category not in rule.applies_to:
        return None
    spec = spec_of(rule)
    if spec is None or (spec.needs_body and not parsed):
        return None
    return spec


def run(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The hits of one rule on one template, honouring the rule's categories."""
    spec = runnable(rule, ctx.template.category, ctx.ast is not None)
    return iter(()) if spec is None else spec.run(rule, ctx)
