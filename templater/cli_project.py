"""The commands of a content repository: `new`, `config`, and what `lint --fix/--diff` prints."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from templater import api, generate
from templater import config as configuration
from templater.cli_options import CONFIG_OPTION
from templater.errors import EXIT_CLEAN, EXIT_FINDINGS
from templater.fixes import diff
from templater.formatters.text import format_findings
from templater.template import LANGUAGES



def fix(report: api.Report, show_diff: bool, relint: Callable[[], api.Report]) -> api.Report:
    """Apply (or, with show_diff, print and exit) the safe fixes; returns the report after them."""
    fixed = api.fix_project(report, write=not show_diff)
    for f in fixed:
        for note in f.skipped:
            click.echo(f"{f.display}: not fixed: {note}", err=True)
    if show_diff:
        text = "".join(diff(f) for f in fixed if f.changed)
        click.echo(text, nl=False)
        sys.exit(EXIT_FINDINGS if text else EXIT_CLEAN)
    for f in fixed:
        if f.changed:
            click.echo(f"{f.display}: fixed: {'; '.join(f.applied)}", err=True)
    return relint() if any(f.changed for f in fixed) else report


def fix_stdin(report: api.Report, data: bytes, show_diff: bool, relint: Callable[[str], api.Report]) -> api.Report:
    """`lint --fix -`: the fixed text on stdout (as ruff does), whatever the findings; with
    show_diff, the diff instead, and exit. Returns the report of what the fixes leave."""
    from templater.template import UnreadableTemplate, decode_source

    try:
        before = decode_source(data)
    except UnreadableTemplate:
        before = None  # unreadable-file says why; nothing to fix
    fixed = api.fix_text(report.files[0], before) if before is not None else None
    if fixed is not None:
        for note in fixed.skipped:
            click.echo(f"{fixed.display}: not fixed: {note}", err=True)
    if show_diff:
        text = diff(fixed) if fixed is not None and fixed.changed else ""
        click.echo(text, nl=False)
        sys.exit(EXIT_FINDINGS if text else EXIT_CLEAN)
    if fixed is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return report
    click.echo(fixed.after, nl=False)
    return relint(fixed.after) if fixed.changed else report


def _interactive() -> bool:
    return sys.stdin.isatty()


@click.command()
@click.argument("name")
@click.option("--language", "lang", type=click.Choice(LANGUAGES), help="The language, when NAME is a use case.")
@click.option("--lang", "old_lang", type=click.Choice(LANGUAGES), hidden=True)  # the old spelling
@click.option("--brand", help="The sender name every message opens with (default: brand in the configuration).")
@click.option("--out", "output", type=click.Path(file_okay=False),
              help="The folder to write <use-case>.<language>.sms into.  [default: .]")
@click.option("-o", "--output", "old_output", type=click.Path(file_okay=False), hidden=True)  # the old spelling
@click.option("--market", help="Where the messages go: us, fr, ca, gb, or several (us,ca). Asked in a terminal; "
              "default: market in the configuration, else the library template's (en: us, fr: fr).")
@click.option("--force", is_flag=True, help="Overwrite a file of the same name.")
@CONFIG_OPTION
def new(name: str, lang: str | None, old_lang: str | None, brand: str | None, output: str | None,
        old_output: str | None, force: bool, config_file: str | None, market: str | None) -> None:
    """Create a template from the library: NAME is an id as `templater list` prints it
    (retail.order-shipped.en) or a use case with --language (retail.order-shipped --language fr).
    """
    lang = lang or old_lang
    output = output or old_output or "."
    config = api.Policies(config_file).for_path(Path(output)).config  # a bad one fails before anything is written
    case, by_lang, fixed_lang = generate.resolve(name)
    if fixed_lang and lang and lang != fixed_lang:
        raise click.UsageError(f"{name} is the '{fixed_lang}' template: drop --language, or give the use case "
                               f"{case} with --language {lang}")
    lang = fixed_lang or lang or (config.language if config.language in by_lang else None)
    brand = brand or config.brand
    missing = [opt for opt, value in (("--language", lang), ("--brand", brand)) if not value]
    if missing and not _interactive():
        keys = " and ".join({"--language": "language", "--brand": "brand"}[m] for m in missing)
        raise click.UsageError(f"missing {' and '.join(missing)}: give {'them' if len(missing) > 1 else 'it'}, "
                               f"set {keys} in .templater.yaml, or run in a terminal to be asked")
    if not lang:
        lang = click.prompt("Language", type=click.Choice(sorted(by_lang)))
    while not brand or not brand.strip():
        brand = click.prompt("Brand (the sender name that opens every message)")
    if lang not in by_lang:
        raise click.UsageError(f"{case} has no '{lang}' template (it has {', '.join(sorted(by_lang))})")
    entry = by_lang[lang]
    chosen = _market(market, config.market, entry)
    path = Path(output) / generate.file_name(entry)
    generate.write_new(path, generate.generate(entry, brand, config.opt_out, chosen), force)
    click.echo(f"created {path} from {entry.id}")
    report = api.lint_project([str(path)], config_file)
    if report.findings:
        click.echo(format_findings(report.findings, 1), err=True)
    if report.failed():
        sys.exit(EXIT_FINDINGS)


def _market(given: str | None, configured: tuple[str, ...], entry: Any) -> tuple[str, ...]:
    """The markets of a new template: --market, else the configuration's, else asked in a terminal
    (the library template's own market offered), else the library template's (docs/markets.md)."""
    from templater import markets

    if given is None and not configured and _interactive():
        own = markets.from_tag(entry.language)[0] or "us"
        given = click.prompt(f"Market, where the messages go ({', '.join(markets.ids())}, or several: us,ca)",
                             default=own)
    if given is None:
        return configured
    try:
        return markets.parse([m for m in given.replace(" ", "").split(",") if m])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--market") from None


def _show(value: Any, nested: bool = False) -> str:
    if value in (None, (), [], {}):
        return "(not set)"
    if isinstance(value, dict):
        items = (f"{k}: {_show(v, True)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}" if nested else "; ".join(items)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


@click.command("config")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@CONFIG_OPTION
def config_command(path: str, fmt: str, config_file: str | None) -> None:
    """Print the configuration that governs PATH (default: here), and where each value came from."""
    config = configuration.Resolver(config_file).for_path(Path(path))
    api.checked_ruleset(config)  # the same checks as lint: bad rule ids and wording fail here too
    values = configuration.as_dict(config)
    if fmt == "json":
        data = {"file": str(config.path) if config.path else None,
                "values": {k: {"value": v, "source": config.source_of(k)} for k, v in values.items()}}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"configuration file: {config.path}" if config.path else
               f"configuration file: none in {Path(path).resolve()} or above it: built-in defaults")
    width = max(len(k) for k in values)
    for key, value in values.items():
        shown = "all rules" if key == "select" and not value else _show(value)
        click.echo(f"{key:<{width}}  {shown}  ({config.source_of(key)})")
