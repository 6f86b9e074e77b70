"""The builtin checks that rule packs name with `check:`; each yields hits for one rule.

Importing this module registers every builtin check (those of content, program and safety
too) in the registry, each with its facts next to its code.
"""
from __future__ import annotations

from typing import Any, Iterator

from templater.context import Hit, LintContext
from templater.checks import content, program, safety  # noqa: F401 - registers their checks
from templater.rulepacks.model import Rule, Signal
from templater.checks.registry import check
from templater.signals import second_opinion
from templater.suggest import did_you_mean
from templater.template import (CATEGORIES, CONSENT_FOR, CUSTOM_KEY_PREFIX, LANGUAGES, METADATA_KEYS, VARIABLE_KEYS,
                                Template)


@check("parse")
def parse(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Problems found while reading the file (front matter, YAML), reported under their rule."""
    for p in ctx.problems:
        if p.rule == rule.id:
            yield Hit(rule.id, p.params, line=p.line, column=p.column)


@check("jinja_syntax")
def jinja_syntax(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    err = ctx.syntax_error
    if err is not None:
        line = ctx.template.body_line + (getattr(err, "lineno", 1) or 1) - 1
        yield Hit(rule.id, {"problem": getattr(err, "message", None) or str(err)}, line=line)


@check("missing_category")
def missing_category(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    if ctx.template.meta.get("category") in (None, ""):
        yield Hit(rule.id, {}, line=1)


@check("unknown_category")
def unknown_category(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    value = ctx.template.meta.get("category")
    if value not in (None, "") and value not in CATEGORIES:
        yield Hit(rule.id, {"value": value, "allowed": ", ".join(CATEGORIES)}, line=ctx.template.key_line("category"))


@check("unknown_language")
def unknown_language(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    value = ctx.template.meta.get("language")
    if value is not None and ctx.template.language not in LANGUAGES:
        yield Hit(rule.id, {"value": value, "allowed": ", ".join(LANGUAGES)}, line=ctx.template.key_line("language"))


@check("language_not_declared")
def language_not_declared(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """The linter found the body clearly in another language than the default, and applied it."""
    detected = ctx.template.inferred_language
    if detected:
        yield Hit(rule.id, {"language": detected}, line=1)


@check("consent_mismatch")
def consent_mismatch(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    declared = ctx.template.meta.get("consent")
    category = ctx.template.category
    if declared is None or category not in CONSENT_FOR:
        return
    needed = CONSENT_FOR[category]
    if declared != needed:
        yield Hit(rule.id, {"value": declared, "category": category, "needed": needed},
                  line=ctx.template.key_line("consent"))


@check("borrowed_use_case")
def borrowed_use_case(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    if ctx.template.meta.get("use_case") is None:
        return
    from templater.library import borrowed_use_case as borrowed  # only templates that declare one

    why = borrowed(ctx.template)
    if why is not None:
        yield Hit(rule.id, {"problem": why}, line=ctx.template.key_line("use_case"))


@check("invalid_metadata")
def invalid_metadata(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    meta = ctx.template.meta
    for key in ("id", "description", "category", "language", "consent"):
        if key in meta and meta[key] is not None and not isinstance(meta[key], str):
            yield Hit(rule.id, {"key": key, "problem": "must be a string"}, line=ctx.template.key_line(key))
    if meta.get("market") not in (None, "", []):
        from templater import markets

        try:
            markets.parse(meta["market"])
        except ValueError as exc:
            yield Hit(rule.id, {"key": "market", "problem": str(exc)}, line=ctx.template.key_line("market"))
    variables = meta.get("variables")
    if variables is not None and not isinstance(variables, dict):
        yield Hit(rule.id, {"key": "variables", "problem": "must map each variable name to its description, "
                            "example and required flag"}, line=ctx.template.key_line("variables"))
    elif isinstance(variables, dict):
        for name, spec in variables.items():
            if spec is not None and not isinstance(spec, dict):
                yield Hit(rule.id, {"key": f"variables.{name}", "problem": "must be a mapping such as "
                                    "{description: ..., example: ...}"},
                          line=ctx.template.variable_lines.get(str(name), ctx.template.key_line("variables")))


@check("unknown_metadata")
def unknown_metadata(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Front-matter keys, and keys of a variable, that templater does not read (a misspelling)."""
    template = ctx.template
    for key in template.meta:
        if isinstance(key, str) and key not in METADATA_KEYS and not key.startswith(CUSTOM_KEY_PREFIX):
            yield Hit(rule.id, {"key": key, "hint": did_you_mean(key, METADATA_KEYS), "allowed": ", ".join(METADATA_KEYS)},
                      line=template.key_line(key))
    variables = template.meta.get("variables")
    for name, spec in (variables.items() if isinstance(variables, dict) else ()):
        for key in (spec if isinstance(spec, dict) else ()):
            if isinstance(key, str) and key not in VARIABLE_KEYS and not key.startswith(CUSTOM_KEY_PREFIX):
                yield Hit(rule.id, {"key": f"variables.{name}.{key}", "hint": did_you_mean(key, VARIABLE_KEYS),
                                    "allowed": ", ".join(VARIABLE_KEYS)},
                          line=template.variable_lines.get(str(name), template.key_line("variables")))


@check("undeclared_variable", needs_body=True)
def undeclared_variable(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    declared = ctx.template.variables
    for name, offset in ctx.used.items():
        if name not in declared:
            yield Hit(rule.id, {"name": name}, offset=offset)


@check("unused_variable", needs_body=True)
def unused_variable(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    if ctx.ast is None:
        return
    for name in ctx.template.variables:
        if name not in ctx.used:
            yield Hit(rule.id, {"name": name}, line=ctx.template.variable_lines.get(name, 1))


@check("example_render", needs_body=True)
def example_render(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    _text, error = ctx.render_result
    if error:
        yield Hit(rule.id, {"problem": error}, line=ctx.template.body_line)


def _mixing_markers(_rule: Rule, ruleset: Any, category: str | None, language: str) -> list:
    """The markers that can make mixed-content fire in a template of this category."""
    if category not in ("transactional", "conversational"):
        return []
    return [p for s, p in ruleset.signals_for(language)
            if s.kind == "promotional" or (category == "conversational" and s.mixes)]


def _answers(signal: Signal, template: Template) -> bool:
    """True when the reply declares it answers a question about what the marker shows (an order
    number in the answer to an order-status question is the answer, not something riding along)."""
    question = template.meta.get("in_reply_to")
    # Metadata is the team's, not the customer's: it may be in any language, not only the message's.
    return isinstance(question, str) and any(p.search(question) for p in signal.answers.values())


@check("mixed_content", needs_body=True, on_messages=True, fires_when="present",
       triggers=_mixing_markers, reads_view=True)
def mixed_content(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    category = ctx.template.category
    if category not in ("transactional", "conversational"):
        return
    signals = ctx.ruleset.signals
    # Only the markers that can make it fire here (_mixing_markers) are looked for; the scorer's
    # second opinion asks only whether a promotional one was found.
    evidence = ctx.evidence_of(("promotional",), mixing=category == "conversational")
    if not ctx.is_message:  # the template's own lint gives this warning; rendering checks only errors
        for ev in second_opinion(evidence, ctx.masked, ctx.language):
            yield Hit(rule.id, {"text": ev.text, "words": ", ".join(ev.words), "category": category,
                                "needed": CONSENT_FOR["promotional"], "has": CONSENT_FOR[category]},
                      offset=ev.start, variant="scorer")
    for ev in evidence:
        signal = signals[ev.signal]
        if ev.kind == "promotional":
            variant, needed = "promotional", CONSENT_FOR["promotional"]
        elif category == "conversational" and signal.mixes and not _answers(signal, ctx.template):
            variant, needed = "transactional", CONSENT_FOR["transactional"]
        else:
            continue
        where = {"rendered": " (in the rendered example)", "variable": " (by the variable's name)"}.get(ev.where, "")
        text = "{{ " + ev.text + " }}" if ev.where == "variable" else ev.text
        yield Hit(rule.id, {"text": text, "signal": ev.signal, "label": signal.label, "category": category,
                            "needed": needed, "has": CONSENT_FOR[category], "where": where},
                  offset=ev.start, variant=variant)
