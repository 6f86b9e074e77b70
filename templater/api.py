"""What users call from Python: lint, classify, render. Returns data; never prints."""
from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from templater.records import dataclass
from templater import config as configuration
from templater.context import LintContext
from templater.findings import Finding, Severity
from templater.errors import InputError, TemplateError, processing
from templater.linter import FileResult, LintOptions
from templater.pool import ordered_map
from templater.policy import Policies, Policy, checked_ruleset, errors_in, ruleset  # noqa: F401 - re-exported
from templater.rulepacks.model import Rule
from templater.template import Problem, Template, parse, read_source

if TYPE_CHECKING:  # imported where used, so that `templater lint` never loads them
    from templater import fixes
    from templater.classify import Classification
    from templater.render.batch import Summary as BatchSummary
    from templater.render.message import Rendered

def lint(paths: Iterable[str], options: LintOptions | None = None, jobs: int = 1,
         config_file: str | Path | None = None) -> tuple[list[Finding], int]:
    """Lint files and folders as `templater lint` does, each under its nearest configuration (or
    config_file), with options as the base of every file's options; returns the sorted findings
    after suppression and the file count."""
    report = lint_project(paths, config_file, jobs=jobs, options=options)
    return report.findings, len(report.files)


@dataclass
class LintedFile:
    """One linted file, the configuration that governs it, and its findings after suppression."""

    file: Path
    display: str
    default_id: str
    config: configuration.Config
    findings: list[Finding] = field(default_factory=list)
    market_defaulted: str | None = None   # the bare language tag whose default market was used
    policy: Policy | None = None          # what linted it: --fix lints the fixed text again with it

    def relint(self, text: str) -> list[Finding]:
        """The findings of another text for this file (after suppression), as its policy lints it."""
        policy = self.policy
        if policy is None:
            raise ValueError(f"{self.display} was not linted under a policy")
        return policy.linter.finish(policy.linter.lint_text(text, self.display, self.default_id))


@dataclass
class Report:
    """The outcome of linting files under their configurations."""

    files: list[LintedFile]
    rules: dict[str, Rule] = field(default_factory=dict)  # every rule of the run's policies, by id

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


def lint_project(paths: Iterable[str], config_file: str | Path | None = None, select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = (), jobs: int = 1, options: LintOptions | None = None) -> Report:
    """Lint files and folders, each under its policy (nearest configuration, or config_file for all).

    select replaces the configuration's select; ignore adds to its ignore.
    """
    paths = list(paths)
    policies = Policies(config_file, select, ignore, options)
    entries = policies.discover(paths)
    keyed = [(policies.for_path(entry[0]), entry) for entry in entries]
    results: list[FileResult] = list(ordered_map(lambda k: k[0].linter.lint_file(*k[1]), keyed, jobs))
    duplicates: dict[str, list[Finding]] = {}
    distinct = {id(p): p for p, _e in keyed}.values()
    elsewhere = policies.elsewhere(paths, entries)
    for policy in distinct:
        mine = {r.path for (p, _e), r in zip(keyed, results) if p is policy}
        for finding in policy.linter.duplicate_ids(results, elsewhere):
            if finding.path in mine:
                duplicates.setdefault(finding.path, []).append(finding)
    rules = {rid: rule for p in distinct for rid, rule in p.ruleset.rules.items()}
    return Report([LintedFile(e[0], e[1], e[2], p.config, p.linter.finish(r, duplicates.get(r.path, ())),
                              r.market_defaulted, p) for (p, e), r in zip(keyed, results)], rules)


