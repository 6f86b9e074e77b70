"""The duplicate table answers as a plain dictionary of first lines would, and a run's duplicates are
exactly those a dictionary of first lines gives, whatever the chunks, groups and processes."""
from __future__ import annotations

import json
import random

import pytest

from templater import render_batch
from templater.render import batch, seen


@pytest.fixture(params=[True, False], ids=["returning", "joined"])
def statements(request, monkeypatch):
    """Both ways of asking SQLite: INSERT ... RETURNING (SQLite >= 3.35) and the portable join."""
    monkeypatch.setattr(seen, "RETURNING", request.param)


def test_first_lines_match_a_dictionary(statements):
    rng = random.Random(5)
    table, reference, line = seen.SeenPhones(), {}, 2
    try:
        for _ in range(30):
            rows = []
            for _ in range(rng.choice([0, 1, 7, 600])):
                rows.append((f"+1212555{rng.randint(0, 1500):04d}", line))
                line += rng.choice([1, 1, 3])
            expected = []
            for phone, at in rows:
                expected.append(reference.get(phone))
                reference.setdefault(phone, at)
            found = {at: first for at, _, first in table.repeats([int(p[1:]) for p, _ in rows],
                                                                 [at for _, at in rows])}
            assert [found.get(at) for _, at in rows] == expected
    finally:
        table.close()


def test_repeats_give_line_number_and_first_line_in_input_order(statements):
    table = seen.SeenPhones()
    try:
        assert table.repeats([12125550100, 12125550101, 12125550100], [2, 3, 5]) == [(5, 12125550100, 2)]
        assert table.repeats([12125550101, 12125550102, 12125550102, 12125550100], [6, 7, 9, 10]) == [
            (6, 12125550101, 3), (9, 12125550102, 7), (10, 12125550100, 2)]
        assert table.repeats([], []) == []
    finally:
        table.close()


def test_long_numbers_and_lines_far_apart_within_a_group(statements):
    """15-digit numbers (the E.164 maximum) and lines more than 8,192 apart in one group, as when
    most rows of a stretch of the file have no valid number."""
    big, other = 999_999_999_999_999, 100_000_000_000_000
    table = seen.SeenPhones()
    try:
        assert table.repeats([big, other, big, other, big], [2, 9000, 9001, 40_000, 1_000_000]) == [
            (9001, big, 2), (40_000, other, 9000), (1_000_000, big, 2)]
        assert table.repeats([other], [1_000_001]) == [(1_000_001, other, 9000)]
    finally:
        table.close()


_VALUES = {"brand": "Acme", "percent": "20", "products": "jackets", "end_date": "May 12",
           "shop_url": "https://acme.example/s"}


def _people(rng: random.Random) -> tuple[bytes, dict[int, str], dict[int, str]]:
    """Rows whose numbers repeat near and far (across chunks and groups), some of them rejected for
    another reason first, with blank lines, rows without a number and a multi-line record; and the
    expected reason of each row that repeats a number, from a plain dictionary of first lines."""
    lines, phones, raws = [b"phone,first_name,consent,timezone\n"], {}, {}
    for i in range(900):
        number = rng.choice([rng.randint(0, 40), rng.randint(0, 400)])
        phone = b"+1212555%04d" % number
        consent = b"none" if rng.random() < 0.2 else b"express_written"
        name = b'"Multi\nline"' if i == 600 else b"Ana %d" % i
        if rng.random() < 0.03:
            lines.append(b"\n")
        if rng.random() < 0.03:
            phone = b""
        line = 1 + sum(x.count(b"\n") for x in lines)
        phones[line] = phone
        lines.append(b"%s,%s,%s,America/New_York\n" % (phone, name, consent))
        raws[line] = lines[-1].decode().rstrip("\n")
    expected, first = {}, {}
    for line, phone in sorted(phones.items()):
        if not phone:
            continue
        if phone in first:
            expected[line] = f"{phone.decode()} already had a row on line {first[phone]}"
        else:
            first[phone] = line
    return b"".join(lines), expected, raws


@pytest.mark.parametrize("jobs,chunk,group", [(1, 1000, batch.GROUP_ROWS), (1, 7, 20), (2, 13, 50), (2, 1, 1)])
def test_duplicates_are_exactly_the_later_rows_of_a_number(tmp_path, monkeypatch, jobs, chunk, group):
    monkeypatch.setattr(batch, "GROUP_ROWS", group)
    data, expected, raws = _people(random.Random(11))
    src = tmp_path / "people.csv"
    src.write_bytes(data)
    out = tmp_path / "out.jsonl"
    summary = render_batch("retail.discount.en", str(src), str(out), values=_VALUES, jobs=jobs, chunk_size=chunk,
                           send_at="2025-05-06T16:00:00Z")
    messages = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    rejects = [json.loads(x) for x in (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines()]
    duplicates = {r["line"]: r["detail"] for r in rejects if r["reason"] == "duplicate"}
    assert duplicates == expected
    assert all(r["raw"] == raws[r["line"]] for r in rejects)
    assert [m["line"] for m in messages] == sorted(m["line"] for m in messages)
    assert [r["line"] for r in rejects] == sorted(r["line"] for r in rejects)
    assert not {m["line"] for m in messages} & {r["line"] for r in rejects}
    assert summary.input == len(messages) + len(rejects) == 900
    counted: dict[str, int] = {}
    for r in rejects:
        counted[r["reason"]] = counted.get(r["reason"], 0) + 1
    assert summary.reasons == counted and summary.rendered == len(messages)
    assert counted["no-consent"] > 0 and counted["missing-phone"] > 0


def test_a_full_disk_is_a_one_line_error_not_a_crash(statements):
    from templater.errors import InputError

    table = seen.SeenPhones()
    table.db.execute("PRAGMA max_page_count=2")  # SQLite's own 'database or disk is full', as on a full disk
    with pytest.raises(InputError, match=r"^cannot keep the numbers seen in a temporary file \(database or disk "
                                         r"is full\): free space in .* nothing was written$"):
        table.repeats(range(10**9, 10**9 + 20_000), range(2, 20_002))
