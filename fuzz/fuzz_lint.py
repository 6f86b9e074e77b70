"""Fuzz the template reader, parser, linter (with its sandboxed example render) and classifier.

Run for a bounded time (see fuzz/README.md):

    python fuzz/fuzz_lint.py -max_total_time=60

Every input is used four ways: as the raw bytes of a .sms file (read_source, parse, lint), as
text handed to the linter directly, as the body under a sound front matter (so that it reaches
the sandboxed render), and as a message to classify. Any exception is a bug: the
linter reports problems as findings and never raises. Without a corpus folder on the command
line, fuzz/.corpus/ is seeded from the template library and used.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import atheris
import harness

with atheris.instrument_imports(include=["templater", "jinja2", "yaml"]):
    from templater import api
    from templater.linter import Linter

ROOT = harness.ROOT
LINTER = Linter(api.ruleset())
SCRATCH = Path(tempfile.mkdtemp(prefix="templater-fuzz-")) / "input.sms"


def library_files() -> list[tuple[str, bytes]]:
    """The library templates, as starting points."""
    return [(path.name, path.read_bytes()) for path in sorted((ROOT / "template_library").rglob("*.sms"))]


# A sound front matter, so that inputs also reach the body: Jinja parsing, the sandboxed render of
# the examples, and the content rules on the rendered text.
HEADER = ("---\ncategory: transactional\nlanguage: en\nvariables:\n  name: {example: Ana}\n"
          "  items: {example: [a, b]}\n  n: {example: 3}\n---\n")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    SCRATCH.write_bytes(data)
    result = LINTER.lint_file(SCRATCH, "input.sms", "input")
    LINTER.finish(result)
    text = data.decode("utf-8", "replace")
    LINTER.finish(LINTER.lint_source(text, "input.sms", "input"))
    LINTER.finish(LINTER.lint_source(HEADER + text, "input.sms", "input"))
    api.classify(text)


def main() -> None:
    harness.run(TestOneInput, ".corpus", library_files)


if __name__ == "__main__":
    main()
