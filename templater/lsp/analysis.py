"""What the language server knows about one buffer, without the protocol: its findings under the
path's policy, their spans, the edits that fix or silence them, hover text and completions.

Positions here are (0-based line, 0-based code point); server.py turns them into the client's
units (UTF-16 by default). Every lint goes through api.lint_text, so a buffer gets exactly what
`templater lint --stdin-filename PATH -` reports for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from templater import api
from templater.config import OPT_OUT_RULE
from templater.findings import Finding
from templater.template import CATEGORIES, CONSENT_FOR, LANGUAGES, METADATA_KEYS, Template, parse

Span = tuple[int, int, int, int]  # start line, start char, end line, end char (0-based, code points)

UNDECLARED_RULE = "undeclared-variable"
# The front matter's keys (template.METADATA_KEYS) and the values the linter accepts.
FRONT_MATTER = {key: () for key in METADATA_KEYS} | {
    "category": CATEGORIES, "language": LANGUAGES, "consent": tuple(dict.fromkeys(CONSENT_FOR.values()))}


@dataclass
class Analysis:
    """One buffer linted as the file at path."""

    path: str
    text: str
    report: api.Report
    template: Template | None
    lines: list[str] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def linted(self) -> api.LintedFile:
        return self.report.files[0]


def analyze(text: str, path: str, elsewhere: dict[str, str] | None = None) -> Analysis:
    """Lint a buffer as `templater lint` lints the file at path (its nearest configuration, read
    again each time, so a changed .templater.yaml applies at once)."""
    report = api.lint_text(text, path, elsewhere=elsewhere)
    lf = report.files[0]
    template, _problems = parse(text.replace("\r\n", "\n"), path, lf.default_id)
    return Analysis(path, text, report, template, text.replace("\r\n", "\n").split("\n"))


def span(finding: Finding, lines: list[str]) -> Span:
    """Where a finding sits, from its line and column to its end (Finding.end_line/end_column,
    which the linter sets as it sets them for `templater lint --format json`); a finding without an
    end (a duplicate id, a suppression comment) covers the rest of its line."""
    line = min(max(finding.line - 1, 0), max(len(lines) - 1, 0))
    text = lines[line] if lines else ""
    start = min(max(finding.column - 1, 0), len(text))
    if finding.end_line:
        end_line = min(max(finding.end_line - 1, line), max(len(lines) - 1, 0))
        return line, start, end_line, min(finding.end_column - 1, len(lines[end_line]) if lines else 0)
    return line, start, line, max(len(text.rstrip()), start)


def _span(region: tuple[int, int, int, int]) -> Span:
    line, column, end_line, end_column = region
    return line - 1, column - 1, end_line - 1, end_column - 1


def _whole(text: str) -> Span:
    lines = text.split("\n")
    return 0, 0, len(lines) - 1, len(lines[-1])


@dataclass
class Edit:
    """A code action: its title, kind, the rule it answers, and its edits (span, new text)."""

    title: str
    kind: str  # "quickfix" or "source.fixAll"
    edits: list[tuple[Span, str]]
    rule: str | None = None


def actions(analysis: Analysis, findings: list[Finding]) -> list[Edit]:
    """The code actions for some findings of a buffer, then "fix all" when it changes anything."""
    out: list[Edit] = []
    text = analysis.text.replace("\r\n", "\n")
    template = analysis.template
    for finding in findings:
        fix = finding.fix
        if fix is not None and fix.edits:  # the fix of the rule that found it, as `lint --fix` makes it
            out.append(Edit(f"Fix {finding.rule}: {fix.description}", "quickfix",
                            [(_span(e.region), e.text) for e in fix.edits], finding.rule))
        elif finding.rule == OPT_OUT_RULE and template is not None:
            out.extend(_opt_out(analysis, template, finding))
        if finding.rule == UNDECLARED_RULE and template is not None:
            out.extend(_declare(analysis, template, finding))
        if template is not None and finding.line >= template.body_line:
            line = analysis.lines[finding.line - 1]
            indent = line[:len(line) - len(line.lstrip(" \t"))]
            out.append(Edit(f"Disable {finding.rule} for this line", "quickfix",
                            [((finding.line - 1, 0, finding.line - 1, 0),
                              f"{indent}{{# templater: disable-next-line={finding.rule} #}}\n")], finding.rule))
    after = api.fix_text(analysis.linted, text).after
    if after != text:
        out.append(Edit("Fix all safe templater fixes", "source.fixAll", [(_whole(text), after)]))
    return out


def _opt_out(analysis: Analysis, template: Template, finding: Finding) -> list[Edit]:
    """Add the opt-out line in the template's language: the configured wording, else the rule's."""
    lang = template.language
    rule = analysis.report.rules.get(OPT_OUT_RULE)
    wording = analysis.linted.config.opt_out.get(lang) or (rule.suggestion.get(lang) if rule else None)
    if not wording:
        return []
    wording = wording.split("' (")[0].strip("'")  # a suggestion may name an alternative: keep the first
    last = len(analysis.lines) - 1
    while last > 0 and not analysis.lines[last].strip():
        last -= 1
    end = len(analysis.lines[last])
    return [Edit(f"Add the opt-out line: {wording}", "quickfix", [((last, end, last, end), f"\n{wording}")],
                 finding.rule)]


def _declare(analysis: Analysis, template: Template, finding: Finding) -> list[Edit]:
    """Declare an undeclared variable in the front matter's variables table."""
    name = re.search(r"'([^']+)'", finding.message)
    if name is None:
        return []
    var = name.group(1)
    entry = f"{var}: {{description: TODO, example: TODO}}"
    if "variables" in template.meta and isinstance(template.meta["variables"], dict):
        line = template.key_line("variables")  # 1-based: the entry goes just below the key
        lines = analysis.lines
        indent = "  "
        if line < len(lines):
            nxt = re.match(r"[ \t]+", lines[line])
            indent = nxt.group(0) if nxt else indent
        return [Edit(f"Declare variable '{var}' in the front matter", "quickfix",
                     [((line, 0, line, 0), f"{indent}{entry}\n")], finding.rule)]
    closing = template.body_line - 2  # 0-based line of the closing '---'
    if closing < 1:
        return []
    return [Edit(f"Declare variable '{var}' in the front matter", "quickfix",
                 [((closing, 0, closing, 0), f"variables:\n  {entry}\n")], finding.rule)]


