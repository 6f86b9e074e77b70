"""ordered_map hands out index ranges and gives results in input order, whatever the jobs."""
from __future__ import annotations

from templater.pool import MAX_SPAN, ordered_map, spans


def test_spans_cover_every_index_once_in_order():
    for count in (0, 1, 31, 32, 100, 1_000, 10_000):
        for jobs in (1, 2, 3, 8):
            out = spans(count, jobs, 16)
            assert [i for a, b in out for i in range(a, b)] == list(range(count))
            assert all(b - a <= MAX_SPAN for a, b in out)
    big = spans(10_000, 2, 16)
    assert big[0] == (0, MAX_SPAN) and big[-2][1] - big[-2][0] == 16  # large first, small last


def test_ordered_map_keeps_input_order():
    items = list(range(300))
    assert list(ordered_map(lambda x: x * x, items, 2)) == [x * x for x in items]
    assert list(ordered_map(lambda x: -x, items[:10], 2)) == [-x for x in items[:10]]  # few: in-process
