"""Everything the rules look at for one template, computed once: masked text, variables, render."""
from __future__ import annotations

import re
from dataclasses import field
from functools import cached_property
from typing import Any, Callable

from jinja2 import nodes
from jinja2.exceptions import TemplateError as JinjaError

from templater.records import dataclass
from templater import reference
from templater.findings import Edit, Fix
from templater.jinja import plain, sandbox
from templater.rulepacks.loader import RuleSet
from templater.rulepacks.model import Signal
from templater.signals import Evidence, find_in_text, find_in_variables
from templater.template import Problem, Template
from templater.text import expression_spans, fold, fold_map, mask_jinja


@dataclass
class Hit:
    """What a check reports: a rule, a place (body offset or file line/column), message fields."""

    rule: str
    params: dict = field(default_factory=dict)
    offset: int | None = None
    line: int | None = None
    column: int = 1
    variant: str | None = None
    fix: Fix | None = None


def optional_values(template: Template) -> dict[str, Any]:
    """Values for declared variables that are not required: their default, else empty."""
    return {name: spec.get("default", "") for name, spec in template.variables.items()
            if not spec.get("required", False)}


class LintContext:
    """One template as the rules see it; expensive views are computed on first use."""

    is_message = False  # True for an already rendered message (for_message), whose body is the text

    def __init__(self, template: Template, ruleset: RuleSet, problems: list[Problem] | None = None,
                 max_output: int = sandbox.DEFAULT_MAX_OUTPUT) -> None:
        self.template = template
        self.ruleset = ruleset
        self.problems = problems or []
        self.max_output = max_output
        self.syntax_error: JinjaError | None = None
        self.ast: nodes.Template | None = None
        # A plain body's plan (None for other bodies, which are compiled as they parse).
        self.plain: plain.Plain | None = None
        env = sandbox.environment()
        tree = None if reference.ON else plain.parse(template.body, env)  # None unless plain: then Jinja2 parses it
        if tree is not None:
            self.plain = plain.Plain.of(tree, env.globals)
        if self.plain is not None:
            self.ast = tree
            return
        try:
            self.ast = env.parse(template.body, needs_compile=None if reference.ON else self._needs_compile)
        except JinjaError as exc:
            self.syntax_error = exc

    def _needs_compile(self, tree: nodes.Template) -> bool:
        # A plain tree that the small parser declined (comments, '-' whitespace control) is
        # evaluated like the others, and needs no compile either.
        self.plain = plain.Plain.of(tree, sandbox.environment().globals)
        return self.plain is None

    @classmethod
    def for_message(cls, template: Template, text: str, ruleset: RuleSet) -> "LintContext":
        """A context for an already rendered message: its text is the body, with nothing to render."""
        ctx = cls.__new__(cls)
        ctx.template = Template(template.path, template.source, template.meta, text, template.body_line,
                                template.key_lines, template.variable_lines, template.default_id)
        ctx.ruleset, ctx.problems, ctx.max_output = ruleset, [], len(text)
        ctx.syntax_error, ctx.ast, ctx.plain = None, nodes.Template([], lineno=1), plain.Plain((), frozenset())
        norm = fold(text)
        ctx.__dict__.update(masked=norm, literal=text, used={}, render_result=(text, None))
        ctx.is_message = True
        return ctx

    def edit(self, start: int, end: int, text: str) -> Edit:
        """An edit of the body's text from start to end (body offsets), placed in the file."""
        base = len(self.template.source) - len(self.template.body)
        return Edit(base + start, base + end, text)

    @property
    def language(self) -> str:
        return self.template.language

    @cached_property
    def masked(self) -> str:
        """The body's literal text in every branch, folded (text.fold_map), tags blanked.

        The same length as the body, offset for offset, unless folding removed or expanded a
        character (an invisible one, a ligature): then origin() maps its offsets to the body's.
        """
        folded, self._origin = fold_map(self.literal)
        return folded

    _origin: list[int] | None = None

    def origin(self, offset: int) -> int:
        """The body offset of an offset into masked."""
        origin = self._origin
        if origin is None or "masked" not in self.__dict__:
            return offset
        return origin[min(offset, len(origin) - 1)]

    @cached_property
    def literal(self) -> str:
        """The body's literal text as written (not normalized), tags blanked in place."""
        return mask_jinja(self.template.body)

    @cached_property
    def used(self) -> dict[str, int]:
        """Variables the body reads from its context, each with the offset of its first use."""
        if self.ast is None:
            return {}
        names = sorted(self.plain.names if self.plain is not None else sandbox.undeclared_variables(self.ast))
        body = self.template.body
        spans = expression_spans(body)
        used = {}
        for name in names:
            pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\b")
            used[name] = next((m.start() for s, e in spans for m in [pattern.search(body, s, e)] if m), 0)
        return used

    @cached_property
    def render_result(self) -> tuple[str | None, str | None]:
        """(rendered example text, error) from the declared examples and optional defaults."""
        if self.ast is None:
            return None, None
        values = optional_values(self.template)
        values.update(self.template.examples())
        for name in self.used:
            values.setdefault(name, "")
        try:
            if self.plain is not None:  # the plan walked: no Python code to compile
                return self.plain.render(values, self.max_output), None
            compiled = sandbox.compile_ast(self.ast, self.template.path)
            return sandbox.render_bounded(compiled, values, self.max_output), None
        except sandbox.RENDER_ERRORS as exc:
            if isinstance(exc, JinjaError):
                return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return None, f"{type(exc).__name__}: {exc}"

    @cached_property
    def rendered(self) -> str | None:
        """The rendered example, normalized (one string object, so per-text caches can key on it)."""
        text = self.render_result[0]
        return fold(text) if text is not None else None

    # classify sets this on a message whose language it cannot tell: every language's markers apply.
    every_language = False

    def signal_pairs(self) -> list:
        return self.ruleset.signals_for(None if self.every_language else self.language)

    @cached_property
    def evidence(self) -> list[Evidence]:
        """Markers in the body text, the variable names and the rendered example, without repeats."""
        return self._find(self.signal_pairs(), list(self.ruleset.signals.values()))

    def evidence_of(self, kinds: tuple[str, ...], mixing: bool = False) -> list[Evidence]:
        """The evidence of the signals of these kinds (with mixing, also of every signal that
        `mixes`): what `evidence` holds of them, in its order, found by scanning for them alone.

        The other signals' evidence changes nothing of theirs but for the signals that `cover`
        markers (signals._uncovered), which are scanned as well: repeats are told apart signal by
        signal (see _find), so this is `evidence` filtered, at a fraction of the scan.
        """
        key = (kinds, mixing)
        found = self._evidence_of.get(key)
        if found is None:
            def keep(signal: Signal) -> bool:
                return signal.kind in kinds or (mixing and signal.mixes)
            if reference.ON or "evidence" in self.__dict__:
                found = [e for e in self.evidence if keep(self.ruleset.signals[e.signal])]
            else:  # the covering signals are scanned too: their evidence drops kept markers
                found = [e for e in self._find_only(lambda s: keep(s) or bool(s.covers))
                         if keep(self.ruleset.signals[e.signal])]
            self._evidence_of[key] = found
        return found

    @cached_property
    def _evidence_of(self) -> dict[tuple, list[Evidence]]:  # evidence_of's answers, by its arguments
        return {}

    def _find_only(self, keep: Callable[[Signal], bool]) -> list[Evidence]:
        """_find for the signals kept only."""
        return self._find([p for p in self.signal_pairs() if keep(p[0])],
                          [s for s in self.ruleset.signals.values() if keep(s)])

    def _find(self, pairs: list, signals: list[Signal]) -> list[Evidence]:
        language = None if self.every_language else self.language
        found = [e if self._origin is None else
                 Evidence(e.signal, e.kind, e.text, self.origin(e.start), self.origin(e.end), e.where)
                 for e in find_in_text(pairs, self.masked, "text", language)]
        found += find_in_variables(signals, self.used)
        seen = {(e.signal, e.text.lower()) for e in found} | {(e.signal, e.start) for e in found}
        rendered = self.rendered
        if rendered:
            for ev in find_in_text(pairs, rendered, "rendered", language):
                start, end = self._rendered_place(ev)
                if (ev.signal, ev.text.lower()) not in seen and (ev.signal, start) not in seen:
                    seen.update({(ev.signal, ev.text.lower()), (ev.signal, start)})
                    found.append(Evidence(ev.signal, ev.kind, ev.text, start, end, "rendered"))
        return found

    def _rendered_place(self, ev: Evidence) -> tuple[int, int]:
        """Point rendered-only evidence at the variable whose example value carries it."""
        examples = self.template.examples()
        for name, offset in self.used.items():
            value = str(examples.get(name, "")).lower()
            if value and (value in ev.text.lower() or ev.text.lower() in value):
                return offset, offset + len(name)
        return 0, 0
