"""Batch outputs: message and reject lines (JSON Lines or CSV), written to a temp file then renamed."""
from __future__ import annotations

import csv
import io
import json
import os
import stat
import tempfile
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from templater import reference
from templater.errors import InputError

OUT_FORMATS = ("jsonl", "csv")
MESSAGE_COLUMNS = ("phone", "text", "template_id", "category", "encoding", "segments", "characters", "line")
REJECT_COLUMNS = ("line", "reason", "rule", "detail", "phone", "raw")


# json.dumps(record, ensure_ascii=False, default=str, check_circular=False): a record decoded from
# a file holds no cycles. JSONEncoder.encode builds its C encoder anew on each call; this one is
# built once (where the C accelerator exists).
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_encoder is not None and not reference.ON:
    _REJECT_PARTS = _c_encoder(None, str, encode_basestring, None, ": ", ", ", False, False, True)

    def _REJECT_JSON(record: Any) -> str:
        return "".join(_REJECT_PARTS(record, 0))
else:  # Python without the json accelerator, or TEMPLATER_REFERENCE
    _REJECT_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str, check_circular=False)

    def _REJECT_JSON(record: Any) -> str:
        return _REJECT_ENCODER.encode(record)


def rejects_path(out: str) -> str:
    """The default rejects file beside the output: messages.jsonl -> messages.rejects.jsonl."""
    path = Path(out)
    return str(path.with_name(f"{path.stem}.rejects{path.suffix or '.jsonl'}"))


class _CsvLine:
    """One CSV line at a time, as a string (csv.writer needs a file), ended by "\n".

    The writer is told that lines end in "\r\n" so that it quotes every field holding either
    character (Python before 3.12 quotes only the line terminator's own characters: a lone CR in a
    raw row split the rejects file for every reader); the "\r\n" it writes is replaced by "\n".
    """

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def __call__(self, row: tuple) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(row)
        return self.buffer.getvalue()[:-2] + "\n"


