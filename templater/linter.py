"""Lint templates: find files, run the selected rules, place and sort the findings."""
from __future__ import annotations

import os
from dataclasses import field, replace
from pathlib import Path
from typing import Any, Iterable

from templater.records import dataclass
from templater import errors, reference, suppress
from templater.context import Hit, LintContext
from templater.errors import InternalError, RulePackError, processing
from templater.findings import Finding, Severity, end_column
from templater.markets import of_template
from templater.checks import builtin  # noqa: F401 - registers the builtin checks
from templater.checks.kinds import checks_messages, run, runnable
from templater.checks.registry import REGISTRY, spec_of
from templater.rulepacks.loader import RuleSet
from templater.rulepacks.model import Rule
from templater.rulepacks.patterns import LazyPattern, literals_held
from templater.template import Problem, Template, parse, read_source
from templater.text import fold, mask_jinja, normalize

# Rules the linter runs itself, across files or before a template exists.
RUN_LEVEL = {"duplicate-id", "unreadable-file", suppress.UNUSED}


@dataclass
class LintOptions:
    """Which rules run and at which severity."""

    select: tuple[str, ...] = ()          # rule ids (or prefixes); empty = all
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    max_output: int = 1600
    language: str | None = None           # for templates that declare none (configuration)
    market: tuple[str, ...] = ()          # for templates whose market is neither declared nor in their tag
    max_segments: int | None = None       # given to every rule with a `max_segments` option
    shared_options: dict[str, Any] = field(default_factory=dict)      # likewise, by option name
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> its options

    def enabled(self, rule_id: str) -> bool:
        if self.select and not any(rule_id.startswith(s) for s in self.select):
            return False
        return not any(rule_id.startswith(s) for s in self.ignore)


@dataclass
class FileResult:
    """The findings of one file and the id it declares (for the duplicate-id check)."""

    path: str
    findings: list[Finding]
    template_id: str | None = None
    id_line: int = 1
    directives: list[suppress.Directive] = field(default_factory=list)
    market_defaulted: str | None = None   # the bare language whose default market was used ('en')


def _with_ends(findings: list[Finding], source: str) -> list[Finding]:
    """The findings with where each ends in the file (findings.end_column), and where their fixes' edits are."""
    if not findings:
        return findings
    lines = source.split("\n")
    out = []
    for f in findings:
        text = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        out.append(replace(f, end_line=f.line, end_column=end_column(text, f.column, f.message),
                           fix=f.fix.placed(source) if f.fix is not None and f.fix.edits else f.fix))
    return out


# The fields in which a message check names the text it matched.
_MATCHED = ("text", "match", "host", "run")


def _from_values(hit: Hit, own: str) -> bool:
    """Whether a hit on a rendered message matched text that the template's own text (folded,
    lower-cased, tags blanked) does not hold: then a value brought it, and a suppression comment,
    which covers the template's own text only, does not silence it. A hit that names no matched
    text (a count, a whole-message measure) stays suppressed."""
    for key in _MATCHED:
        matched = hit.params.get(key)
        if isinstance(matched, str) and matched.strip():
            return " ".join(fold(matched).lower().split()) not in " ".join(own.split())
    return False


def _unlisted(folder: Path) -> str:
    try:
        os.scandir(folder).close()
    except OSError as exc:
        return f"cannot list this folder ({exc.strerror}): the templates in it were not linted"
    return "a folder, not a template"


