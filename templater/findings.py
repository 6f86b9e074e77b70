"""Severity levels and the Finding record every rule produces."""
from __future__ import annotations

import enum
import re
from dataclasses import field, replace

from templater.records import dataclass


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that comparisons mean 'at least as serious'."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, name: str) -> "Severity":
        """Turn 'error' / 'warning' / 'info' into a Severity; raise ValueError otherwise."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {name!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Edit:
    """Replace the file's text from start to end (offsets into its text, LF line ends) with text."""

    start: int
    end: int
    text: str
    # The same place as 1-based lines and code-point columns (the end: the column after it), set
    # by the linter, which has the file's text (SARIF and the language server give places so).
    region: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass(frozen=True)
class Fix:
    """The fix a rule proposes with its finding: its edits and what they do, in words; without
    edits, why the finding cannot be fixed automatically (`lint --fix` says so)."""

    description: str
    edits: tuple[Edit, ...] = ()

    def placed(self, text: str) -> "Fix":
        """The fix with each edit's region in text (the file's text, which its offsets index)."""
        def at(offset: int) -> tuple[int, int]:
            return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)
        return Fix(self.description, tuple(replace(e, region=(*at(e.start), *at(e.end))) for e in self.edits))


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place in one file."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    end_line: int = 0      # where the finding's text ends: the column after its last character
    end_column: int = 0    # (0: not known, the finding is a point)
    fix: Fix | None = field(default=None, compare=False)  # what the rule that found it would change

    @property
    def end(self) -> tuple[int, int]:
        return (self.end_line, self.end_column) if self.end_line else (self.line, self.column)

    def to_dict(self) -> dict:
        """The JSON shape of a finding (a public contract)."""
        end_line, end_column = self.end
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": end_line,
            "end_column": end_column,
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
        }


_QUOTED = re.compile(r"'([^'\n]+)'")
_WORD = re.compile(r"\S+")


def end_column(text: str, column: int, message: str) -> int:
    """Where a finding that starts at column (1-based) of a line ends, as the column after its
    last character: the end of the text its message quotes when that text starts there ('Use code
    SAVE20', a character that forces UCS-2), else of the word it starts on, else (a finding at the
    start of a line, about the whole line) of the line."""
    rest = text[column - 1:]
    for quoted in _QUOTED.findall(message):
        if rest[:len(quoted)].lower() == quoted.lower():
            return column + len(quoted)
    if column > 1:
        word = _WORD.match(rest)
        if word:
            return column + len(word.group(0))
    return max(len(text.rstrip()) + 1, column)
