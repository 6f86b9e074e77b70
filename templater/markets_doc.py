"""`templater markets`: the markets, their quiet hours and requirements, and docs/markets.md, all
written from templater/markets.yaml and the rule packs' `markets:`."""
from __future__ import annotations

from templater import markets
from templater.rulepacks.loader import RuleSet

DOC_COMMAND = "templater markets --markdown > docs/markets.md"

MODEL = """\
The law a commercial SMS follows depends on where it goes, not on the language it is written in: a
French program to French mobiles follows French rules, a French-language message to Quebec falls
under Canada's CASL, an English message to UK numbers under PECR, not the TCPA. templater calls the
place a **market**. It knows four: `us`, `fr`, `ca` and `gb`.

## How a template's market is decided

1. The `market` key of its front matter: one market (`market: fr`) or a list for a multi-market
   program (`market: [us, ca]`).
2. Else the region of its `language` tag: `fr-FR` -> fr, `fr-CA` -> ca, `en-GB` -> gb, `en-US` -> us
   (any region code that belongs to a market: `en-CA`, `fr-RE`...).
3. Else the `market` key of the configuration (docs/configuration.md).
4. Else the bare language's default market: `en` -> us, `fr` -> fr. `templater lint` says so once
   per run (a `note:` line on standard error), so that nobody is linted for a market by surprise.

A `market` value that is not a market templater knows is an `invalid-metadata` error in a template,
and a configuration error (exit 2) in `.templater.yaml`.

## Which rules run

Every rule declares its markets in its pack (`markets: [us]`); a rule without `markets` runs in every
market. A rule runs on a template when **both** one of its markets is among the template's markets
**and** it has wording for the template's language (language packs add patterns and wording only:
a French-language program sent to US numbers gets the US disclosures in French). `templater rules`
and [rules.md](rules.md) show each rule's markets with the source of each requirement.

## Bulk rendering

`templater render --recipients` takes each row's market from its number's country, as phonenumbers
reads it (`+33` -> fr, `+44` -> gb, `+1` -> us or ca by area code; Guernsey, Jersey and the Isle of
Man, which share `+44`, are not gb, and other countries belong to no market). A row whose market is
not among the template's markets is rejected as `wrong-market`, with the number's region and the
template's markets in the detail, and counted in the summary. Quiet hours follow the row's market
(`--quiet-hours market`, the default; `auto` adds the US states' stricter laws); a named profile
or a window given with `--quiet-hours` applies to every row instead. The consent gate of a
promotional template asks the level of the row's market (the `promotional` level in each market's
consent row below: `express_written` in us, `express` in fr and gb, `implied` in ca, or any stronger
level); transactional and conversational rows keep the same gate in every market (`express` with a
consent scope; a reply window), whatever weaker basis a market's law may allow.

Where a source says nothing on a topic, the table says so: templater does not borrow another
market's rule. These tables summarise the texts for linting; they are not legal advice.
"""


def _rules_for(ruleset: RuleSet, market: str, topic_rules: tuple[str, ...]) -> str:
    found = [f"`{r}`" for r in topic_rules if r in ruleset.rules and ruleset.rules[r].runs_in((market,))]
    return ", ".join(found) or "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(ruleset: RuleSet) -> str:
    """docs/markets.md."""
    out = ["# Markets", "",
           f"<!-- Generated from templater/markets.yaml and the rule packs by `{DOC_COMMAND}`; do not edit by hand. -->",
           "", MODEL, "## Quiet hours", "",
           "Named windows, in the recipient's local time (the end is exclusive). `--quiet-hours` takes one of",
           "these names, `market` (the default), `auto`, or a custom `HH:MM-HH:MM` window.", "",
           "| Profile | Window | Source |", "|---|---|---|"]
    for name, spec in markets.quiet_hours_table().items():
        out.append(f"| `{name}` | {markets.describe_window(spec)} | {_cell(spec['source'])} |")
    out += ["", "| Market | Quiet hours by default |", "|---|---|"]
    for m in markets.markets().values():
        out.append(f"| `{m.id}` | {f'`{m.quiet_hours}`' if m.quiet_hours else 'none: the law sets no sending hours'} |")
    for m in markets.markets().values():
        out += ["", f"## `{m.id}`: {m.name}", "", f"Law: {m.law}.", "",
                f"Phone regions: {', '.join(m.regions)}."
                + (f" Default market of a bare `{m.language}` tag." if m.language else ""), "",
                "| Topic | Requirement | Rules | Source |", "|---|---|---|---|"]
        for r in m.requirements:
            requirement = "none: not required" if r.requirement == "none" else r.requirement
            if r.consent:
                requirement += " (" + ", ".join(f"{k}: `{v}`" for k, v in r.consent.items()) + ")"
            if r.wording:
                requirement += "; for example " + ", ".join(f"{k} \"{v}\"" for k, v in r.wording.items())
            out.append(f"| {r.topic} | {_cell(requirement)} | {_rules_for(ruleset, m.id, r.rules)} | {_cell(r.source)} |")
    return "\n".join(out).rstrip() + "\n"


def table() -> str:
    """`templater markets`: one block per market, each requirement with its source."""
    out = []
    for m in markets.markets().values():
        out += [f"{m.id}  {m.name}: {m.law}",
                f"  regions {', '.join(m.regions)}; quiet hours {m.quiet_hours or 'none'}"]
        for r in m.requirements:
            rules = f" [{', '.join(r.rules)}]" if r.rules else ""
            out.append(f"  {r.topic}{rules}: {r.requirement}")
            if r.wording:
                out.append("      wording: " + "; ".join(f"{k}: {v}" for k, v in r.wording.items()))
            out.append(f"      source: {r.source}")
        out.append("")
    return "\n".join(out)
