"""Builtin checks that depend on what the metadata says the program is: brand, recurrence, age gate."""
from __future__ import annotations

from typing import Iterator

from templater.context import Hit, LintContext
from templater.checks.content import message_text, option
from templater.rulepacks.model import Rule
from templater.checks.kinds import existence, requirement
from templater.rulepacks.patterns import LazyPattern
from templater.checks.registry import check

SENDER_VARIABLES = ["brand", "brand_name", "program", "program_name", "company", "company_name",
                    "business_name", "store_name"]
# "Acme:" or "Maison Lumière :" opening the message: the SMS convention for naming the sender.
_PREFIX = LazyPattern(r"\s*([^\W\d_][\w&'.-]*(?: [\w&'.-]+){0,3}) ?:(?!//)")


def is_recurring(ctx: LintContext) -> bool:
    """A recurring program: `recurring: true`, or a promotional template that does not say `recurring: false`.

    Promotional SMS are sent as programs (a list that receives offers over time), so they are
    recurring unless the template declares a one-off message, such as the single reply to a keyword.
    """
    declared = ctx.template.meta.get("recurring")
    if declared is None:
        return ctx.template.category == "promotional"
    return declared is True


@check("recurring_requirement", needs_body=True, on_messages=True, fires_when="absent")
def recurring_requirement(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The requirement kind (none of the patterns appears: a hit), for recurring programs only."""
    if is_recurring(ctx):
        yield from requirement(rule, ctx)


@check("age_gated_existence", needs_body=True, on_messages=True, fires_when="present", matches_own=True)
def age_gated_existence(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The existence kind, except in templates whose metadata declares `age_gated: true`."""
    if ctx.template.meta.get("age_gated") is not True:
        yield from existence(rule, ctx)


@check("sender_named", needs_body=True)
def sender_named(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The body names the sender: a brand variable, a 'Name:' opening, or the metadata's brand literal."""
    names = option(rule, "variables", SENDER_VARIABLES)
    if any(name in ctx.used for name in names):
        return
    prefix = _PREFIX.match(ctx.masked)
    generic = {str(w).lower() for w in option(rule, "generic_prefixes", list[object]())}
    if prefix and prefix.group(1)[0].isupper() and not {prefix.group(1).lower(),
                                                        prefix.group(1).split()[0].lower()} & generic:
        return
    meta = ctx.template.meta
    for key in ("brand", "program"):
        literal = meta.get(key)
        if isinstance(literal, str) and literal.strip():
            needle = literal.strip().lower()
            rendered = message_text(ctx) or ""
            if needle in ctx.masked.lower() or needle in rendered.lower():
                return
            yield Hit(rule.id, {"key": key, "value": literal.strip()}, line=ctx.template.body_line,
                      variant="absent")
            return
    yield Hit(rule.id, {"category": ctx.template.category}, line=ctx.template.body_line)


@check("required_metadata")
def required_metadata(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires when the metadata key named by the rule's `key` option is missing or empty."""
    key = option(rule, "key", "")
    value = ctx.template.meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        yield Hit(rule.id, {"key": key}, line=ctx.template.key_line(key))