class Linter:
    """Runs a rule set over templates."""

    def __init__(self, ruleset: RuleSet, options: LintOptions | None = None) -> None:
        self.ruleset = ruleset
        self.options = options or LintOptions()
        for rule in ruleset.rules.values():
            if rule.kind == "builtin" and rule.check not in REGISTRY and rule.id not in RUN_LEVEL:
                raise RulePackError(f"rule '{rule.id}': unknown check '{rule.check}'", rule.packs[0])
        self.active = [self._configured(r) for r in ruleset.rules.values() if self.options.enabled(r.id)]
        self.active_ids = {r.id for r in self.active}
        self._runs: dict[tuple, list[tuple[Rule, Any]]] = {}  # see _runnable
        self._own: dict[tuple, tuple[dict[str, list[int]], frozenset[str], frozenset[int]]] = {}  # see _silent

    def _configured(self, rule: Rule) -> Rule:
        # Configured values reach the rule as its options; the loaded rule itself is not mutated.
        shared = {"max_segments": self.options.max_segments, **self.options.shared_options}
        changes = {k: v for k, v in shared.items() if v is not None and k in rule.options}
        changes.update(self.options.rule_options.get(rule.id, {}))
        return replace(rule, options={**rule.options, **changes}) if changes else rule

    def _finding(self, rule: Rule, hit: Hit, template: Template | None, path: str) -> Finding:
        if hit.offset is not None and template is not None:
            line, column = template.position(hit.offset)
        else:
            line, column = hit.line or 1, hit.column
        severity = self.options.severity.get(rule.id, rule.severity_of(hit.variant))
        message = rule.message_of(hit.variant).format(**hit.params)
        return Finding(path, line, column, rule.id, severity, message, fix=hit.fix)

    def lint_source(self, source: str, path: str, default_id: str) -> FileResult:
        """Lint one template given as text."""
        template, problems = parse(source, path, default_id)
        return self.lint_parsed(template, problems, path)

    def lint_parsed(self, template: Template | None, problems: list[Problem], path: str) -> FileResult:
        findings: list[Finding] = []
        if template is None:
            for problem in problems:
                rule = self.ruleset.rules.get(problem.rule)
                if rule is not None and rule in self.active:
                    findings.append(self._finding(rule, Hit(rule.id, problem.params, line=problem.line,
                                                            column=problem.column), None, path))
            return FileResult(path, sorted(findings))
        if template.meta.get("language") in (None, ""):
            self._infer_language(template)
        ctx = LintContext(template, self.ruleset, problems, self.options.max_output)
        markets, defaulted = of_template(template.meta, self.options.market)
        if reference.ON:
            for rule in self.active:
                if rule.id in RUN_LEVEL or not rule.runs_in(markets):
                    continue
                for hit in run(rule, ctx):
                    findings.append(self._finding(rule, hit, template, path))
        else:
            runs = self._runnable(markets, template.category, ctx.ast is not None)
            silent = self._silent((markets, template.category, ctx.ast is not None), runs, ctx)
            for i, (rule, check) in enumerate(runs):
                if i in silent:
                    continue
                for hit in check(rule, ctx):
                    findings.append(self._finding(rule, hit, template, path))
        return FileResult(path, sorted(set(_with_ends(findings, template.source))), template.id,
                          template.key_line("id"), suppress.parse(template), template.language if defaulted else None)

    def _runnable(self, markets: tuple[str, ...], category: str | None, parsed: bool) -> list[tuple[Rule, Any]]:
        """(rule, its check) of each active rule that run() would run on a template of these
        markets and category, in order: worked out once per kind of template, not per file."""
        key = (markets, category, parsed)
        found = self._runs.get(key)
        if found is None:
            found = []
            for rule in self.active:
                if rule.id in RUN_LEVEL or not rule.runs_in(markets):
                    continue
                spec = runnable(rule, category, parsed)
                if spec is not None:
                    found.append((rule, spec.run))
            self._runs[key] = found
        return found

    def _silent(self, key: tuple, runs: list[tuple[Rule, Any]], ctx: LintContext) -> frozenset[int] | tuple:
        """Which of runs cannot fire on this template: the rules that fire only on a match of their
        own patterns (CheckSpec.matches_own), none of whose literals the body's text or its rendered
        example holds. The literals a text holds are looked up once in an index of all those rules'
        (literal -> rules), instead of a test per rule and text."""
        language = ctx.language
        own = self._own.get((key, language))
        if own is None:
            index: dict[str, list[int]] = {}
            for i, (rule, check) in enumerate(runs):
                spec = spec_of(rule)
                pattern = rule.pattern_for(language)
                if (spec is not None and spec.matches_own and spec.run is check and isinstance(pattern, LazyPattern)
                        and pattern.alts is not None and pattern.literals is not None):
                    for literal in pattern.literals:
                        index.setdefault(literal, []).append(i)
            candidates = frozenset(i for rules in index.values() for i in rules)
            own = self._own[(key, language)] = (index, frozenset(index), candidates)
        index, keys, candidates = own
        if not candidates:
            return ()
        held = literals_held(ctx.masked)
        rendered = ctx.rendered
        other = literals_held(rendered) if rendered else frozenset()
        if held is None or other is None:
            return ()  # case folding could hide a match: every rule looks for itself
        found = keys.intersection(held)
        if other:
            found |= keys.intersection(other)
        if not found:
            return candidates
        return candidates.difference([i for literal in found for i in index[literal]])

    def _infer_language(self, template: Template) -> None:
        """A template that declares no language: the configuration's, else the body's when it
        clearly reads as a language other than English (its rules apply, and language-not-declared
        says so), else English."""
        if self.options.language:
            template.meta["language"] = self.options.language
            return
        from templater.classify import guess_language  # only templates without `language:` need it

        detected = guess_language(normalize(mask_jinja(template.body)))
        if detected is not None and detected != "en":
            template.meta["language"] = template.inferred_language = detected

    def lint_message(self, template: Template, text: str, known: FileResult | None = None) -> list[Finding]:
        """Lint a rendered message against the content rules, under its template's category.

        known: the template's own lint result. A message finding that the template's text already
        produced (same rule, same message) takes that finding's place, so the template's inline
        suppression comments cover it as they do in lint; any other (a value brought it) sits on the
        body's first line and no suppression comment covers it: values are always checked.
        """
        ctx = LintContext.for_message(template, text, self.ruleset)
        directives = known.directives if known is not None else suppress.parse(template)
        # The template's whole-file suppressions hold for every message rendered from it, but only
        # over the template's own text: a match that a value brought is always reported.
        silenced = {r for d in directives if d.action == "disable" for r in d.rules}
        own: str | None = None
        places = {(f.rule, f.message): (f.line, f.column) for f in reversed(known.findings)} if known else {}
        findings: list[Finding] = []
        placed: list[Finding] = []  # placed: the template's own findings again, where its inline comments hold
        markets = of_template(template.meta, self.options.market)[0]
        for rule in self.active:
            if checks_messages(rule) and rule.runs_in(markets):
                for hit in run(rule, ctx):
                    if rule.id in silenced:
                        if own is None:
                            own = fold(mask_jinja(template.body)).lower()
                        if not _from_values(hit, own):
                            continue
                    place = places.get((rule.id, rule.message_of(hit.variant).format(**hit.params)))
                    line, column = place or (template.body_line, 1)
                    (placed if place else findings).append(self._finding(
                        rule, Hit(hit.rule, hit.params, line=line, column=column, variant=hit.variant), None,
                        template.path))
        inline = [d for d in directives if d.action != "disable"]  # file-level ones: handled above
        if placed and inline:
            placed = suppress.apply(placed, inline, self.active_ids, set(self.ruleset.rules))[0]
        return sorted(set(findings + placed))

    def _lint_entry(self, entry: tuple[Path, str, str]) -> FileResult:
        return self.lint_file(*entry)

    def lint_file(self, file: Path, display: str, default_id: str) -> FileResult:
        """Lint one file; a file that cannot be read is a finding, and the run goes on."""
        try:
            source = read_source(file)
        except (OSError, ValueError) as exc:
            if isinstance(exc, OSError) and file.is_dir():  # a folder discovery could not list
                return self.unreadable(display, _unlisted(file), 1)
            return self.unreadable(display, str(exc), getattr(exc, "line", 1))  # line of a bad byte or NUL
        return self.lint_text(source, display, default_id)

    def lint_text(self, source: str, display: str, default_id: str) -> FileResult:
        """Lint one template's text (a file's, standard input's, an editor's buffer)."""
        try:
            with processing(display):  # an unexpected error names the file, here or in a worker
                return self.lint_source(source, display, default_id)
        except InternalError as exc:  # that file's finding: the other files' findings are kept
            if errors.DEBUG:
                raise
            return self.unreadable(display, f"{exc.message}", 1)

    def unreadable(self, display: str, problem: str, line: int) -> FileResult:
        rule = self.ruleset.rules.get("unreadable-file")
        if rule is None or rule not in self.active:
            return FileResult(display, [])
        return FileResult(display, [self._finding(rule, Hit(rule.id, {"problem": problem}, line=line),
                                                  None, display)])

    def duplicate_ids(self, results: list[FileResult], elsewhere: dict[str, str] | None = None) -> list[Finding]:
        """Findings for every template whose id an earlier template in the run already has, or a
        template of the project the run does not read (elsewhere: id -> "path:line")."""
        rule = self.ruleset.rules.get("duplicate-id")
        if rule is None or rule not in self.active:
            return []
        first: dict[str, str] = dict(elsewhere or {})
        out = []
        for result in results:
            if result.template_id is None:
                continue
            if result.template_id in first:
                hit = Hit(rule.id, {"id": result.template_id, "other": first[result.template_id]},
                          line=result.id_line)
                out.append(self._finding(rule, hit, None, result.path))
            else:
                first[result.template_id] = f"{result.path}:{result.id_line}"
        return out

    def finish(self, result: FileResult, extra: Iterable[Finding] = ()) -> list[Finding]:
        """A file's findings (plus run-level ones such as duplicate-id) after its suppression comments."""
        kept, unused = suppress.apply([*result.findings, *extra], result.directives, self.active_ids,
                                      set(self.ruleset.rules))
        rule = self.ruleset.rules.get(suppress.UNUSED)
        if rule is not None and rule.id in self.active_ids and unused:
            reports = [self._finding(rule, Hit(rule.id, {"directive": u.directive.text, "problem": u.problem},
                                               line=u.directive.line, column=u.directive.column), None, result.path)
                       for u in unused]
            kept += suppress.apply(reports, result.directives, self.active_ids, set(self.ruleset.rules))[0]
        return sorted(kept)