# A cell a spreadsheet would run as a formula starts with one of these (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet reads as text: a string starting like a formula gets a leading
    apostrophe (OWASP's advice); other values are returned as they are."""
    if type(value) is str and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class LineFormat:
    """Formats messages and rejects as lines of one format; the template's facts are encoded once.

    keep: (output name, row key) of the input columns copied into each line (--keep).
    CSV cells that come from data are neutralised (safe_cell); the E.164 phone (+ and digits,
    written by templater) is left as it is. JSON Lines is exact.
    """

    def __init__(self, fmt: str, template_id: str, category: str,
                 keep: list[tuple[str, str]] | None = None) -> None:
        self.csv = fmt == "csv"
        self.template_id, self.category = template_id, category
        self.keep = list(keep or [])
        self._line = _CsvLine() if self.csv else None
        # Everything after the text is the same for every message of the run but for the counts.
        self._tail = (f', "template_id": {json.dumps(template_id, ensure_ascii=False)}, '
                      f'"category": {json.dumps(category)}, "encoding": ')

    def header(self, rejects: bool) -> str:
        """The first line of a CSV file (nothing for JSON Lines)."""
        if not self.csv:
            return ""
        columns = REJECT_COLUMNS if rejects else MESSAGE_COLUMNS
        return self._line((*columns, *(safe_cell(name) for name, _ in self.keep)))  # type: ignore[misc]

    def message(self, phone: str, text: str, encoding: str, segments: int, characters: int, line: int,
                row: dict | None = None) -> str:
        """One output line for a rendered message (with the --keep columns of its row)."""
        if self.csv:
            return self._line((phone, safe_cell(text), safe_cell(self.template_id), self.category,  # type: ignore[misc]
                               encoding, segments, characters, line, *self._kept_cells(row)))
        # Hand-assembled around the text encoded as json.dumps(text, ensure_ascii=False) encodes a
        # str: the same JSON, at a fraction of the cost.
        if self.keep:
            return (f'{{"phone": "{phone}", "text": {encode_basestring(text)}{self._tail}'
                    f'"{encoding}", "segments": {segments}, "characters": {characters}, "line": {line}'
                    f'{self._kept_json(row)}}}\n')
        return (f'{{"phone": "{phone}", "text": {encode_basestring(text)}{self._tail}'
                f'"{encoding}", "segments": {segments}, "characters": {characters}, "line": {line}}}\n')

    def reject(self, line: int, reason: str, rule: str | None, detail: str, phone: str | None,
               row: dict | None, raw: str) -> str:
        """One rejects-file line: where, why, and the original row."""
        if self.csv:
            return self._line((line, reason, rule or "", safe_cell(detail), phone or "", safe_cell(raw),  # type: ignore[misc]
                               *self._kept_cells(row)))
        record: dict[str, Any] = {"line": line, "reason": reason, "rule": rule, "detail": detail,
                                  "phone": phone, "row": row, "raw": raw}
        for name, key in self.keep:
            record[name] = row.get(key) if row else None
        return _REJECT_JSON(record) + "\n"

    def _kept_cells(self, row: dict | None) -> list:
        if not self.keep:
            return []
        return [safe_cell("" if row is None or row.get(key) is None else row.get(key)) for _, key in self.keep]

    def _kept_json(self, row: dict | None) -> str:
        return "".join(f", {encode_basestring(name)}: {_REJECT_JSON(row.get(key) if row else None)}"
                       for name, key in self.keep)


def check_writable(path: str, option: str) -> None:
    """Refuse an output path that is not a regular file: a device, a FIFO or a folder is never
    replaced by the rename, nor found out only after the whole run."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"{option}: cannot use this path: {exc.strerror}", path) from None
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket or other special file")
        raise InputError(f"{option} is {kind}, not a file: give the path of a regular file to write", path)


class AtomicFile:
    """A text file written under a temporary name in its folder and renamed only when complete."""

    def __init__(self, path: str) -> None:
        self.path = path
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
        except FileNotFoundError:
            raise InputError("the folder for this output does not exist", path) from None
        except OSError as exc:
            raise InputError(f"cannot write here: {exc.strerror}", path) from None
        self.file = os.fdopen(fd, "w", encoding="utf-8", newline="", buffering=1 << 20)

    def write(self, text: str) -> None:
        try:
            self.file.write(text)
        except OSError as exc:  # a full disk, a file size limit
            raise InputError(f"cannot write the output: {exc.strerror}; nothing was written", self.path) from None

    def commit(self) -> None:
        """Flush, sync, give the file the mode the user's umask gives new files, and rename it over
        the final path (mkstemp makes it 0600 while it is written)."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            os.fchmod(self.file.fileno(), 0o666 & ~_umask())
            self.file.close()
            os.replace(self.tmp, self.path)
        except OSError as exc:
            raise InputError(f"cannot write the output: {exc.strerror}; nothing was written", self.path) from None

    def abort(self) -> None:
        """Drop the partial file: no file that looks finished is left behind, and no .part file
        either, even when closing fails (a full disk fails the flush that closing does)."""
        try:
            if not self.file.closed:
                self.file.close()
        except OSError:
            pass
        finally:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass


class StdoutFile:
    """--out -: messages go to standard output as they are written; nothing to rename or drop."""

    path = "-"

    def __init__(self, stream: Any) -> None:
        self.file = stream

    def write(self, text: str) -> None:
        self.file.write(text)

    def commit(self) -> None:
        self.file.flush()

    def abort(self) -> None:
        pass


class NullFile:
    """--dry-run: keeps the first few lines written, writes nothing."""

    path = ""

    def __init__(self, keep_lines: int = 0) -> None:
        self.keep_lines = keep_lines
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        if len(self.lines) < self.keep_lines and text:
            self.lines += text.splitlines()[:self.keep_lines - len(self.lines)]

    def commit(self) -> None:
        pass

    def abort(self) -> None:
        pass


def _umask() -> int:
    """This process's umask (read from /proc where it can, without changing it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
