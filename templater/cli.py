"""The `templater` command line: parses options, calls the API, formats, returns an exit code."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from templater import api
from templater.cli_options import CONFIG_OPTION
from templater import errors
from templater.errors import EXIT_ERROR, EXIT_FINDINGS, InputError, InternalError, TemplaterError
from templater.findings import Severity
from templater.interrupts import Terminated, stops_raise
from templater.formatters import FORMATS, formatter
from templater.formatters.text import format_findings
from templater.pool import default_jobs
from templater.template import CATEGORIES, LANGUAGES
from templater.text import printable

SEVERITIES = click.Choice(["error", "warning", "info"])


class _QuietHoursOption(click.Option):
    """--quiet-hours, whose help is written from templater/markets.yaml when help is shown."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from templater.markets import quiet_hours_help

        self.help = quiet_hours_help()
        return super().get_help_record(ctx)


def _csv(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())


class _Group(click.Group):
    """Turns every error into one line on stderr and exit 2: never a traceback.

    Commands of other modules load when they run (or for --help), so `templater lint` does not
    import what `new`, `config`, `rules` and `segments` need.
    """

    LAZY = {"segments": ("templater.cli_info", "segments"), "rules": ("templater.cli_info", "rules"),
            "markets": ("templater.cli_info", "markets_command"),
            "new": ("templater.cli_project", "new"), "config": ("templater.cli_project", "config_command"),
            "lsp": ("templater.lsp", "lsp"), "init": ("templater.cli", "init_command"),
            "preview": ("templater.preview.command", "preview")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY:
            import importlib

            module, attr = self.LAZY[name]
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TemplaterError as exc:
            if isinstance(exc, InternalError) and (ctx.obj or {}).get("debug"):
                raise  # the traceback, with the original error as its cause
            click.echo(printable(f"templater: error: {exc}"), err=True)
            ctx.exit(EXIT_ERROR)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit):
            raise
        except (KeyboardInterrupt, Terminated) as exc:
            # Ctrl-C, or SIGTERM/SIGHUP while a bulk render runs (a CI job cancelled): its partial
            # files and scratch data are already gone.
            name = exc.args[0] if isinstance(exc, Terminated) else "SIGINT"
            done = ": nothing was written" if (ctx.obj or {}).get("writes") else ""
            click.echo(f"templater: interrupted ({name}){done}", err=True)
            ctx.exit(exc.exit_code if isinstance(exc, Terminated) else 130)
        except BrokenPipeError:
            # The reader went away (`templater lint ... | head`): nothing to report. Point stdout at
            # /dev/null so that Python's own flush at exit does not fail again (Python docs, SIGPIPE).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_FINDINGS)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if (ctx.obj or {}).get("debug"):
                raise
            click.echo(f"templater: internal error: {type(exc).__name__}: {exc} (run again with --debug "
                       "for the traceback, and please report it)", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="templater")
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected internal error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Lint and render business SMS templates so each message matches the consent behind it."""
    ctx.obj = {"debug": debug}
    errors.DEBUG = debug  # the linter then lets an internal error through, for its traceback


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "--output-format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: each finding with the line and a caret under it; concise: one line each.")
@click.option("--select", multiple=True, help="Only these rule ids (comma-separated or repeated).")
@click.option("--ignore", multiple=True, help="Skip these rule ids (comma-separated or repeated).")
@click.option("--fail-on", type=SEVERITIES, default=None,
              help="Exit 1 when a finding is at least this severe.  [default: fail_on of the configuration, "
                   "else error]")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores). Output order does not depend on it.")
@CONFIG_OPTION
@click.option("--fix", is_flag=True, help="Apply the safe fixes to the files, then report what is left.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the safe fixes as a diff; write nothing.")
@click.option("--stdin-filename", metavar="PATH", help="Lint standard input (PATHS '-' or none) as if it were "
              "this file: its configuration, id and suppression. With --fix the fixed text goes to stdout "
              "and the findings to stderr.")
@click.option("--statistics", is_flag=True, help="Print how many findings each rule has, not the findings.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings reach --fail-on (2 stays for errors).")
@click.option("--output-file", metavar="FILE", help="Write the report to FILE instead of standard output.")
@click.option("--baseline", metavar="FILE", help="Report only the findings FILE does not already record.")
@click.option("--write-baseline", metavar="FILE", help="Record every finding in FILE (for --baseline) and exit 0.")
def lint(paths: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
         jobs: int | None, config_file: str | None, fix: bool, show_diff: bool, stdin_filename: str | None,
         statistics: bool, exit_zero: bool, output_file: str | None, baseline: str | None,
         write_baseline: str | None) -> None:
    """Lint .sms templates (files, or folders searched recursively; '-' for standard input)."""
    _EXIT_AT_ONCE.append(True)
    stdin = stdin_filename is not None or "-" in paths
    if stdin and paths not in ((), ("-",)):
        raise click.UsageError("standard input ('-') is linted alone: give '-' and no other path")
    if not paths and not stdin:
        raise click.UsageError("give the files or folders to lint, or '-' with --stdin-filename PATH")
    out = sys.stdout
    if _IN_MAIN:
        _freeze_loaded()
    if stdin:
        data = sys.stdin.buffer.read()

        def lint_stdin(text: str | bytes = data) -> api.Report:
            return api.lint_text(text, stdin_filename or "-", config_file, _csv(select), _csv(ignore))
        report = lint_stdin()
    else:
        def lint_paths() -> api.Report:
            return api.lint_project(paths, config_file, _csv(select), _csv(ignore), jobs or default_jobs())
        report = lint_paths()
    if fix or show_diff:
        from templater import cli_project

        if stdin:
            report = cli_project.fix_stdin(report, data, show_diff, lint_stdin)
            out = sys.stderr
        else:
            report = cli_project.fix(report, show_diff, lint_paths)
    if write_baseline is not None:
        from templater import baseline as baselines

        count = baselines.write(report, write_baseline)
        click.echo(f"wrote {count} finding{'s' if count != 1 else ''} of {len(report.files)} "
                   f"file{'s' if len(report.files) != 1 else ''} to {write_baseline}", err=True)
        return
    if baseline is not None:
        from templater import baseline as baselines

        report = baselines.apply(report, baseline)
    # NO_COLOR (no-color.org): any non-empty value turns colour off.
    colour = fmt in ("text", "concise") and out.isatty() and not os.environ.get("NO_COLOR") and output_file is None
    extra = {}
    if fmt == "text" and stdin:  # the code frames show standard input, not the file on disk
        extra["sources"] = {} if fix else {stdin_filename or "-": data.decode("utf-8-sig", "replace")
                                           .replace("\r\n", "\n")}
    if statistics:
        from templater.formatters.statistics import format_statistics

        text = format_statistics(report.findings, len(report.files), fmt)
    else:
        text = formatter(fmt)(report.findings, len(report.files), colour, rules=report.rules, **extra)
    if output_file is not None:
        try:
            Path(output_file).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the report: {exc.strerror}", output_file) from None
    else:
        click.echo(text, file=out)
    note = report.market_note()
    if note:
        click.echo(f"templater: {note}", err=True)
    if report.failed(Severity.parse(fail_on) if fail_on else None) and not exit_zero:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("inputs", nargs=-1)
@click.option("--text", "texts", multiple=True, help="Classify this literal message (repeatable).")
@click.option("--language", type=click.Choice(LANGUAGES), help="The messages' language (default: detected).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def classify(inputs: tuple[str, ...], texts: tuple[str, ...], language: str | None, fmt: str) -> None:
    """Infer each message's category from its content, with the evidence and the consent it needs.

    INPUTS are .sms templates, plain-text files holding one message, or '-' for standard input.
    """
    if not inputs and not texts:
        raise click.UsageError("give a .sms template, a text file, '-' for standard input, or --text")
    results = []
    for item in inputs:
        if item == "-":
            results.append(_with_path(api.classify(_STDIN.read(), language), "-"))
        elif item.endswith(".sms"):
            from templater.library import load_template
            results.append(api.classify_file(load_template(Path(item), item), language))
        else:
            results.append(_with_path(api.classify(_read_text(item), language), item))
    for text in texts:
        results.append(api.classify(text, language))
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
        return
    for r in results:
        click.echo(f"{r.path}: {r.category} (needs {r.consent} consent)")
        if r.declared is not None and not r.agrees:
            click.echo(f"  declared {r.declared}, but the content reads as {r.category}")
        for ev in r.evidence:
            place = "in_reply_to" if ev.where == "metadata" else f"at {ev.start}-{ev.end}"
            click.echo(f"  {ev.kind} {ev.signal}: '{ev.text}' {place}"
                       + (f" ({ev.where})" if ev.where not in ("text", "metadata") else ""))
        if r.basis == "default":
            click.echo("  no promotional, transactional or reply markers: transactional by default"
                       " (consent express); a reply needs evidence (reply phrasing, or in_reply_to)")


class _Stdin:
    """Standard input read once, however many times '-' is given."""

    _text: str | None = None

    def read(self) -> str:
        if self._text is None:
            self._text = sys.stdin.read()
        return self._text


_STDIN = _Stdin()


def _with_path(result: Any, path: str) -> Any:
    result.path = path
    return result


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text: save the message as UTF-8", path, 1) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path) from None


def _parse_vars(pairs: tuple[str, ...], vars_file: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if vars_file:
        text = _read_text(vars_file)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError.from_yaml(exc, vars_file, text, "invalid JSON or YAML") from None
        except RecursionError:  # thousands of nested brackets: the loader recurses once per level
            raise InputError("invalid JSON or YAML: values nested too deeply", vars_file) from None
        except ValueError as exc:  # an integer over Python's 4,300-digit conversion limit
            raise InputError(f"a value Python cannot read ({str(exc).split(';')[0]}): quote it if it is "
                             "text", vars_file) from None
        if not isinstance(data, dict):
            raise InputError("must hold a mapping of variable names to values", vars_file, 1)
        values.update({str(k): v for k, v in data.items()})
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"'{pair}' is not NAME=VALUE", param_hint="--var")
        values[name.strip()] = value
    return values


@cli.command()
@click.argument("template")
@click.option("--var", "pairs", multiple=True, metavar="NAME=VALUE", help="A variable's value (repeatable).")
@click.option("--vars", "vars_file", type=click.Path(), help="A JSON or YAML file of variable values.")
@click.option("--example", is_flag=True, help="Fill what is missing with the template's example values.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv"]),
              help="One message: text (default) or json. With --recipients: jsonl or csv (default: by "
                   "the --out extension).")
@click.option("--max-output", type=click.IntRange(1, 100_000), default=1600, show_default=True,
              help="Stop rendering past this many characters.")
@click.option("--recipients", metavar="FILE", help="Render for every row of this CSV or JSON Lines file "
              "('-' for standard input); see docs/rendering.md. With --engine dask|spark: also Parquet, a "
              "folder or a quoted glob ('data/*.parquet').")
@click.option("--recipients-format", type=click.Choice(["csv", "jsonl", "parquet"]),
              help="Default: by extension (parquet: --engine dask|spark only).")
@click.option("--out", metavar="FILE", help="With --recipients: where the messages go ('-': standard output; then "
              "give --rejects).")
@click.option("--rejects", metavar="FILE", help="With --recipients: where rejected rows go "
              "(default: OUT with .rejects before the extension).")
@click.option("--default-region", metavar="CC[,CC]", help="Region(s) of numbers written without +country code "
              "(US, or US,FR: tried in each; valid in several is ambiguous). A region/country column wins.")
@click.option("--suppress", metavar="FILE", help="Numbers that get nothing: one per line (STOP, ARRET, ...).")
@click.option("--send-at", metavar="ISO8601", help="When the messages go out, for quiet hours and the reply "
              "window (default: now).")
@click.option("--quiet-hours", metavar="market|auto|PROFILE|HH:MM-HH:MM", cls=_QuietHoursOption)
@click.option("--reply-window", metavar="DURATION", help="Conversational: how long after the person's last "
              "message a reply may go (default 24h).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), help="Worker processes (default: all cores).")
@click.option("--column", "columns", multiple=True, metavar="VAR=HEADER",
              help="Read a variable (or phone, consent, opt_out...) from this column (repeatable).")
@click.option("--phone-column", metavar="HEADER", help="The column holding the phone number.")
@click.option("--keep", multiple=True, metavar="COLUMN", help="Copy this input column into each output "
              "line and reject (repeatable), to join results back.")
@click.option("--delimiter", metavar="CHAR", help="CSV separator (default: detected from the header: , ; tab |).")
@click.option("--allow-unknown-columns", is_flag=True, default=None, help="Run although a column looks like "
              "consent or opt-out data that templater does not read.")
@click.option("--dry-run", is_flag=True, default=None, help="Count rows by reason and show five messages; "
              "write nothing.")
@click.option("--chunk-size", type=click.IntRange(1, 100_000), default=1000, hidden=True)
@click.option("--engine", type=click.Choice(["local", "dask", "spark"]), help="Where the rows are rendered: "
              "local (default: this machine, streaming), dask or spark (a folder of Parquet ledger files in "
              "--out; needs templater[dask] or templater[spark]). See docs/scale.md.")
@click.option("--scheduler", metavar="ADDRESS", help="--engine dask: a running Dask scheduler (tcp://HOST:8786); "
              "default: a local cluster of --jobs worker processes. --engine spark: the Spark master.")
@click.option("--partition-size", metavar="SIZE", help="--engine dask|spark: input bytes per task, such as 32M "
              "(default 16M).")
@click.option("--max-memory", metavar="SIZE", envvar="TEMPLATER_MAX_MEMORY",
              help="Cap each rendering process's address space (RLIMIT_AS), such as 512M or 2G; also "
                   "TEMPLATER_MAX_MEMORY. See docs/security.md.")
@CONFIG_OPTION
@click.pass_context
def render(ctx: click.Context, template: str, pairs: tuple[str, ...], vars_file: str | None, example: bool,
           fmt: str | None, max_output: int, recipients: str | None, out: str | None, config_file: str | None,
           max_memory: str | None,
           **batch: Any) -> None:
    """Render one message from a template file or a library id, then lint it.

    The template is linted first, under the same configuration as `templater lint` (the nearest
    one, or --config): what lint fails at error level is not rendered. With --recipients and
    --out, render one message per recipient row that consent, opt-outs and local time allow, and
    account for every row in the output or the rejects file.
    """
    if max_memory:
        from templater.memory import limit_address_space

        limit_address_space(max_memory)  # before any worker is forked: they inherit it
    values = _parse_vars(pairs, vars_file)
    try:
        if recipients is not None or out is not None:
            _render_batch(template, values, example, fmt, max_output, recipients, out, config_file, batch)
        else:
            _render_one(template, values, example, fmt, max_output, config_file, batch)
    except api.RenderBlocked as blocked:
        click.echo(format_findings(blocked.findings, 1), err=True)
        if blocked.where == "template":
            click.echo("not rendered: the template has error-level findings (as `templater lint` reports); "
                       "nothing was written", err=True)
        else:
            click.echo("not rendered: the message has error-level findings", err=True)
        sys.exit(EXIT_FINDINGS)


def _render_one(template: str, values: dict[str, Any], example: bool, fmt: str | None, max_output: int,
                config_file: str | None, batch: dict[str, Any]) -> None:
    given = [f"--{k.replace('_', '-')}" for k, v in batch.items() if v not in (None, ()) and k != "chunk_size"]
    if given:
        raise click.UsageError(f"{given[0]} works with --recipients FILE --out FILE")
    if fmt in ("jsonl", "csv"):
        raise click.UsageError(f"--format {fmt} works with --recipients; one message is text or json")
    message, findings = api.render(template, values, example=example, max_output=max_output, config_file=config_file)
    if fmt == "json":
        data = message.to_dict()
        data["findings"] = [f.to_dict() for f in findings]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(printable(message.text))  # a preview: control characters shown, not acted on
        for f in findings:
            click.echo(printable(f"{f.severity} {f.rule} {f.message}"), err=True)


def _render_batch(template: str, values: dict[str, Any], example: bool, fmt: str | None, max_output: int,
                  recipients: str | None, out: str | None, config_file: str | None, batch: dict[str, Any]) -> None:
    """templater render --recipients: see templater/cli_render.py."""
    from templater.cli_render import render_batch

    click.get_current_context().obj["writes"] = True  # an interrupted run says that nothing was written
    with stops_raise():
        render_batch(template, values, example, fmt, max_output, recipients, out, config_file, batch)


@cli.command("list")
@click.option("--category", type=click.Choice(CATEGORIES))
@click.option("--language", type=click.Choice(LANGUAGES))
@click.option("--industry", help="retail, banking, health, travel, restaurant, ...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_(category: str | None, language: str | None, industry: str | None, fmt: str) -> None:
    """List the bundled library's templates."""
    from templater.library import entries
    rows = [e for e in entries() if (not category or e.category == category)
            and (not language or e.language == language) and (not industry or e.industry == industry)]
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in rows], ensure_ascii=False, indent=2))
        return
    width = max((len(e.id) for e in rows), default=0)
    for e in rows:
        click.echo(f"{e.id:<{width}}  {e.category:<14}  {e.description}")


