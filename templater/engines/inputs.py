"""Recipient files for the engines, cut into parts that workers read on their own (no pandas here).

A part of a CSV or JSON Lines file is a byte range of whole lines, and knows the line number of
its first line, so that each row's row_id is its line, as the local run numbers it. A file
whose rows cannot be cut safely (a quoted field spanning lines, or UTF-16) is one part, read as
the local run reads it. A part of a Parquet file is one row group; its rows are numbered from
1 over the files in name order, unless the file has a row_id column.

Several files are read in name order, as if one followed the other: a text file's row_ids are
its lines plus the lines of the files before it (each CSV file has its own header, the same as
the first's).

API: open_source(pattern, fmt=None, delimiter=None, part_bytes=...) -> Source (.fmt, .names,
.delimiter, .parts, .rows_known); read_records(part) -> [Record]; read_rows(part, names) ->
(row_ids, rows); count_rows(part) -> int (the input's rows, counted apart from the render, for
reconcile).
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Any

from templater.errors import InputError
from templater.render.recipients import (MAX_RECORD_BYTES, Jobs, Lines, Record, decoded_lines, detect_format,
                                         read_header)

PART_BYTES = 16 << 20
_BOM = b"\xef\xbb\xbf"
_BLOCK = 8 << 20


@dataclass(frozen=True)
class Part:
    """One worker's share of the input."""

    path: str
    fmt: str            # csv | jsonl | parquet
    start: int          # text: byte offset of the first line; parquet: the row group
    end: int            # text: byte offset past the last line, -1 for the whole file read as the local run does
    first: int          # text: the first line's number; parquet: the row_id of the first row (positions)
    offset: int = 0     # text: added to the line numbers (the lines of the files before this one)
    rows: int = -1      # parquet: the row group's rows
    row_id: bool = False  # parquet: the file has its own row_id column
    delimiter: str = ","

    @property
    def last(self) -> int:
        """The highest row_id the part can hold (text: the line before the next part's)."""
        return self.first + self.rows - 1


@dataclass
class Source:
    """The input: its format, the column names the template's columns are mapped from, its parts."""

    fmt: str
    paths: list[str]
    names: list[str]
    delimiter: str | None
    parts: list[Part]
    ahead: Any = None   # JSON Lines: the first file's first rows (render.batch.Ahead), for the pre-flight

    @property
    def divisions(self) -> tuple[int, ...] | None:
        """The row_id range of each part, as Dask's divisions (first ids and the last id), when known."""
        if not self.parts or any(p.row_id for p in self.parts):
            return None
        firsts = [p.first + p.offset for p in self.parts]
        return (*firsts, self.parts[-1].last + self.parts[-1].offset)


def paths_of(pattern: str) -> list[str]:
    """The files a --recipients value names: a file, a folder's files, or a glob; in name order."""
    if os.path.isdir(pattern):
        found = [os.path.join(pattern, n) for n in os.listdir(pattern) if not n.startswith((".", "_"))]
        found = [p for p in found if os.path.isfile(p)]
    elif any(c in pattern for c in "*?["):
        found = [p for p in glob.glob(pattern) if os.path.isfile(p)]
    else:
        found = [pattern] if os.path.exists(pattern) else []
    if not found:
        raise InputError("no recipients file here: give a file, a folder or a quoted glob such as "
                         "'data/*.parquet'", pattern)
    return sorted(found)


def format_of(path: str, given: str | None) -> str:
    if given:
        return given
    if path.lower().endswith((".parquet", ".pq")):
        return "parquet"
    return detect_format(path, None)


def open_source(pattern: str, fmt: str | None = None, delimiter: str | None = None,
                part_bytes: int = PART_BYTES) -> Source:
    """Find the files, read the header (or schema) once and plan the parts; InputError naming the
    file for anything unreadable."""
    paths = paths_of(pattern)
    formats = {format_of(p, fmt) for p in paths}
    if len(formats) > 1:
        raise InputError(f"the files mix formats ({', '.join(sorted(formats))}): give files of one format", pattern)
    kind = formats.pop()
    if kind == "parquet":
        return _parquet(paths)
    names: list[str] | None = None
    parts: list[Part] = []
    offset = 0
    ahead = None
    for path in paths:
        found, sep, file_parts, lines, first_rows = _text_file(path, kind, delimiter, part_bytes, offset)
        if names is None:
            names, delimiter, ahead = found, sep, first_rows
        elif kind == "csv" and found != names:
            raise InputError(f"the header differs from the first file's ({paths[0]}): give files with the same "
                             "columns", path, 1)
        parts += file_parts
        offset += lines
    return Source(kind, paths, names or [], delimiter, [p for p in parts if p.rows != 0], ahead)


