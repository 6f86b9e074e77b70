"""Lines.records and RowReader.read_all read chunks by C loops: exactly what reading record by record gave."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from templater.render.recipients import MAX_RECORD_BYTES, Framer, Lines, Record, RowReader

HEADER = ["phone", "x", "", "y", ""]  # empty names may repeat: the last value wins, as in dict(zip)


def reference_records(lines: Lines, fmt: str) -> list[Record]:
    """Lines.records as it was: a Record per non-blank line, Framer for an over-long line."""
    if max(map(len, lines.lines)) <= MAX_RECORD_BYTES:
        return [Record(n, data) for n, data in enumerate(lines.lines, lines.first) if data.strip()]
    return list(Framer(lines.lines, fmt, lines.first).records())


def reference_read_all(reader: RowReader, records: list[Record]) -> list:
    """read_all as it was, kept as the fallback: read() for awkward records, one csv.reader for the rest."""
    return reader._read_batched(records)


_FIELD = st.sampled_from(["+1", "a", "", " b ", '"q"', '"x, y"', '"open', 'close"', 'mid"dle', '"a""b"', '"a"b',
                          '""', "é", "\x00", "c\rd", '"c\rd"', '"c\nd"', "\ufeff", "\t", "\x0b", "\u2028"])
_END = st.sampled_from([b"\n", b"\r\n", b"\r\r\n", b"\n\r"])
_ROW = st.builds(lambda fields, end: ",".join(fields).encode() + end,
                 st.lists(_FIELD, min_size=1, max_size=7), _END)
_ODD = st.sampled_from([b"\n", b"  \n", b"\r\n", b" \t\x0b\x0c\r\n", b"", b"+1,\xff,z,,\n", b"\xef\xbb\xbf+1,a,,b,\n",
                        b'\xef\xbb\xbf"+1",a,,b,\r\n', b"\xef\xbb\xbf+1,\"c\rd\",,b,\n", b"+1,\xe9\n", b"\xc3",
                        b"+1,a,,b,", b"+1,a,,b,c", b"+1,a\n,,b,\n", b'"\n', b"+1," + b"q" * (MAX_RECORD_BYTES + 1) + b"\n"])
# Mostly good rows, so that whole chunks read together are common, with a few odd lines mixed in.
_LINES = st.lists(st.one_of(_ROW, _ROW, _ROW, _ODD), min_size=1, max_size=30)
_GOOD = st.builds(lambda fields, end: ",".join(fields).encode() + end,
                  st.lists(st.sampled_from(["+1", "a", "", '"x, y"', '"a""b"', "é", '"c\rd"']),
                           min_size=5, max_size=5), st.sampled_from([b"\n", b"\r\n"]))


def _check(first: int, lines: list[bytes], header: list[str]) -> None:
    job = Lines(first, lines)
    records = job.records("csv")
    assert records == reference_records(job, "csv")
    assert all(type(r) is Record for r in records)
    reader = RowReader("csv", header)
    got = reader.read_all(records)
    expected = reference_read_all(reader, records)
    assert got == expected
    # Same keys in the same order, and real dicts.
    assert [list(r) if isinstance(r, dict) else r for r in got] == \
        [list(r) if isinstance(r, dict) else r for r in expected]
    assert all(type(r) in (dict, tuple) for r in got)
    if 1 not in [r.line for r in records]:  # line 1: see test_line_one_keeps_its_own_bom_handling
        assert got == [reader.read(r) for r in records]


@settings(max_examples=600, deadline=None)
@given(_LINES, st.sampled_from([1, 2, 1001]), st.sampled_from([HEADER, ["phone"], ["phone", "x", "y"]]))
def test_chunks_read_as_record_by_record(lines, first, header):
    _check(first, lines, header)


@settings(max_examples=200, deadline=None)
@given(st.lists(_GOOD, min_size=1, max_size=30), st.sampled_from([1, 2, 57]))
def test_good_chunks_read_as_record_by_record(lines, first):
    _check(first, lines, HEADER)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.one_of(_ROW, _ODD), st.sampled_from([None, "a problem"])),
                max_size=12))
def test_any_records_read_as_before(items):
    """read_all takes any records too: Framer's multi-line ones, framing problems, line 1 anywhere."""
    records = [Record(line, raw, problem) for line, raw, problem in items]
    reader = RowReader("csv", HEADER)
    got = reader.read_all(records)
    assert got == reference_read_all(reader, records)
    assert [g for g, r in zip(got, records) if r.line != 1] == [reader.read(r) for r in records if r.line != 1]


def test_the_usual_chunk_is_read_together(monkeypatch):
    reader = RowReader("csv", ["phone", "name", "when"])
    records = Lines(2, [b'+1,Ana,"Sunday, May 12"\r\n', b"+2,Ben,\n", b'+3,"Cy ""C""",x']).records("csv")
    monkeypatch.setattr(reader, "_read_batched", None)  # not called
    assert reader.read_all(records) == [{"phone": "+1", "name": "Ana", "when": "Sunday, May 12"},
                                        {"phone": "+2", "name": "Ben", "when": ""},
                                        {"phone": "+3", "name": 'Cy "C"', "when": "x"}]


def test_jsonl_reads_each_record():
    reader = RowReader("jsonl")
    records = Lines(1, [b'\xef\xbb\xbf{"phone": "+1"}\n', b"\n", b"[1]\n", b"{\xff}\n"]).records("jsonl")
    assert [r.line for r in records] == [1, 3, 4]
    assert reader.read_all(records) == [reader.read(r) for r in records]
    assert reader.read_all(records)[0] == {"phone": "+1"}


def test_line_one_keeps_its_own_bom_handling():
    """read() drops a BOM on line 1 from a row with a CR inside; rows read together never did."""
    for raw in (b'\xef\xbb\xbf+1,"c\rd",,b,\n', b"\xef\xbb\xbf+1,a,,b,\n"):
        _check(1, [raw, b"+2,a,,b,\r\n"], HEADER)
    reader = RowReader("csv", HEADER)
    assert reader.read_all([Record(1, b'\xef\xbb\xbf+1,"c\rd",,b,\n')])[0]["phone"] == "+1"
