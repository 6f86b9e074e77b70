"""What users call from Python: lint, classify, render. Returns data; never prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from templater import config as configuration
from templater.context import LintContext
from templater.findings import Finding, Severity
from templater.errors import InputError, processing
from templater.linter import FileResult, Linter, LintOptions, discover
from templater.parallel import ordered_map
from templater.resources import rules_dir
from templater.rulepacks.loader import RuleSet, load_ruleset
from templater.template import Template
from templater.text import normalize

if TYPE_CHECKING:  # imported where used, so that `templater lint` never loads them
    from templater import fixes
    from templater.classify import Classification
    from templater.render.batch import Summary as BatchSummary
    from templater.render.message import Rendered

_RULESETS: dict[tuple[str, ...], RuleSet] = {}


def ruleset(extra_folders: Iterable[Path] = ()) -> RuleSet:
    """The bundled rule packs plus any extra folders, loaded once per process."""
    folders = (str(rules_dir()), *(str(f) for f in extra_folders))
    if folders not in _RULESETS:
        _RULESETS[folders] = load_ruleset(Path(f) for f in folders)
    return _RULESETS[folders]


def lint(paths: Iterable[str], options: LintOptions | None = None, jobs: int = 1) -> tuple[list[Finding], int]:
    """Lint files and folders in `jobs` processes; returns the sorted findings and the file count."""
    return Linter(ruleset(), options).lint_paths(paths, jobs)


@dataclass
class LintedFile:
    """One linted file, the configuration that governs it, and its findings after suppression."""

    file: Path
    display: str
    default_id: str
    config: configuration.Config
    findings: list[Finding] = field(default_factory=list)
    market_defaulted: str | None = None   # the bare language tag whose default market was used


@dataclass
class Report:
    """The outcome of linting files under their configurations."""

    files: list[LintedFile]

    @property
    def findings(self) -> list[Finding]:
        return sorted(f for lf in self.files for f in lf.findings)

    def market_note(self) -> str | None:
        """One line for the run when templates were linted under a bare language's default market."""
        from templater.markets import from_tag

        counts: dict[str, int] = {}
        for lf in self.files:
            if lf.market_defaulted:
                counts[lf.market_defaulted] = counts.get(lf.market_defaulted, 0) + 1
        if not counts:
            return None
        parts = [f"{n} '{lang}' as {from_tag(lang)[0]}" for lang, n in sorted(counts.items())]
        return (f"note: templates without a market were linted for the default market of their language "
                f"({', '.join(parts)}); declare 'market:' (us, fr, ca, gb) in the front matter or the "
                "configuration, or a language tag with a region (fr-CA)")

    def failed(self, fail_on: Severity | None = None) -> bool:
        """Whether a finding reaches fail_on, or else its own file's configured fail_on."""
        return any(f.severity >= (fail_on or lf.config.fail_on) for lf in self.files for f in lf.findings)


def checked_ruleset(config: configuration.Config) -> RuleSet:
    """The rules a configuration asks for, after checking the rule ids and wording it names."""
    rules = ruleset(config.rule_folders)
    configuration.check_rule_ids(config, set(rules.rules))
    configuration.check_rule_options(config, {r.id: r.options for r in rules.rules.values()})
    opt_out = rules.rules.get(configuration.OPT_OUT_RULE)
    for lang, wording in config.opt_out.items():
        pattern = opt_out.patterns.get(lang) if opt_out else None
        if pattern is not None and not pattern.search(normalize(wording)):
            raise config.error(f"opt_out.{lang}", f"'{wording}' is not opt-out wording that rule "
                               f"{opt_out.id} recognises: write for example {opt_out.suggestion.get(lang, '')}")
    return rules


def lint_project(paths: Iterable[str], config_file: str | Path | None = None, select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = (), jobs: int = 1) -> Report:
    """Lint files and folders, each under its nearest configuration (or config_file for all).

    select replaces the configuration's select; ignore adds to its ignore.
    """
    resolver = configuration.Resolver(config_file)
    entries = discover(paths)
    linters: dict[tuple, Linter] = {}
    keyed = []
    for entry in entries:
        config = resolver.for_path(entry[0])
        extra = config.ignored_for(entry[0])
        key = (config.path, extra)
        if key not in linters:
            rules = checked_ruleset(config)
            for option, names in (("--select", select), ("--ignore", ignore)):
                configuration.check_rule_ids(configuration.Config(select=names), set(rules.rules), option)
            linters[key] = Linter(rules, LintOptions(
                select=select or config.select, ignore=(*config.ignore, *ignore, *extra),
                severity=config.severity, language=config.language, market=config.market, max_segments=config.max_segments,
                shared_options={"brand_domains": list(config.brand_domains) or None},
                rule_options=config.rule_options))
        keyed.append((key, config, entry))
    results: list[FileResult] = list(ordered_map(lambda k: linters[k[0]].lint_file(*k[2]), keyed, jobs))
    duplicates: dict[str, list[Finding]] = {}
    for key, linter in linters.items():
        mine = {r.path for (k, _c, _e), r in zip(keyed, results) if k == key}
        for finding in linter.duplicate_ids(results):
            if finding.path in mine:
                duplicates.setdefault(finding.path, []).append(finding)
    return Report([LintedFile(e[0], e[1], e[2], c, linters[k].finish(r, duplicates.get(r.path, ())),
                              r.market_defaulted) for (k, c, e), r in zip(keyed, results)])


