"""The duplicate table answers as a plain dictionary of first lines would, with and without RETURNING."""
from __future__ import annotations

import random

import pytest

from templater.render import seen


@pytest.mark.parametrize("returning", [True, False])
def test_first_lines_match_a_dictionary(monkeypatch, returning):
    monkeypatch.setattr(seen, "_RETURNING", returning and seen._RETURNING)
    rng = random.Random(5)
    table, reference, line = seen.SeenPhones(), {}, 2
    try:
        for _ in range(30):
            rows = []
            for _ in range(rng.choice([1, 7, 600])):
                rows.append((f"+1212555{rng.randint(0, 1500):04d}", line))
                line += 1
            expected = []
            for phone, at in rows:
                expected.append(reference.get(phone))
                reference.setdefault(phone, at)
            assert table.first_lines(rows) == expected
    finally:
        table.close()