def lint_text(source: str | bytes, path: str, config_file: str | Path | None = None, select: tuple[str, ...] = (),
              ignore: tuple[str, ...] = (), options: LintOptions | None = None,
              elsewhere: dict[str, str] | None = None) -> Report:
    """Lint text (standard input, an editor's buffer) as if it were the file at path: that path's
    configuration, per_path_ignores, default id and inline suppression. Its id is checked against
    the project's other templates (elsewhere: their ids, each with its "path:line", when the
    caller already knows them). The file itself need not exist.
    """
    from templater.template import UnreadableTemplate, decode_source

    policies = Policies(config_file, select, ignore, options)
    file = Path(path)
    policy = policies.for_path(file)
    default = policy.default_id(file, file.with_suffix("").name)
    try:
        text = decode_source(source) if isinstance(source, bytes) else decode_source(source.encode("utf-8"))
    except UnreadableTemplate as exc:
        result = policy.linter.unreadable(path, str(exc), exc.line)
    else:
        result = policy.linter.lint_text(text, path, default)
    if elsewhere is None:
        elsewhere = policies.elsewhere([path], [(file, path, default)])
    findings = policy.linter.finish(result, policy.linter.duplicate_ids([result], elsewhere))
    return Report([LintedFile(file, path, default, policy.config, findings, policy=policy)], dict(policy.ruleset.rules))


def fix_project(report: Report, write: bool) -> list[fixes.FileFix]:
    """Apply the safe fixes to every linted file (written atomically when write), for a diff or a summary."""
    from templater import fixes  # only --fix and --diff need it
    out = []
    for lf in report.files:
        try:
            before, newline, bom = fixes.read_text(lf.file)
        except (OSError, UnicodeDecodeError):
            continue  # reported as unreadable-file by the lint itself
        fix = fix_text(lf, before)
        if write and fix.changed:
            try:
                fixes.write_atomic(lf.file, fix.after, newline, bom)
            except OSError as exc:
                raise InputError(f"cannot write the fixed file: {exc.strerror}", lf.display) from None
        out.append(fix)
    return out


def fix_text(lf: LintedFile, before: str) -> fixes.FileFix:
    """The fixes of one linted file's findings, made in its text (not written)."""
    from templater import fixes

    after, applied, skipped = fixes.apply_all(before, lf.findings, lf.relint if lf.policy is not None else None)
    if not applied and not skipped and parse(before, lf.display, lf.default_id)[0] is None:
        skipped = ["the file does not parse: fix its front matter first"]
    return fixes.FileFix(lf.file, lf.display, before, after, applied, skipped)


def classify(text: str, language: str | None = None) -> Classification:
    """Classify a plain message by its content."""
    from templater.classify import classify_text

    return classify_text(text, ruleset(), language=language)


def classify_file(template: Template, language: str | None = None, config_file: str | Path | None = None) -> Classification:
    """Classify a parsed template, under its file's policy, and compare with its declared category."""
    from templater.classify import classify_template

    policy = Policies(config_file).for_path(Path(template.path))
    if template.meta.get("language") in (None, "") and policy.config.language:
        template.meta["language"] = policy.config.language
    with processing(template.path):  # an unexpected error names the template
        return classify_template(LintContext(template, policy.ruleset), language)


class RenderBlocked(Exception):
    """The template, or a message rendered from it, has an error-level finding: nothing is sent.

    where is "template" (what `templater lint` refuses) or "message" (the rendered text).
    """

    def __init__(self, findings: list[Finding], where: str = "message") -> None:
        super().__init__(findings[0].message)
        self.findings = findings
        self.where = where


@dataclass
class Admitted:
    """A template its policy lets render: the template, the policy, and its lint result."""

    template: Template
    policy: Policy
    result: FileResult
    findings: list[Finding]