@cli.command()
@click.argument("template_id")
def show(template_id: str) -> None:
    """Print a library template (front matter and body) as it is stored."""
    from templater.library import find
    click.echo(find(template_id).source, nl=False)




@click.command("init")
@click.argument("folder", default=".", type=click.Path(file_okay=False, exists=True))
def init_command(folder: str) -> None:
    """Set up a content repository: a commented .templater.yaml (or [tool.templater] in an existing
    pyproject.toml) and the templater hook in .pre-commit-config.yaml. Overwrites nothing."""
    from templater.init import init

    for step in init(Path(folder)):
        click.echo(f"{folder}: {step}")


# Set by a command after which the process holds nothing to tidy up: no open file, no temporary
# file, no worker (`lint` writes its report, --fix its files, before it returns).
_EXIT_AT_ONCE: list[bool] = []


_IN_MAIN: list[bool] = []  # set by main(): this process is the console command, not a caller's


def _freeze_loaded() -> None:
    """Load the bundled rules, then take everything built so far out of the collector's sight
    (gc.freeze): it lives until the process ends, and each full collection walked all of it (the
    rule set alone is some 100,000 objects) for nothing; with 2,000 files that was half the
    collector's time. The console command only (a caller's process keeps its collector as it is),
    and not with the reference switch."""
    import gc

    from templater import reference

    if not reference.ON:
        api.ruleset()
        gc.freeze()


def main() -> None:
    """Entry point of the `templater` console script (and of `python -m templater.cli`). After
    `lint` it ends the process itself (_exit_at_once); to run commands from Python, use
    `cli.main(args, standalone_mode=False)` or click's CliRunner, which return."""
    _IN_MAIN.append(True)
    try:
        cli(prog_name="templater")
    except SystemExit as exc:
        if _EXIT_AT_ONCE and isinstance(exc.code, (int, type(None))):
            _exit_at_once(exc.code or 0)
        raise


def _exit_at_once(code: int) -> None:
    """Flush the output and leave without tearing the interpreter down.

    Python's own exit frees every object and module one by one and runs the garbage collector
    over them: for `templater lint FILE` that was about a tenth of the run (the rule set alone
    is some 100,000 objects). The reference switch keeps Python's exit.
    """
    from templater import records, reference

    if reference.ON:
        return
    records.save()  # what atexit would have written
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # let Python's exit report or ignore it as it would
    os._exit(code)


if __name__ == "__main__":
    main()
