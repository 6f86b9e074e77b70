"""Recipient files (CSV, JSON Lines): framing bytes into numbered records, and reading each record."""
from __future__ import annotations

import csv
import io
import itertools
import json
from collections import deque
from functools import partial
from itertools import count, repeat
from operator import itemgetter
from typing import Any, BinaryIO, Iterable, Iterator, NamedTuple, Sequence, Union

from templater import reference
from templater.errors import InputError

FORMATS = ("csv", "jsonl")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl"}
MAX_RECORD_BYTES = 64 * 1024   # one row; longer is malformed (and never held whole in memory twice)
MAX_RECORD_LINES = 50          # a quoted CSV field may span lines, but not the rest of the file


class Record(NamedTuple):
    """One row as read from the file: its first line number, its bytes, and a framing problem if any."""

    line: int
    raw: bytes
    problem: str | None = None


def detect_format(path: str, given: str | None) -> str:
    """The recipients format from --recipients-format, else from the file extension."""
    if given:
        return given
    for ext, fmt in _EXTENSIONS.items():
        if path.lower().endswith(ext):
            return fmt
    raise InputError("cannot tell the format from the extension: name it .csv or .jsonl, or pass "
                     "--recipients-format csv|jsonl", path)


def raw_text(raw: bytes) -> str:
    """A record's bytes as text for the rejects file, undecodable bytes shown as \\xNN."""
    return raw.decode("utf-8", "backslashreplace").rstrip("\r\n")


def pieces(stream: BinaryIO) -> Iterator[bytes]:
    """The stream's lines, read at most MAX_RECORD_BYTES + 1 bytes at a time: a longer line is never
    held whole (a 400 MB row took over 1 GB before the row check ran), it comes in pieces, of which
    whole_lines() keeps the first (rejected as over the limit) and drops the rest."""
    return iter(partial(stream.readline, MAX_RECORD_BYTES + 1), b"")


def whole_lines(parts: Iterator[bytes], dropped: list[int]) -> Iterator[bytes]:
    """One item per line of pieces(): a long line's first piece, its other pieces dropped (their
    bytes added to dropped[0], for the progress count)."""
    for line in parts:
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            for rest in parts:
                dropped[0] += len(rest)
                if rest.endswith(b"\n"):
                    break
        yield line


DELIMITERS = (",", ";", "\t", "|")


def decoded_lines(stream: BinaryIO, path: str) -> Iterator[bytes]:
    """The stream's lines as UTF-8 bytes: as they are, unless a UTF-16 byte order mark (Excel's
    "Unicode text" export) says to transcode them; read in pieces (see pieces())."""
    peek = getattr(stream, "peek", None)
    head = peek(2)[:2] if peek is not None else b""
    if head not in (b"\xff\xfe", b"\xfe\xff"):
        return pieces(stream)
    return _utf16(stream, path)


def _utf16(stream: BinaryIO, path: str) -> Iterator[bytes]:
    text = io.TextIOWrapper(stream, encoding="utf-16", newline="")
    line = 0
    try:
        # At most MAX_RECORD_BYTES + 1 characters at a time, as pieces() reads bytes.
        for line, data in enumerate(iter(partial(text.readline, MAX_RECORD_BYTES + 1), ""), 1):
            yield data.encode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise InputError("bytes that are not UTF-16 although the file starts with a UTF-16 byte order "
                         "mark: save it again as UTF-16 or as CSV UTF-8", path, line + 1) from None


def _count_outside_quotes(text: str, delimiter: str) -> int:
    return sum(part.count(delimiter) for part in text.split('"')[::2])


