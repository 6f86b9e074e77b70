"""The default text format: each finding's one line (as `--output-format concise` prints it),
then a code frame, the line of the template with carets under the finding's span, as ruff shows."""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Mapping

import click

from templater.text import printable
from templater.findings import Finding
from templater.formatters.text import _COLOURS, summary
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule


def _width(text: str) -> int:
    """Terminal cells: wide characters (CJK, most emoji) take two, combining marks none."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _lines(path: str, sources: Mapping[str, str] | None, cache: dict[str, list[str] | None]) -> list[str] | None:
    if path not in cache:
        if sources is not None:
            text = sources.get(path)
        else:
            from pathlib import Path

            from templater.template import read_source
            try:
                text = read_source(Path(path))
            except (OSError, ValueError):
                text = None
        cache[path] = text.split("\n") if text is not None else None
    return cache[path]


def frame(f: Finding, lines: list[str], colour: bool = False) -> list[str]:
    """The finding's line with carets under its span (to the end of the line when it runs on)."""
    if not 0 < f.line <= len(lines):
        return []
    text = lines[f.line - 1].replace("\t", " ")
    end_line, end_column = f.end
    stop = end_column if end_line == f.line else len(text) + 1
    start = min(f.column, len(text) + 1)
    # control characters shown escaped (printable), the carets under the escapes alike
    carets = "^" * max(_width(printable(text[start - 1:stop - 1])), 1)
    if colour:
        carets = click.style(carets, fg=_COLOURS[f.severity], bold=True)
    gutter = " " * len(str(f.line))
    return [f"{f.line} | {printable(text)}".rstrip(),
            f"{gutter} | {' ' * _width(printable(text[:start - 1]))}{carets}"]


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None, sources: Mapping[str, str] | None = None) -> str:
    """sources: the text of each path (standard input's); without it, the files are read."""
    out: list[str] = []
    cache: dict[str, list[str] | None] = {}
    for f in findings:
        sev = click.style(str(f.severity), fg=_COLOURS[f.severity], bold=True) if colour else str(f.severity)
        out.append(printable(f"{f.path}:{f.line}:{f.column}: ") + f"{sev} {f.rule} " + printable(f.message))
        lines = _lines(f.path, sources, cache)
        if lines is not None:
            out += frame(f, lines, colour)
            out.append("")
    out.append(summary(findings, files))
    return "\n".join(out)
