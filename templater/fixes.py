"""Apply the fixes that rules attach to their findings, and rewrite files atomically.

The rules own their fixes (a check returns its Hit with a findings.Fix: the edits and what they
do); this module only makes the edits and writes the result.
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from templater.findings import Edit, Finding


@dataclass
class FileFix:
    """What --fix did, or would do, to one file."""

    file: Path
    display: str
    before: str
    after: str
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def apply(text: str, findings: Iterable[Finding]) -> tuple[str, list[str], list[str]]:
    """(the text with the findings' fixes made, what they did, what was not fixed and why).

    Each finding carries the fix of the rule that found it (Finding.fix), as edits of the text it
    was linted from. Where two edits overlap, one that covers the other wins (its text replaces
    the other's anyway: a footer over a line's trailing spaces; of two edits of the same text, the
    shorter replacement); any other overlap keeps the first and reports the second as not made
    (apply_all's next pass makes it).
    """
    edits: list[tuple[Edit, Finding]] = []
    skipped: list[str] = []
    for f in findings:
        if f.fix is None:
            continue
        if not f.fix.edits:
            skipped.append(f"{f.rule}: {f.fix.description}")
        edits += [(e, f) for e in f.fix.edits]
    # Insertions before the edits starting at the same place, outer edits before inner ones, and of
    # two edits of the same text the one that leaves less (a trailing no-break space is deleted,
    # not first replaced by a space that the next run would delete).
    edits.sort(key=lambda ef: (ef[0].start, ef[0].end != ef[0].start, -ef[0].end, len(ef[0].text)))
    kept: list[tuple[Edit, Finding]] = []
    for edit, finding in edits:
        last = kept[-1][0] if kept else None
        if last is not None and edit.start < last.end:
            if edit.end > last.end:
                skipped.append(f"{finding.rule}: overlaps the fix of {kept[-1][1].rule}")
            continue  # within the last edit's range: that edit replaces it
        kept.append((edit, finding))
    out, at = [], 0
    for edit, _finding in kept:
        out += [text[at:edit.start], edit.text]
        at = edit.end
    out.append(text[at:])
    return "".join(out), _counted(kept), list(dict.fromkeys(skipped))


def apply_all(text: str, findings: Iterable[Finding], relint: Callable[[str], list[Finding]] | None,
              passes: int = 10) -> tuple[str, list[str], list[str]]:
    """apply(), then lint the result again (relint) and apply what that finds, until nothing
    changes: one rule's fix can leave work for another (deleting a zero-width space after a space
    leaves a trailing space). What was not fixed is what the last pass left."""
    applied: list[str] = []
    skipped: list[str] = []
    for _ in range(passes if relint is not None else 1):
        after, done, skipped = apply(text, findings)
        applied += done
        if after == text or relint is None:
            return after, list(dict.fromkeys(applied)), skipped
        text = after
        findings = relint(text)
    return text, list(dict.fromkeys(applied)), skipped


def _counted(kept: list[tuple[Edit, Finding]]) -> list[str]:
    """What the kept edits did, in the order of their places: a description that several findings
    share (trailing whitespace on three lines) once, with how many times."""
    counts: dict[str, set[int]] = {}
    for _edit, f in kept:
        if f.fix is not None:
            counts.setdefault(f"{f.rule}: {f.fix.description}", set()).add(id(f))
    return [d if len(n) == 1 else f"{d} ({len(n)} times)" for d, n in counts.items()]


def read_text(file: Path) -> tuple[str, str, bool]:
    """(text with LF line ends, the file's line end, whether it had a byte-order mark).

    Read with the linter's cap (template.MAX_FILE_BYTES): a longer file is an OSError here, as it
    is an unreadable-file finding for the lint, and is never read whole (a 300 MB file took 640 MB).
    """
    from templater.template import MAX_FILE_BYTES

    with file.open("rb") as handle:
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"over the {MAX_FILE_BYTES:,}-byte limit for a template")
    bom = data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline, bom


def write_atomic(file: Path, text: str, newline: str = "\n", bom: bool = False) -> None:
    """Replace a file's content all at once: a temporary file beside it, then os.replace."""
    import tempfile  # only --fix writes: keep `templater` quick to start
    data = (codecs.BOM_UTF8 if bom else b"") + text.replace("\n", newline).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, file.stat().st_mode & 0o7777)
        os.replace(tmp, file)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def diff(fix: FileFix) -> str:
    """A unified diff of one file's fixes, as `git diff` would show it."""
    import difflib  # only --diff needs it

    lines = difflib.unified_diff(fix.before.splitlines(keepends=True), fix.after.splitlines(keepends=True),
                                 f"a/{fix.display}", f"b/{fix.display}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
