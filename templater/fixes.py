"""Safe automatic fixes (GSM look-alikes, trailing whitespace, opt-out footer) and atomic rewrites."""
from __future__ import annotations

import codecs
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from templater.config import OPT_OUT_RULE
from templater.encoding import analyze
from templater.findings import Finding
from templater.template import parse
from templater.text import expression_spans

UCS2_RULE = "ucs2-encoding"
_TRAILING = re.compile(r"[ \t\u00a0\u202f]+$", re.M)


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


def _safe(char: str, replacement: str | None) -> bool:
    # Only punctuation and spaces for punctuation and spaces: a curly quote becomes a straight one,
    # but 'ç' never becomes 'c' (that would misspell French) and '°' never becomes 'o'.
    return replacement is not None and not any(c.isalnum() for c in char + replacement)


def lookalikes(body: str) -> tuple[str, int]:
    """The body with every safe GSM look-alike put in, outside Jinja tags, and how many."""
    spans = expression_spans(body)
    edits = [g for g in analyze(body).non_gsm if _safe(g.char, g.replacement)
             and not any(s <= g.index < e for s, e in spans)]
    for g in sorted(edits, key=lambda g: g.index, reverse=True):
        body = body[:g.index] + (g.replacement or "") + body[g.index + len(g.char):]
    return body, len(edits)


def fix_source(source: str, findings: list[Finding], opt_out: dict[str, str], default_id: str,
               language: str | None = None) -> tuple[str, list[str], list[str]]:
    """(fixed text, fixes applied, fixes not made and why) for one template's text."""
    template, _problems = parse(source, "", default_id)
    if template is None:
        return source, [], ["the file does not parse: fix its front matter first"]
    applied, skipped = [], []
    head = source[: len(source) - len(template.body)] if template.body else source
    # Each fix belongs to a rule: it is made only where that rule reports (and is not suppressed).
    body, count = lookalikes(template.body) if any(f.rule == UCS2_RULE for f in findings) else (template.body, 0)
    if count:
        applied.append(f"{count} character{'s' if count != 1 else ''} that force{'s' if count == 1 else ''} "
                       "UCS-2 replaced by GSM look-alikes")
    if any(f.rule == OPT_OUT_RULE for f in findings):
        lang = template.language if template.meta.get("language") else (language or template.language)
        wording = opt_out.get(lang)
        if wording:
            # The footer is the message's last line; the file keeps its final line break, if any.
            final = "\n" if "\n" in body[len(body.rstrip()):] else ""
            body = f"{body.rstrip()}\n{wording}{final}"
            applied.append(f"opt-out footer added: '{wording}'")
        else:
            skipped.append(f"{OPT_OUT_RULE}: no opt-out wording configured for '{lang}' "
                           f"(set opt_out.{lang} in .templater.yaml and --fix adds it as a footer)")
    fixed, trailing = _TRAILING.subn("", head + body)
    if trailing:
        applied.append(f"trailing whitespace removed from {trailing} line{'s' if trailing != 1 else ''}")
    return fixed, applied, skipped


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