def sniff_delimiter(text: str) -> str:
    """The separator a header line uses: the most frequent of , ; tab | outside quotes (',' when none)."""
    counts = [(_count_outside_quotes(text, d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def read_header(lines: Iterator[bytes], path: str, delimiter: str | None = None) -> tuple[list[str], str, int]:
    """The CSV header's column names as written, its separator (detected unless given), and the
    number of lines it took (2 after Excel's 'sep=;' line)."""
    first = next(lines, b"")
    taken = 1
    if len(first) > MAX_RECORD_BYTES:
        raise InputError(f"the header is over {MAX_RECORD_BYTES:,} bytes: is this a recipients file?", path, 1)
    if not first.strip():
        raise InputError("the file is empty or starts with a blank line: the first line must name the "
                         "columns (phone, consent, ...)", path, 1)
    try:
        text = first.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError("the header has bytes that are not UTF-8: save the file as CSV UTF-8 (or UTF-16 "
                         "'Unicode text')", path, 1) from None
    if text.lower().startswith("sep=") and len(text) == 5:  # Excel's hint line names the separator
        delimiter = delimiter or text[4]
        first, taken = next(lines, b""), 2
        try:
            text = first.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise InputError("the header has bytes that are not UTF-8: save the file as CSV UTF-8", path, 2) from None
    delimiter = delimiter or sniff_delimiter(text)
    try:
        names = next(csv.reader([text], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration) as exc:
        raise InputError(f"the header is not valid CSV ({exc})", path, taken) from None
    names = [n.strip() for n in names]
    seen = set()
    for name in names:
        if name and name in seen:
            raise InputError(f"the column '{name}' appears twice in the header", path, taken)
        seen.add(name)
    return names, delimiter, taken


class Framer:
    """Splits a recipients stream into records, keeping each record's first line number."""

    def __init__(self, stream: Iterable[bytes], fmt: str, first_line: int = 1) -> None:
        self.stream = stream
        self.csv = fmt == "csv"
        self.line = first_line - 1
        self.consumed = 0  # bytes read so far, for the progress bar

    def _lines(self) -> Iterator[tuple[int, bytes]]:
        for data in self.stream:
            self.line += 1
            self.consumed += len(data)
            yield self.line, data

    def records(self) -> Iterator[Record]:
        """Every non-blank record in order; a CSV record spans lines only inside a quoted field."""
        pending: deque[tuple[int, bytes]] = deque()
        source = self._lines()
        while True:
            if pending:
                lineno, data = pending.popleft()
            else:
                item = next(source, None)
                if item is None:
                    return
                lineno, data = item
            if not data.strip():
                continue
            if len(data) > MAX_RECORD_BYTES:
                yield Record(lineno, data[:1024], f"the row is over {MAX_RECORD_BYTES:,} bytes")
                continue
            if not self.csv or data.count(b'"') % 2 == 0:
                yield Record(lineno, data)
                continue
            # An open quote: the record goes on until the quotes balance, within limits.
            parts = [(lineno, data)]
            size, closed = len(data), False
            while len(parts) < MAX_RECORD_LINES and size <= MAX_RECORD_BYTES:
                item = pending.popleft() if pending else next(source, None)
                if item is None:
                    break
                parts.append(item)
                size += len(item[1])
                if item[1].count(b'"') % 2 == 1:
                    closed = True
                    break
            if closed and size <= MAX_RECORD_BYTES:
                yield Record(lineno, b"".join(p[1] for p in parts))
                continue
            # Reject the line that opened the quote; read the lines after it afresh.
            yield Record(lineno, data, "a quoted field is never closed (an odd number of '\"')")
            pending.extendleft(reversed(parts[1:]))


class Lines(NamedTuple):
    """Consecutive lines of the file, each a whole record or blank: framed where they are processed."""

    first: int           # the line number of lines[0]
    lines: list[bytes]

    def records(self, fmt: str) -> list[Record]:
        lines = self.lines
        if max(map(len, lines)) > MAX_RECORD_BYTES:
            return list(Framer(lines, fmt, self.first).records())
        # What Framer does with whole records: one per non-blank line. Without a blank line (the
        # usual case) the Records are made by C loops: tuple.__new__ is what Record() calls.
        if all(lines) and not any(map(bytes.isspace, lines)):
            return list(map(_TUPLE_NEW, repeat(Record), zip(count(self.first), lines, repeat(None))))
        return [Record(n, data) for n, data in enumerate(lines, self.first) if data.strip()]

    def raw(self, line: int) -> bytes:
        return self.lines[line - self.first]


Job = Union[Lines, list[Record]]
_TUPLE_NEW = tuple.__new__
_LINE, _RAW, _PROBLEM = itemgetter(0), itemgetter(1), itemgetter(2)


class Jobs:
    """The stream in jobs of `size` lines or records, for processes that do the rows' work.

    While no line has an odd number of '"' (always, in JSON Lines), every line is a whole record
    (or blank), so lines are handed out as they are read and framed by whoever processes them:
    the reading process does next to nothing. From the first line with an open quote, a record
    may span lines, so the rest of the stream is framed here, as Framer does for a whole file.
    """

    def __init__(self, stream: Iterable[bytes], fmt: str, first_line: int, size: int) -> None:
        self.stream, self.fmt, self.first_line, self.size = stream, fmt, first_line, size
        self._read = 0
        self._dropped = [0]  # bytes of long lines read and dropped (whole_lines)
        self._framer: Framer | None = None
        self._framed_from = 0

    @property
    def consumed(self) -> int:
        """Bytes read so far, for the progress bar."""
        if self._framer is None:
            return self._read + self._dropped[0]
        return self._framed_from + self._framer.consumed + self._dropped[0]

    def __iter__(self) -> Iterator[Job]:
        line = self.first_line
        stream = iter(self.stream)  # pieces() of the file (decoded_lines): a long line in several
        while True:
            lines = list(itertools.islice(stream, self.size))
            if not lines:
                return
            if max(map(len, lines)) > MAX_RECORD_BYTES:  # a long line's pieces: one item per line again
                lines = list(itertools.islice(whole_lines(itertools.chain(lines, stream), self._dropped),
                                              len(lines)))
            if self.fmt == "csv" and any(data.count(b'"') % 2 for data in lines):
                break
            self._read += sum(map(len, lines))
            yield Lines(line, lines)
            line += len(lines)
        self._framed_from = self._read
        self._framer = Framer(itertools.chain(lines, whole_lines(stream, self._dropped)), self.fmt, line)
        yield from chunks(self._framer.records(), self.size)


def chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    """Records grouped in lists of `size` (the last one shorter)."""
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class RowReader:
    """Turns records into field mappings, or into the reason they cannot be read."""

    def __init__(self, fmt: str, header: list[str] | None = None, delimiter: str = ",",
                 columns: Any = None) -> None:
        self.csv = fmt == "csv"
        self.delimiter = delimiter
        self.columns = columns  # JSON Lines: a columns.ColumnMap mapping each row's keys
        self.header = header or []
        self.width = len(self.header)
        self._keys = tuple(self.header)
        self._empty = dict.fromkeys(self.header)  # the keys of every row's dict, in order

    def read(self, record: Record) -> dict | tuple[str, str]:
        """The row's fields, or (reason, detail) for an unreadable row."""
        if record.problem:
            return "malformed-row", record.problem
        try:
            text = record.raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return "undecodable", f"bytes that are not UTF-8 at byte {exc.start + 1} of the row"
        if record.line == 1 and text.startswith("\ufeff"):
            text = text[1:]
        return self._csv(text) if self.csv else self._json(text)

    def read_all(self, records: list[Record]) -> Sequence[dict | tuple[str, str]]:
        """read() of each record; CSV rows of one line go through one csv.reader together."""
        if not self.csv or reference.ON:
            return [self.read(r) for r in records]
        rows = self._read_together(records)
        return rows if rows is not None else self._read_batched(records)

    def _read_together(self, records: list[Record]) -> Sequence[dict | tuple[str, str]] | None:
        """The usual chunk, read by C loops: every record through one csv.reader, each one row.

        None (read them with _read_batched) when a record has a framing problem, is on line 1 (where
        read() drops a BOM), has bytes that are not UTF-8, or the reader fails or joins records.
        Otherwise each record's text (line ends kept) was read as one row alone, which is what
        read() reads from the text without its line ends: they only end a row outside quotes.
        """
        if any(map(_PROBLEM, records)) or 1 in map(_LINE, records):
            return None
        try:
            rows = list(csv.reader(map(bytes.decode, map(_RAW, records)), delimiter=self.delimiter, strict=True))
        except (csv.Error, UnicodeDecodeError):
            return None
        if len(rows) != len(records):
            return None
        width = self.width
        if not all(map(width.__eq__, map(len, rows))):
            return [self._fields(fields) for fields in rows]
        # dict(zip(header, fields)) for each row: a copy of the header's dict, its values replaced.
        out = list(map(dict.copy, repeat(self._empty, len(rows))))
        deque(map(dict.update, out, map(zip, repeat(self._keys), rows)), maxlen=0)
        return out

    def _read_batched(self, records: list[Record]) -> list[dict | tuple[str, str]]:
        """read() of each CSV record, one-line rows of valid UTF-8 read by one csv.reader."""
        out: list = []
        batch: list[tuple[int, str]] = []  # (index in out, text) of one-line rows
        for record in records:
            body = record.raw.rstrip(b"\r\n")
            if record.problem or b"\r" in body or b"\n" in body:
                out.append(self.read(record))
                continue
            try:
                batch.append((len(out), record.raw.decode("utf-8").rstrip("\r\n")))
                out.append(None)
            except UnicodeDecodeError:
                out.append(self.read(record))
        rows: list[list[str] | None]
        try:
            rows = list(csv.reader([text for _, text in batch], delimiter=self.delimiter, strict=True))
        except csv.Error:
            rows = []
        # One row per text, unless a quote left open at a text's end joined it to the next (or the
        # reader failed): then each text is read on its own, as read() does, to give its own error.
        if len(rows) != len(batch):
            rows = [None] * len(batch)
        for (i, text), fields in zip(batch, rows):
            out[i] = self._csv(text) if fields is None else self._fields(fields)
        return out

    def read_raw(self, line: int, raw: bytes) -> dict | None:
        """The fields of a row already known to be readable (None if it is not)."""
        row = self.read(Record(line, raw))
        return row if isinstance(row, dict) else None

    def _csv(self, text: str) -> dict | tuple[str, str]:
        try:
            fields = next(csv.reader((text.rstrip("\r\n"),), delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            return "malformed-row", f"bad CSV quoting: {exc}"
        return self._fields(fields)

    def _fields(self, fields: list[str]) -> dict | tuple[str, str]:
        if len(fields) != self.width:
            return "malformed-row", f"{len(fields)} fields where the header has {self.width}"
        return dict(zip(self.header, fields))

    def _json(self, text: str) -> dict | tuple[str, str]:
        try:
            value = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            return "malformed-row", f"not valid JSON: {getattr(exc, 'msg', exc)}"
        except RecursionError:  # '[[[[…' a thousand deep: the decoder recurses once per level
            return "malformed-row", "not valid JSON: values nested too deeply"
        if not isinstance(value, dict):
            return "malformed-row", "a JSON Lines row must be an object such as {\"phone\": \"+1...\"}"
        if "\\u" in text and _lone_surrogate(value):
            return "malformed-row", ("a \\u escape is half of a UTF-16 pair (\\ud800 to \\udfff) with no other "
                                     "half: not a character; fix the escape or write the character itself")
        return value if self.columns is None else self.columns.row(value)


def _no_constant(name: str) -> None:
    """NaN, Infinity and -Infinity: Python's json reads them, JSON does not have them."""
    raise ValueError(f"{name} is not a JSON value (write a number, or the text in quotes)")


def _lone_surrogate(value: object) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (only a \\u escape can make one: the
    file's bytes were strict UTF-8), which no output could encode."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
