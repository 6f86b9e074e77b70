"""Render one message from a template: values, required variables, sandbox, encoding facts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2.exceptions import TemplateError as JinjaError

from templater.context import LintContext, optional_values
from templater.encoding import Encoding, analyze
from templater.errors import RenderError
from templater.jinja import sandbox
from templater.template import CONSENT_FOR, Template


@dataclass(frozen=True)
class Rendered:
    """A rendered message and the facts a sender needs about it."""

    template_id: str
    category: str | None
    language: str
    text: str
    encoding: Encoding

    def to_dict(self) -> dict:
        return {"id": self.template_id, "category": self.category,
                "consent": CONSENT_FOR.get(self.category or ""), "language": self.language,
                "text": self.text, "characters": self.encoding.characters,
                "encoding": self.encoding.encoding, "segments": self.encoding.segments,
                "non_gsm": [c.to_dict() for c in self.encoding.non_gsm]}


class Renderer:
    """A template compiled once, rendered for many sets of values."""

    def __init__(self, template: Template, ctx: LintContext, max_output: int = sandbox.DEFAULT_MAX_OUTPUT):
        if ctx.syntax_error is not None or ctx.ast is None:
            line = ctx.template.body_line + (getattr(ctx.syntax_error, "lineno", 1) or 1) - 1
            raise RenderError(f"invalid Jinja2: {ctx.syntax_error}; fix the body", template.path, line)
        self.template = template
        self.max_output = max_output
        self.compiled = sandbox.compile_ast(ctx.ast, template.path)
        declared = template.variables
        self.required = sorted(name for name in ctx.used
                               if name not in declared or declared[name].get("required", False))
        self.required += sorted(n for n, s in declared.items() if s.get("required") and n not in ctx.used)
        self.defaults = optional_values(template)

    def missing(self, values: dict[str, Any]) -> list[str]:
        """Required variables with no value (an empty string counts as missing)."""
        return [n for n in self.required if values.get(n) in (None, "")]

    def render(self, values: dict[str, Any]) -> Rendered:
        """Render one message, or raise RenderError naming what stopped it."""
        missing = self.missing(values)
        if missing:
            raise RenderError(f"missing required variables: {', '.join(missing)} (give them with "
                              "--var NAME=VALUE or --vars FILE, or --example for a preview)", self.template.path)
        merged = {**self.defaults, **values}
        try:
            text = sandbox.render_bounded(self.compiled, merged, self.max_output)
        except sandbox.RENDER_ERRORS as exc:
            why = exc if isinstance(exc, JinjaError) else f"{type(exc).__name__}: {exc}"
            raise RenderError(f"the template cannot render: {why}", self.template.path) from None
        text = text.strip()
        return Rendered(self.template.id, self.template.category, self.template.language, text, analyze(text))
