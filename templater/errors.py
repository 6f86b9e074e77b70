"""The errors templater raises, and the exit codes the CLI maps them to."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, TypeVar

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

DEBUG = False  # `templater --debug`: an unexpected error is raised with its traceback, not reported


_E = TypeVar("_E", bound="TemplaterError")


class TemplaterError(Exception):
    """Base of every error a user can cause; the CLI prints it on one line and exits 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"

    @classmethod
    def from_yaml(cls: type[_E], exc: Exception, path: str, text: str, what: str = "invalid YAML") -> _E:
        """The error for a file whose YAML does not parse, at the line PyYAML points to."""
        problem, line, _column = yaml_problem(exc, text)
        return cls(f"{what}: {problem}", path, line)


class RulePackError(TemplaterError):
    """A rule pack that cannot be loaded: bad YAML, unknown field, invalid pattern."""


class TemplateError(TemplaterError):
    """A template that cannot be used: unreadable file, unknown library id."""


class RenderError(TemplaterError):
    """A render that cannot complete: missing variables, sandbox violation, output too long."""


class ConfigError(TemplaterError):
    """A configuration file or option with a bad key or value."""


class InputError(TemplaterError):
    """An input file (recipients, variables, suppression list) that cannot be read."""


class InternalError(TemplaterError):
    """An unexpected failure inside templater while it processed one file: a bug to report.

    The original exception is its __cause__, for `--debug` to show.
    """


def yaml_problem(exc: Exception, text: str, first_line: int = 1) -> tuple[str, int | None, int | None]:
    """What a YAML error says, and its line and column (None when PyYAML gives no place).

    The one reading of PyYAML's errors: its marks count from 0, and first_line is the file's line
    of the text's first line (2 for front matter). An indent with a tab gets a hint.
    """
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    if mark is None:
        return problem, None, None
    lines = text.split("\n")
    if "\t" in lines[min(mark.line, len(lines) - 1)]:
        problem += " (a tab: indent YAML with spaces, not tabs)"
    return problem, mark.line + first_line, mark.column + 1


@contextmanager
def processing(path: str) -> Iterator[None]:
    """Name the file being processed in any unexpected error raised inside the block."""
    try:
        yield
    except TemplaterError:
        raise
    except Exception as exc:  # noqa: BLE001 - turned into one line that names the file
        detail = (str(exc).splitlines() or [""])[0]
        raise InternalError(f"internal error: {type(exc).__name__}: {detail} (run again with --debug "
                            "for the traceback, and please report it)", path) from exc
