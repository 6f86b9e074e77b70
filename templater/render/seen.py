"""The numbers a run has already seen, on disk, so that memory stays flat however many rows there are."""
from __future__ import annotations

import os
import sqlite3
import tempfile

_BATCH = 500  # parameters per query, under every SQLite build's limit
# INSERT ... RETURNING (SQLite 3.35) tells in the same statement which numbers were new.
_RETURNING = sqlite3.sqlite_version_info >= (3, 35)


class SeenPhones:
    """E.164 numbers with the line of their first row, in a temporary SQLite table (bounded page cache)."""

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="templater-seen-", suffix=".sqlite")
        os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # A scratch table: nothing to recover after a crash, so no journal and no syncing. Inserts
        # come sorted, 8,000 at a time: a 2 MB page cache does as well as a larger one.
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
                              "CREATE TABLE seen (phone INTEGER PRIMARY KEY, line INTEGER NOT NULL);")

    def first_lines(self, rows: list[tuple[str, int]]) -> list[int | None]:
        """For each (phone, line) in order: None if it is the number's first row, else that first line."""
        keys = [int(phone[1:]) for phone, _ in rows]
        firsts: dict[int, int] = {}  # the first line of each number within these rows
        for key, (_, line) in zip(keys, rows):
            firsts.setdefault(key, line)
        earlier = self._record(firsts)
        return [earlier.get(key, firsts[key] if firsts[key] != line else None)
                for key, (_, line) in zip(keys, rows)]

    def _record(self, firsts: dict[int, int]) -> dict[int, int]:
        """Store the numbers not seen before; return the first line of those that were."""
        if _RETURNING:
            # Sorted, the inserts touch the table's pages in order; what comes back is what was new.
            pairs = sorted(firsts.items())
            new: set[int] = set()
            self.db.execute("BEGIN")
            for i in range(0, len(pairs), _BATCH // 2):
                part = pairs[i:i + _BATCH // 2]
                rows = ",".join(["(?,?)"] * len(part))
                new.update(k for k, in self.db.execute(
                    f"INSERT INTO seen VALUES {rows} ON CONFLICT DO NOTHING RETURNING phone",
                    [v for pair in part for v in pair]))
            self.db.execute("COMMIT")
            return self._lookup([k for k in firsts if k not in new])
        earlier = self._lookup(list(firsts))
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO seen VALUES (?, ?)", [p for p in firsts.items() if p[0] not in earlier])
        self.db.execute("COMMIT")
        return earlier

    def _lookup(self, keys: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for i in range(0, len(keys), _BATCH):
            part = keys[i:i + _BATCH]
            marks = ",".join("?" * len(part))
            found.update(self.db.execute(f"SELECT phone, line FROM seen WHERE phone IN ({marks})", part))
        return found

    def close(self) -> None:
        """Drop the table and its file."""
        self.db.close()
        for suffix in ("", "-journal"):
            try:
                os.unlink(self.path + suffix)
            except FileNotFoundError:
                pass
