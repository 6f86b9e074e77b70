"""Handing out raw lines to the processes gives exactly the records that framing the whole file gives."""
from __future__ import annotations

import io
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from templater import render_batch
from templater.render import batch
from templater.render.recipients import Framer, Jobs, Lines, Record, RowReader


def _records(data: bytes, fmt: str, size: int) -> tuple[list, int]:
    jobs = Jobs(io.BytesIO(data), fmt, 2, size)
    out = []
    for job in jobs:
        out += job.records(fmt) if isinstance(job, Lines) else job
    return out, jobs.consumed


_LINE = st.sampled_from([b"+1,a,b\n", b"\n", b"  \n", b'+1,"x, y",z\n', b'+1,"open\n', b'close",z\n',
                         b'"\n', b"+1," + b"q" * 70_000 + b"\n", b"+1,\xff,z\n", b"+1,last"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINE, max_size=40), st.sampled_from([1, 2, 3, 1000]), st.sampled_from(["csv", "jsonl"]))
def test_jobs_frame_like_the_whole_file(lines, size, fmt):
    data = b"".join(lines)
    expected = list(Framer(io.BytesIO(data), fmt, 2).records())
    got, consumed = _records(data, fmt, size)
    assert got == expected
    assert consumed == len(data)


def test_lines_are_handed_out_until_a_quote_opens():
    data = b"+1,a\n+2,\"b, c\"\n+3,\"open\n+4,d\n"
    jobs = list(Jobs(io.BytesIO(data), "csv", 2, 2))
    assert isinstance(jobs[0], Lines) and jobs[0].raw(3) == b'+2,"b, c"\n'
    assert not isinstance(jobs[1], Lines)


def test_a_duplicate_after_a_multi_line_record_keeps_its_own_row(tmp_path):
    src = tmp_path / "people.csv"
    src.write_bytes(b"phone,first_name,consent,timezone\n"
                    b'+12125550100,"Ana\nMaria",express_written,America/New_York\n'
                    b"+12125550100,Ben,express_written,America/New_York\n")
    out = tmp_path / "out.jsonl"
    values = {"brand": "Acme", "percent": "20", "products": "jackets", "end_date": "May 12",
              "shop_url": "https://acme.example/s"}
    render_batch("retail.discount.en", str(src), str(out), values=values, jobs=1,
                 send_at="2025-05-06T16:00:00Z")
    rejects = [json.loads(x) for x in (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines()]
    assert [(r["line"], r["reason"], r["raw"], r["row"]["first_name"]) for r in rejects] == [
        (4, "duplicate", "+12125550100,Ben,express_written,America/New_York", "Ben")]


_FIELD = st.sampled_from(["a", "", " b ", '"q"', '"x, y"', '"open', 'mid"dle', '"a""b"', '"a"b', "\r", "é", "\x00", "c\rd"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_FIELD, min_size=1, max_size=4), max_size=12), st.booleans())
def test_reading_rows_together_reads_each_as_alone(rows, bad_byte):
    reader = RowReader("csv", ["phone", "x", "y"])
    records = [Record(i + 2, (",".join(r) + "\n").encode() + (b"\xff" if bad_byte and i == 1 else b""))
               for i, r in enumerate(rows)]
    records += [Record(99, b"a,b,c\n", "the row is over 65,536 bytes")]
    assert reader.read_all(records) == [reader.read(r) for r in records]


def test_output_does_not_depend_on_chunk_or_group_size(tmp_path, monkeypatch):
    src = tmp_path / "people.csv"
    rows = [b"phone,first_name,consent,timezone\n"]
    for i in range(40):
        phone = b"+1212555%04d" % (i % 13)
        rows.append(phone + b",Ana %d,%s,America/New_York\n" % (i, b"express_written" if i % 5 else b"none"))
    rows.insert(7, b'+12125550199,"Multi\nline",express_written,America/New_York\n')
    src.write_bytes(b"".join(rows))
    values = {"brand": "Acme", "percent": "20", "products": "jackets", "end_date": "May 12",
              "shop_url": "https://acme.example/s"}
    outputs = []
    for chunk, group in [(1000, batch.GROUP_ROWS), (1, 1), (3, 5)]:
        monkeypatch.setattr(batch, "GROUP_ROWS", group)
        out = tmp_path / f"out{chunk}.jsonl"
        summary = render_batch("retail.discount.en", str(src), str(out), values=values, jobs=1, chunk_size=chunk,
                               send_at="2025-05-06T16:00:00Z")
        outputs.append((out.read_text("utf-8"), (tmp_path / f"out{chunk}.rejects.jsonl").read_text("utf-8"),
                        summary.to_dict()["reasons"]))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][2]["duplicate"] > 0