def fix_project(report: Report, write: bool) -> list[fixes.FileFix]:
    """Apply the safe fixes to every linted file (written atomically when write), for a diff or a summary."""
    from templater import fixes  # only --fix and --diff need it
    out = []
    for lf in report.files:
        try:
            before, newline, bom = fixes.read_text(lf.file)
        except (OSError, UnicodeDecodeError):
            continue  # reported as unreadable-file by the lint itself
        after, applied, skipped = fixes.fix_source(before, lf.findings, lf.config.opt_out, lf.default_id,
                                                   lf.config.language)
        fix = fixes.FileFix(lf.file, lf.display, before, after, applied, skipped)
        if write and fix.changed:
            try:
                fixes.write_atomic(lf.file, after, newline, bom)
            except OSError as exc:
                raise InputError(f"cannot write the fixed file: {exc.strerror}", lf.display) from None
        out.append(fix)
    return out


def classify(text: str, language: str | None = None) -> Classification:
    """Classify a plain message by its content."""
    from templater.classify import classify_text

    return classify_text(text, ruleset(), language=language)


def classify_file(template: Template, language: str | None = None) -> Classification:
    """Classify a parsed template and compare with its declared category."""
    from templater.classify import classify_template

    with processing(template.path):  # an unexpected error names the template
        return classify_template(LintContext(template, ruleset()), language)


class RenderBlocked(Exception):
    """A rendered message carries an error-level finding; it must not be sent."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[0].message)
        self.findings = findings


def render(template: str | Template, values: dict[str, Any] | None = None, example: bool = False,
           max_output: int = 1600) -> tuple[Rendered, list[Finding]]:
    """Render one message and lint it; raises RenderError, or RenderBlocked on an error finding."""
    from templater.library import find
    from templater.render.message import Renderer

    tpl = find(template) if isinstance(template, str) else template
    rules = ruleset()
    with processing(tpl.path):  # an unexpected error names the template
        ctx = LintContext(tpl, rules, max_output=max_output)
        renderer = Renderer(tpl, ctx, max_output)
        vals = dict(values or {})
        if example:
            for name, value in tpl.examples().items():
                vals.setdefault(name, value)
        message = renderer.render(vals)
        findings = Linter(rules).lint_message(tpl, message.text)
    errors = [f for f in findings if f.severity >= Severity.ERROR]
    if errors:
        raise RenderBlocked(errors)
    return message, findings


def render_batch(template: str | Template, recipients: str, out: str | None, rejects: str | None = None, *,
                 values: dict[str, Any] | None = None, jobs: int | None = None, chunk_size: int = 1000,
                 progress: Any = None, dry_run: bool = False, warn: Any = None, on_progress: Any = None,
                 **settings: Any) -> BatchSummary:
    """Render a template for every recipient row that consent, opt-outs and local time allow.

    Rows go to `out` (JSON Lines or CSV) or to `rejects` (default: beside out, '.rejects' before the
    extension) with the reason; both files appear only when the run completes. `values` fill
    variables a row leaves empty. Settings: recipients_format, out_format, default_region, suppress
    (a file or numbers), send_at, quiet_hours, reply_window, max_output, columns, phone_column, keep,
    allow_unknown_columns, delimiter; see docs/rendering.md. `out` '-' is standard output (then give
    rejects). dry_run: write nothing; the summary counts and holds the first messages (samples).
    warn(text) gets each warning before the first row; on_progress(summary, bytes_read, size) after
    each chunk.
    """
    from templater.library import find
    from templater.render import batch

    tpl = find(template) if isinstance(template, str) else template
    spec = batch.make_spec(tpl, ruleset(), recipients=recipients, values=values, **settings)
    if out is None and not dry_run:
        raise TypeError("render_batch needs out unless dry_run")
    out = out or ""
    return batch.run(spec, recipients, out, rejects or batch.rejects_path(out or "out.jsonl"), jobs, chunk_size,
                     progress, dry_run=dry_run, warn=warn, on_progress=on_progress)
