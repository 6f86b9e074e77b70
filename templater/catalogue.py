"""The rule catalogue: list rules, explain one with its examples, and write docs/rules.md from the packs."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from templater import markets
from templater import detection_doc
from templater.errors import InputError
from templater.linter import Linter, LintOptions
from templater.checks.kinds import checks_messages
from templater.rulepacks.loader import RuleSet
from templater.rulepacks.model import Example, Rule
from templater.suggest import did_you_mean
from templater.template import CATEGORIES

DOC_COMMAND = "templater rules --markdown > docs/rules.md"
_LANGUAGE_SUFFIX = re.compile(r"\.(?:en|fr)$")


def category_of(rule: Rule) -> str:
    """The concern a rule belongs to: the name of its pack file without the language ('shaft')."""
    return _LANGUAGE_SUFFIX.sub("", Path(rule.packs[0]).stem) if rule.packs else "other"


def applies_to(rule: Rule) -> str:
    """The template categories a rule checks, or 'all'."""
    return ", ".join(rule.applies_to) if rule.applies_to and set(rule.applies_to) != set(CATEGORIES) else "all"


def markets_of(rule: Rule) -> list[str]:
    """The markets a rule runs in (every market when the rule declares none)."""
    return list(rule.markets) if rule.markets is not None else list(markets.ids())


def sources(rule: Rule) -> dict[str, list[str]]:
    """Per market the rule runs in, the sources (markets.yaml) of the requirements it checks."""
    known = markets.markets()
    return {m: known[m].sources_for(rule.id) for m in markets_of(rule) if m in known and known[m].sources_for(rule.id)}


def markets_cell(rule: Rule) -> str:
    return "all" if rule.markets is None else ", ".join(rule.markets)


def rows(ruleset: RuleSet) -> list[dict]:
    """One summary per rule, ordered by category then id (the JSON shape of `templater rules`)."""
    out = [{"id": r.id, "severity": str(r.severity), "category": category_of(r), "applies_to": applies_to(r),
            "languages": r.languages, "markets": markets_of(r), "sources": sources(r),
            "rendered_messages": checks_messages(r), "summary": r.summary}
           for r in ruleset.rules.values()]
    return sorted(out, key=lambda row: (row["category"], row["id"]))


def table(ruleset: RuleSet) -> str:
    """The plain-text listing: id, severity, category, template categories, markets, languages."""
    data = [(r["id"], r["severity"], r["category"], r["applies_to"], markets_cell(ruleset.rules[r["id"]]),
             ", ".join(r["languages"])) for r in rows(ruleset)]
    head = ("RULE", "SEVERITY", "CATEGORY", "APPLIES TO", "MARKETS", "LANGUAGES")
    widths = [max(len(row[i]) for row in [head, *data]) for i in range(len(head) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in [head, *data]]
    return "\n".join(line.rstrip() for line in lines)


def find_rule(ruleset: RuleSet, rule_id: str) -> Rule:
    """The rule with this id, or an error that suggests the closest ids."""
    if rule_id in ruleset.rules:
        return ruleset.rules[rule_id]
    hint = did_you_mean(rule_id, ruleset.rules, most=3)
    raise InputError(f"unknown rule '{rule_id}'{hint}: 'templater rules' lists them all")


def example_source(example: Example, default_category: str = "transactional") -> str:
    """The whole .sms file an example stands for."""
    if example.source is not None:
        return example.source
    head = {"category": example.category or default_category, "language": example.language, **example.meta}
    return "---\n" + yaml.safe_dump(head, allow_unicode=True, sort_keys=False) + "---\n" + example.body


def findings_of(ruleset: RuleSet, rule: Rule, example: Example) -> list[str]:
    """What `templater lint --select RULE example.sms` reports on one example, line by line."""
    linter = Linter(ruleset, LintOptions(select=(rule.id,)))
    result = linter.lint_source(example_source(example), "example.sms", "example")
    return [f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message}" for f in result.findings
            if f.rule == rule.id]


def _options(rule: Rule) -> list[str]:
    return [f"{key}: {yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()}"
            for key, value in rule.options.items()]


def _source_lines(rule: Rule) -> list[str]:
    """One line per market: where the rule runs and the source of the requirement it checks."""
    found = sources(rule)
    if not found and rule.markets is None:
        return ["every market: no legal source; a check of the template or of message quality"]
    out = []
    for market in markets_of(rule):
        cited = "; ".join(found.get(market, [])) or "no legal source: a message-quality check"
        out.append(f"{market}: {cited}")
    return out


def explain(ruleset: RuleSet, rule: Rule) -> str:
    """`templater rules RULE-ID`: what the rule checks and why, with a failing and a passing example."""
    lines = [f"{rule.id}: {rule.summary}",
             f"severity {rule.severity}, category {category_of(rule)}, applies to {applies_to(rule)} templates, "
             f"languages {', '.join(rule.languages)}" + ("; also checks every rendered message"
                                                        if checks_messages(rule) else ""),
             "", rule.doc.rstrip(), "", f"markets ({markets_cell(rule)}):",
             *[f"  {line}" for line in _source_lines(rule)], ""]
    for name, variant in rule.variants.items():
        lines.append(f"variant {name}: {variant.severity}")
    if rule.options:
        lines += ["options (change them in the configuration):", *[f"  {o}" for o in _options(rule)]]
    for title, example in (("Fails", rule.fail[0]), ("Passes", rule.passes[0])):
        lines += ["", f"{title}:", *[f"  {line}" for line in visible(example_source(example)).split("\n")]]
        found = findings_of(ruleset, rule, example) if title == "Fails" else []
        lines += [f"  => {line}" for line in found]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def visible(text: str) -> str:
    """Control characters (a NUL in an example, a CR) written as escapes, so docs stay plain text."""
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" and c not in "\n\t" else c for c in text)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_code(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}\n{visible(text).rstrip()}\n{fence}"


def markdown_rule(ruleset: RuleSet, rule: Rule) -> str:
    """One rule's section of docs/rules.md."""
    out = [f"### `{rule.id}`", "",
           f"**{rule.severity}** · category `{category_of(rule)}` · applies to {applies_to(rule)} templates · "
           f"markets: {markets_cell(rule)} · languages: {', '.join(rule.languages)}"
           + (" · also checks every rendered message" if checks_messages(rule) else ""),
           "", rule.summary, "", rule.doc.rstrip(), "",
           "Markets and sources ([markets.md](markets.md)):", "",
           *[f"- {line}" for line in _source_lines(rule)], ""]
    if rule.variants:
        out += ["Variants: " + "; ".join(f"`{n}` {v.severity}" for n, v in rule.variants.items()) + ".", ""]
    if rule.options:
        out += ["Options: " + "; ".join(f"`{o}`" for o in _options(rule)) + ".", ""]
    for title, examples in (("Fails", rule.fail), ("Passes", rule.passes)):
        out += [f"{title}:", ""]
        for example in examples:
            out += [_md_code(example_source(example))]
            if title == "Fails":
                found = findings_of(ruleset, rule, example)
                out += [_md_code("\n".join(found))] if found else []
            out.append("")
    return "\n".join(out)


