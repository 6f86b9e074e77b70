"""The read-only commands: `segments` (encoding facts of texts) and `rules` (the rule catalogue)."""
from __future__ import annotations

import json
import sys

import click

from templater.encoding import Encoding, analyze, with_lookalikes
from templater.errors import InputError


def _stdin_text() -> str:
    """Standard input as one message: UTF-8 kept byte for byte (CRLF stays two characters),
    except the single line ending a shell or editor adds after the last line."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"byte {exc.start}: standard input is not UTF-8 text", "-") from None
    for ending in ("\r\n", "\n"):
        if text.endswith(ending):
            return text[: -len(ending)]
    return text


def _position(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(text: str, facts: Encoding) -> list[str]:
    """The human lines for one text: encoding, counts, and what forces UCS-2 with its look-alike."""
    head = f"{facts.encoding}: {_plural(facts.characters, 'character')}"
    if facts.units != facts.characters:
        head += f" ({facts.units} {'septets' if facts.encoding == 'GSM-7' else 'UTF-16 code units'})"
    lines = [f"{head}, {_plural(facts.segments, 'segment')}"]
    for c in facts.non_gsm:
        shown = c.char if c.char[0].isprintable() and not c.char[0].isspace() else repr(c.char)[1:-1]
        hint = f"GSM-7 look-alike: {c.replacement!r}" if c.replacement is not None else "no GSM-7 look-alike"
        lines.append(f"  {shown} {c.codepoint} at {_position(text, c.index)}: {hint}")
    fixed = with_lookalikes(text, facts.non_gsm) if facts.non_gsm else None
    if fixed is not None:
        alt = analyze(fixed)
        lines.append(f"  with the look-alikes: {alt.encoding}, {_plural(alt.characters, 'character')}, "
                     f"{_plural(alt.segments, 'segment')}")
    return lines


@click.command()
@click.argument("texts", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def segments(texts: tuple[str, ...], fmt: str) -> None:
    """Count the encoding, characters and segments of each TEXT ('-' reads standard input).

    Counts as Twilio's segment calculator does: GSM-7 (160 septets, 153 per part when split;
    ^ { } \\ [ ] ~ | and the euro sign count two) unless one character is outside GSM 03.38,
    then UCS-2 (70 UTF-16 units, 67 per part; emoji count two). Nothing is ever split across
    two parts. JSON: a list with one {"encoding", "segments", "characters", "units", "non_gsm"}
    object per text; each non_gsm entry has char, index (0-based), codepoint and replacement.
    """
    if not texts:
        raise click.UsageError("give one or more texts, or '-' to read the message from standard input")
    stdin: str | None = None
    values = []
    for text in texts:
        if text == "-":
            stdin = _stdin_text() if stdin is None else stdin
            text = stdin
        values.append((text, analyze(text)))
    if fmt == "json":
        click.echo(json.dumps([facts.to_dict() for _t, facts in values], ensure_ascii=False, indent=2))
        return
    for i, (text, facts) in enumerate(values, 1):
        lines = describe(text, facts)
        if len(values) > 1:
            lines[0] = f"{i}: {lines[0]}"
        click.echo("\n".join(lines))


@click.command()
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--markdown", is_flag=True, help="Print the catalogue (or one rule) as docs/rules.md has it.")
def rules(rule_id: str | None, fmt: str, markdown: bool) -> None:
    """List every rule (id, severity, category, languages), or explain RULE_ID with examples."""
    from templater import api, catalogue  # deferred: only this command needs the linter and the packs

    ruleset = api.ruleset()
    rule = catalogue.find_rule(ruleset, rule_id) if rule_id else None
    if markdown:
        click.echo(catalogue.markdown_rule(ruleset, rule) if rule else catalogue.markdown(ruleset), nl=False)
    elif fmt == "json":
        rows = catalogue.rows(ruleset)
        click.echo(json.dumps([r for r in rows if rule is None or r["id"] == rule.id], ensure_ascii=False, indent=2))
    else:
        click.echo(catalogue.explain(ruleset, rule) if rule else catalogue.table(ruleset), nl=rule is None)


@click.command("markets")
@click.option("--markdown", is_flag=True, help="Print docs/markets.md.")
def markets_command(markdown: bool) -> None:
    """List the markets (us, fr, ca, gb): quiet hours and each requirement with its source."""
    from templater import api, markets_doc

    click.echo(markets_doc.markdown(api.ruleset()) if markdown else markets_doc.table(), nl=False)