def rule_doc(analysis: Analysis, rule_id: str) -> str | None:
    """A rule's explanation with its failing and passing examples (as docs/rules.md has it)."""
    from templater import catalogue

    rule = analysis.report.rules.get(rule_id)
    return catalogue.markdown_rule(api.ruleset(), rule) if rule else None


def hover(analysis: Analysis, line: int, char: int) -> str | None:
    """Markdown for a position: the findings there, else the variable under it, else the body's
    encoding and segments."""
    parts = []
    for f in analysis.findings:
        s = span(f, analysis.lines)
        if s[0] == line and s[1] <= char <= max(s[3], s[1] + 1):
            parts.append(rule_doc(analysis, f.rule) or f.message)
    if parts:
        return "\n\n---\n\n".join(dict.fromkeys(parts))
    template = analysis.template
    if template is None:
        return None
    text = analysis.lines[line] if line < len(analysis.lines) else ""
    for m in re.finditer(r"[A-Za-z_]\w*", text):
        if m.start() <= char <= m.end() and m.group(0) in template.variables and (
                line + 1 >= template.body_line or line + 1 == template.variable_lines.get(m.group(0))):
            spec = template.variables[m.group(0)]
            out = [f"**{m.group(0)}**" + (" (required)" if spec.get("required") else "")]
            if spec.get("description"):
                out.append(str(spec["description"]))
            if "example" in spec:
                out.append(f"Example: `{spec['example']}`")
            return "\n\n".join(out)
    if line + 1 >= template.body_line:
        return _body_hover(template)
    return None


def _body_hover(template: Template) -> str:
    from templater.context import LintContext
    from templater.encoding import analyze as encoding_of

    ctx = LintContext(template, api.ruleset())
    rendered, error = ctx.render_result
    if rendered is None:
        return f"The example does not render: {error}" if error else "The body does not parse."
    facts = encoding_of(rendered)
    out = [f"**{facts.encoding}**, {facts.characters} characters, {facts.segments} "
           f"segment{'s' if facts.segments != 1 else ''} (the rendered example)"]
    if facts.non_gsm:
        out.append("Forcing UCS-2: " + ", ".join(
            f"`{c.char}` U+{ord(c.char[0]):04X}" + (f" (GSM-7: `{c.replacement}`)" if c.replacement else "")
            for c in facts.non_gsm))
    out.append("```\n" + rendered + "\n```")
    return "\n\n".join(out)


def completions(analysis: Analysis, line: int, char: int, rule_ids: list[str]) -> list[tuple[str, str]]:
    """(label, detail) of what may be typed at a position: front-matter keys and values, declared
    variables inside {{ }}, rule ids inside a suppression comment."""
    lines = analysis.lines
    text = lines[line][:char] if line < len(lines) else ""
    template = analysis.template
    closing = _front_matter_end(lines)
    if closing is not None and 0 < line < closing:
        key = re.match(r"^(\w+)\s*:\s*\S*$", text)
        if key and key.group(1) in FRONT_MATTER:
            return [(v, f"{key.group(1)} value") for v in FRONT_MATTER[key.group(1)]]
        if re.match(r"^\w*$", text):
            return [(k, "front-matter key") for k in FRONT_MATTER]
        return []
    if re.search(r"\{#-?\s*templater\s*:\s*[\w-]*(=[\w.,\s-]*)?$", text):
        if "=" not in text[text.rfind("{#"):]:
            return [("disable=", "the whole file"), ("disable-next-line=", "the next line")]
        return [(r, "rule") for r in rule_ids]
    if text.rfind("{{") > text.rfind("}}") and template is not None:
        return [(name, str(spec.get("description", "variable"))) for name, spec in template.variables.items()]
    return []


def _front_matter_end(lines: list[str]) -> int | None:
    if not lines or lines[0].strip() != "---":
        return None
    for i, text in enumerate(lines[1:], 1):
        if text.strip() == "---":
            return i
    return len(lines)


def project_ids(path: str) -> dict[str, str]:
    """The ids of the project's other templates, each with its "path:line" (for duplicate-id):
    the server reads them once per file and again on save, not on every keystroke."""
    policies = api.Policies()
    file = Path(path)
    default = policies.for_path(file).default_id(file, file.with_suffix("").name)
    return policies.elsewhere([path], [(file, path, default)])