def markdown(ruleset: RuleSet) -> str:
    """docs/rules.md: an index of every rule, then each rule with its doc and its examples."""
    data = rows(ruleset)
    out = ["# templater rules", "",
           f"<!-- Generated from the rule packs in rules/ by `{DOC_COMMAND}`; do not edit by hand. -->", "",
           "Every rule `templater lint` runs, from the packs in `rules/` (one YAML file per concern and",
           "language). `templater rules` prints this index, `templater rules RULE-ID` one rule with an",
           "example. Select or ignore rules by id or id prefix (`--ignore shaft-`), change a severity or",
           "an option in the configuration. Error findings fail `templater lint` (exit 1) and block",
           "`templater render`; the rules marked \"also checks every rendered message\" run again on",
           "each message `templater render` produces.", "",
           "A rule runs on a template when both its markets and its languages match the template's",
           "(markets: [markets.md](markets.md)); \"all\" rules run in every market.", "",
           "| Rule | Severity | Category | Applies to | Markets | Languages | What it checks |",
           "|---|---|---|---|---|---|---|"]
    out += [f"| [`{r['id']}`](#{r['id']}) | {r['severity']} | {r['category']} | {r['applies_to']} | "
            f"{markets_cell(ruleset.rules[r['id']])} | {', '.join(r['languages'])} | {_md_cell(r['summary'])} |"
            for r in data]
    out += ["", *detection_doc.section(ruleset)]
    category = None
    for row in data:
        if row["category"] != category:
            category = row["category"]
            out += ["", f"## {category}", ""]
        out.append(markdown_rule(ruleset, ruleset.rules[row["id"]]))
    return "\n".join(out).rstrip() + "\n"
