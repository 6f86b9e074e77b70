"""The page's view of one template: its rendered message and counts, classification, variables,
characters that force UCS-2, and the rules' explanations. Same sandbox and limits as the CLI."""
from __future__ import annotations

from typing import Any

from templater.context import LintContext
from templater.encoding import analyze
from templater.errors import TemplaterError
from templater.findings import Finding
from templater.policy import Policy, errors_in
from templater.template import CONSENT_FOR, Template


def explanations(policy: Policy, findings: list[Finding]) -> dict[str, dict[str, str]]:
    """Each finding's rule: its one-line summary and documentation."""
    out = {}
    for f in findings:
        rule = policy.ruleset.rules.get(f.rule)
        if rule is not None and f.rule not in out:
            out[f.rule] = {"summary": rule.summary, "doc": rule.doc}
    return out


def _examples(spec: dict[str, Any]) -> list[Any]:
    values = spec.get("examples")
    values = list(values) if isinstance(values, (list, tuple)) else []
    if "example" in spec:
        values.insert(0, spec["example"])
    return values


def variables(template: Template | None) -> list[dict[str, Any]]:
    """The declared variables, for the form the page builds."""
    if template is None:
        return []
    return [{"name": name, "required": bool(spec.get("required", False)), "description": spec.get("description"),
             "examples": [str(v) for v in _examples(spec)], "default": spec.get("default")}
            for name, spec in template.variables.items() if isinstance(spec, dict)]


def _message(renderer: Any, values: dict[str, Any]) -> dict[str, Any]:
    message = renderer.render(values)
    return message.to_dict()


def render(template: Template | None, policy: Policy, values: dict[str, Any],
           errors: list[Finding]) -> dict[str, Any]:
    """The message from the example values (and the values typed into the form), its counts, and
    the worst case: every optional variable at its longest example. blocked: what `templater
    render` would refuse (an error-level finding of the template or the message)."""
    from templater.render.message import Renderer

    if template is None:
        return {"error": "the file is not a template yet: fix the findings first"}
    ctx = LintContext(template, policy.ruleset)
    out: dict[str, Any] = {}
    try:
        renderer = Renderer(template, ctx)
        given = {str(k): v for k, v in values.items() if v not in (None, "")}
        vals = {**template.examples(), **given}
        out = _message(renderer, vals)
        worst = dict(vals)
        for name, spec in template.variables.items():
            if isinstance(spec, dict) and not spec.get("required", False) and name not in given:
                longest = max((str(v) for v in _examples(spec)), key=len, default=None)
                if longest is not None:
                    worst[name] = longest
        out["worst"] = {k: v for k, v in _message(renderer, worst).items()
                        if k in ("text", "characters", "encoding", "segments")}
        message_errors = errors_in(policy.linter.lint_message(template, out["text"]))
    except TemplaterError as exc:
        return {"error": str(exc)}
    blocked = [f.to_dict() for f in [*errors, *message_errors]]
    out["blocked"] = blocked
    return out


def classification(template: Template | None, policy: Policy) -> dict[str, Any] | None:
    """What `templater classify` finds, with each text evidence at its line and column."""
    from templater.classify import classify_template

    if template is None:
        return None
    try:
        result = classify_template(LintContext(template, policy.ruleset))
    except TemplaterError as exc:
        return {"error": str(exc)}
    out = result.to_dict()
    out["declared_consent"] = CONSENT_FOR.get(template.category or "")
    for ev, data in zip(result.evidence, out["evidence"]):
        if ev.where == "text" and ev.end > ev.start:
            data["line"], data["column"] = template.position(ev.start)
            data["text"] = template.body[ev.start:ev.end]  # the classifier reads a masked copy
    return out


def body_non_gsm(template: Template | None) -> list[dict[str, Any]]:
    """The characters of the body that force UCS-2, each at its line and column, with its look-alike."""
    if template is None:
        return []
    out = []
    for c in analyze(template.body).non_gsm:
        line, column = template.position(c.index)
        out.append({**c.to_dict(), "line": line, "column": column})
    return out
