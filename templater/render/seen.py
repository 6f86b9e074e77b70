"""The numbers a run has already seen, on disk, so that memory stays flat however many rows there are."""
from __future__ import annotations

import os
import sqlite3
import tempfile

_BATCH = 500  # parameters per query, under every SQLite build's limit


class SeenPhones:
    """E.164 numbers with the line of their first row, in a temporary SQLite table (bounded page cache)."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="templater-seen-", suffix=".sqlite")
        os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # A scratch table: nothing to recover after a crash, so no journal and no syncing.
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;"
                              "CREATE TABLE seen (phone INTEGER PRIMARY KEY, line INTEGER NOT NULL);")

    def first_lines(self, rows: list[tuple[str, int]]) -> list[int | None]:
        """For each (phone, line) in order: None if it is the number's first row, else that first line."""
        keys = [int(phone[1:]) for phone, _ in rows]
        earlier: dict[int, int] = {}
        unique = list(set(keys))
        for i in range(0, len(unique), _BATCH):
            part = unique[i:i + _BATCH]
            marks = ",".join("?" * len(part))
            earlier.update(self.db.execute(f"SELECT phone, line FROM seen WHERE phone IN ({marks})", part))
        out: list[int | None] = []
        new: list[tuple[int, int]] = []
        for key, (_, line) in zip(keys, rows):
            first = earlier.get(key)
            out.append(first)
            if first is None:
                earlier[key] = line
                new.append((key, line))
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO seen VALUES (?, ?)", new)
        self.db.execute("COMMIT")
        return out

    def close(self) -> None:
        """Drop the table and its file."""
        self.db.close()
        for suffix in ("", "-journal"):
            try:
                os.unlink(self.path + suffix)
            except FileNotFoundError:
                pass