def admit(template: str | Template, config_file: str | Path | None = None) -> Admitted:
    """Lint a template file, library id or parsed template under its policy, as `templater lint`
    does; raises RenderBlocked("template") when lint would fail it at error level, so render,
    bulk render and lint refuse the same templates."""
    from templater.library import find, looks_like_path

    policies = Policies(config_file)
    tpl: Template | None
    problems: list[Problem]
    if isinstance(template, Template):
        tpl, problems, display = template, [], template.path
        policy = policies.for_path(Path(template.path))
    elif looks_like_path(template):  # a library id never falls back to a file of that name
        if not Path(template).exists():
            raise TemplateError("no such template file", template)
        path = Path(template)
        policy = policies.for_path(path)
        try:
            source = read_source(path)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the template: {exc}", template, getattr(exc, "line", None)) from None
        tpl, problems = parse(source, template, policy.default_id(path, path.with_suffix("").name))
        display = template
    else:  # a library id, under the configuration of the current folder
        tpl, problems, display = find(template), [], template
        policy = policies.for_path(Path.cwd())
    with processing(display):
        result, findings = policy.admit(tpl, problems, display)
    errors = errors_in(findings)
    if errors:
        raise RenderBlocked(errors, "template")
    if tpl is None:  # not a template, and the rule that says so is switched off
        raise TemplateError(f"{problems[0].rule}: {problems[0].params.get('problem', 'invalid template')}",
                            display, problems[0].line)
    return Admitted(tpl, policy, result, findings)


def render(template: str | Template, values: dict[str, Any] | None = None, example: bool = False,
           max_output: int = 1600, config_file: str | Path | None = None) -> tuple[Rendered, list[Finding]]:
    """Render one message and lint it under the template's policy; raises RenderError, or
    RenderBlocked when the template or the message has an error-level finding."""
    from templater.render.message import Renderer

    admitted = admit(template, config_file)
    tpl, policy = admitted.template, admitted.policy
    with processing(tpl.path):  # an unexpected error names the template
        ctx = LintContext(tpl, policy.ruleset, max_output=max_output)
        renderer = Renderer(tpl, ctx, max_output)
        vals = dict(values or {})
        if example:
            for name, value in tpl.examples().items():
                vals.setdefault(name, value)
        message = renderer.render(vals)
        findings = policy.linter.lint_message(tpl, message.text, admitted.result)
    errors = errors_in(findings)
    if errors:
        raise RenderBlocked(errors)
    return message, findings


def render_batch(template: str | Template, recipients: str, out: str | None, rejects: str | None = None, *,
                 values: dict[str, Any] | None = None, jobs: int | None = None, chunk_size: int = 1000,
                 progress: Any = None, config_file: str | Path | None = None, dry_run: bool = False,
                 warn: Any = None, on_progress: Any = None, **settings: Any) -> BatchSummary:
    """Render a template for every recipient row that consent, opt-outs and local time allow.

    The template is first linted under its policy (nearest configuration, or config_file): an
    error-level finding raises RenderBlocked before any row is read. Rows go to `out` (JSON Lines
    or CSV) or to `rejects` (default: beside out, '.rejects' before the extension) with the
    reason; both files appear only when the run completes. `values` fill variables a row leaves
    empty. Settings: recipients_format, out_format, default_region, suppress (a file or numbers),
    send_at, quiet_hours, reply_window, max_output, columns, phone_column, keep,
    allow_unknown_columns, delimiter; see docs/rendering.md. default_region, quiet_hours,
    reply_window and suppress not given come from the template's configuration, if it sets them. `out` '-' is standard output (then
    give rejects). dry_run: write nothing; the summary counts and holds the first messages
    (samples). warn(text) gets each warning before the first row; on_progress(summary,
    bytes_read, size) after each chunk.
    """
    from templater.render import batch

    if out is None and not dry_run:
        raise TypeError("render_batch needs out unless dry_run")
    admitted = admit(template, config_file)
    settings = batch.configured(settings, admitted.policy.config)
    spec = batch.make_spec(admitted.template, admitted.policy.ruleset, recipients=recipients, values=values,
                           linter=admitted.policy.linter, admitted=admitted.result, **settings)
    out = out or ""
    return batch.run(spec, recipients, out, rejects or batch.rejects_path(out or "out.jsonl"), jobs, chunk_size,
                     progress, dry_run=dry_run, warn=warn, on_progress=on_progress)
