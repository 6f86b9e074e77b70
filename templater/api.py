"""What users call from Python: lint, classify, render. Returns data; never prints."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from templater.classify import Classification, classify_template, classify_text
from templater.context import LintContext
from templater.findings import Finding, Severity
from templater.library import find
from templater.linter import Linter, LintOptions
from templater.render.message import Rendered, Renderer
from templater.resources import rules_dir
from templater.rulepacks.loader import RuleSet, load_ruleset
from templater.template import Template

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


def classify(text: str, language: str | None = None) -> Classification:
    """Classify a plain message by its content."""
    return classify_text(text, ruleset(), language=language)


def classify_file(template: Template, language: str | None = None) -> Classification:
    """Classify a parsed template and compare with its declared category."""
    return classify_template(LintContext(template, ruleset()), language)


class RenderBlocked(Exception):
    """A rendered message carries an error-level finding; it must not be sent."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings[0].message)
        self.findings = findings


def render(template: str | Template, values: dict[str, Any] | None = None, example: bool = False,
           max_output: int = 1600) -> tuple[Rendered, list[Finding]]:
    """Render one message and lint it; raises RenderError, or RenderBlocked on an error finding."""
    tpl = find(template) if isinstance(template, str) else template
    rules = ruleset()
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