def _text_file(path: str, fmt: str, delimiter: str | None, part_bytes: int,
               offset: int) -> tuple[list[str], str | None, list[Part], int, Any]:
    """A text file's column names, separator, parts, number of lines, and (JSON Lines) its first
    rows for the pre-flight check (render.batch.Ahead)."""
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read the recipients file: {exc.strerror}", path) from None
    with stream:
        utf16 = stream.read(2) in (b"\xff\xfe", b"\xfe\xff")
        ahead = None
        stream.seek(0)
        lines = decoded_lines(stream, path)
        if fmt == "csv":
            names, delimiter, taken = read_header(lines, path, delimiter)
        else:
            from templater.render.batch import _first_objects

            taken = 0
            _, found, ahead = _first_objects(lines)
            names = found or []
        if utf16:
            total = sum(1 for _ in decoded_lines(_reopen(stream), path))
            return names, delimiter, [Part(path, fmt, 0, -1, taken + 1, offset, rows=total - taken,
                                           delimiter=delimiter or ",")], total, ahead
        stream.seek(0)
        for _ in range(taken):
            _whole_line(stream)
        start, first = stream.tell(), taken + 1
        parts, line, whole = [], first, False
        while True:
            block = stream.read(min(_BLOCK, part_bytes))
            if not block:
                break
            block += _whole_line(stream) if not block.endswith(b"\n") else b""
            if fmt == "csv" and not whole and b'"' in block and _odd_quotes(block):
                whole = True
            line += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
            if stream.tell() - start >= part_bytes:
                parts.append(Part(path, fmt, start, stream.tell(), first, offset, rows=line - first,
                                  delimiter=delimiter or ","))
                start, first = stream.tell(), line
        end = stream.tell()
        if end > start or not parts:
            parts.append(Part(path, fmt, start, end, first, offset, rows=line - first, delimiter=delimiter or ","))
        if whole:  # a record may span lines: one part, framed as the local run frames it
            parts = [Part(path, fmt, 0, -1, taken + 1, offset, rows=line - taken - 1, delimiter=delimiter or ",")]
        return names, delimiter, parts, line - 1, ahead


def _odd_quotes(block: bytes) -> bool:
    """Whether a line of the block has an odd number of '"': it opens (or closes) a quoted field
    that spans lines."""
    return any(line.count(b'"') & 1 for line in block.split(b"\n"))


def _whole_line(stream: Any) -> bytes:
    """The rest of the current line (a long one in pieces, so that it is never held twice)."""
    parts = []
    while True:
        piece = stream.readline(MAX_RECORD_BYTES + 1)
        parts.append(piece)
        if not piece or piece.endswith(b"\n"):
            return b"".join(parts)


def _reopen(stream: Any) -> Any:
    stream.seek(0)
    return stream


def read_records(part: Part) -> list[Record]:
    """The records of a text part, their lines numbered as row_ids."""
    if part.end < 0:
        records = _whole_file(part)
    else:
        with open(part.path, "rb") as f:
            f.seek(part.start)
            data = f.read(part.end - part.start)
        lines = data.split(b"\n")
        tail = lines.pop()
        lines = [line + b"\n" for line in lines]
        if tail:
            lines.append(tail)
        records = Lines(part.first, lines).records(part.fmt) if lines else []
    out = []
    for record in records:
        if record.line == 1 and record.raw.startswith(_BOM):  # the local reader drops a BOM on line 1 only
            record = record._replace(raw=record.raw[3:])
        out.append(record._replace(line=record.line + part.offset) if part.offset else record)
    return out


def _whole_file(part: Part) -> list[Record]:
    with open(part.path, "rb") as stream:
        lines = decoded_lines(stream, part.path)
        if part.fmt == "csv":
            read_header(lines, part.path, part.delimiter)
        records: list[Record] = []
        for job in Jobs(lines, part.fmt, part.first, 10_000):
            records += job.records(part.fmt) if isinstance(job, Lines) else job
        return records


def count_rows(part: Part) -> int:
    """The rows of a part, counted without reading them as the render does: non-blank lines of a
    text part, the metadata's count of a Parquet row group; for reconcile."""
    if part.fmt == "parquet":
        return part.rows
    if part.end < 0:
        return len(_whole_file(part))
    with open(part.path, "rb") as f:
        f.seek(part.start)
        data = f.read(part.end - part.start)
    return sum(1 for line in data.split(b"\n") if line.strip())


def _parquet(paths: list[str]) -> Source:
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the engines' extras bring pyarrow
        raise InputError("reading Parquet needs pyarrow: pip install 'templater[dask]'", paths[0]) from None
    names: list[str] | None = None
    parts: list[Part] = []
    position = 1
    for path in paths:
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a file that is not Parquet
            raise InputError(f"not a readable Parquet file ({exc})", path) from None
        columns = list(meta.schema.to_arrow_schema().names)
        own_id = "row_id" in columns
        columns = [c for c in columns if c != "row_id"]
        if names is None:
            names = columns
        elif columns != names:
            raise InputError(f"the columns differ from the first file's ({paths[0]}): give files with the same "
                             "columns", path)
        for group in range(meta.num_row_groups):
            rows = meta.row_group(group).num_rows
            parts.append(Part(path, "parquet", group, group, position, rows=rows, row_id=own_id))
            position += rows
    return Source("parquet", paths, names or [], None, [p for p in parts if p.rows != 0])


def read_rows(part: Part, names: list[str]) -> tuple[list[int], list[tuple]]:
    """A Parquet part's row_ids and rows (tuples of values in the order of names)."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(part.path).read_row_group(part.start, columns=[*names, *(["row_id"] if part.row_id else [])])
    columns = [table.column(name).to_pylist() for name in names]
    if part.row_id:
        ids = table.column("row_id").to_pylist()
        if any(i is None for i in ids):
            raise InputError("the row_id column has empty values: give every row its own row_id", part.path)
    else:
        ids = list(range(part.first, part.first + table.num_rows))
    return ids, list(zip(*columns)) if columns else [() for _ in ids]
