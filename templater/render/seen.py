"""The numbers a run has already seen, on disk, so that memory stays flat however many rows there are."""
from __future__ import annotations

import os
import sqlite3
import tempfile
from typing import Iterable


class SeenPhones:
    """Numbers (as the int of their E.164 digits) with the line of their first row, in a temporary
    SQLite table (bounded page cache).

    A group of rows goes in with one executemany into an in-memory scratch table; SQLite itself then
    stores each new number's first line and finds the rows that repeat a number: no Python work per row.
    """

    def __init__(self) -> None:
        fd, self.path = tempfile.mkstemp(prefix="templater-seen-", suffix=".sqlite")
        os.close(fd)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        # A scratch table: nothing to recover after a crash, so no journal and no syncing. Inserts
        # come sorted, a group at a time: a 2 MB page cache does as well as a larger one. The group
        # table lives in memory and holds one group (a few thousand rows) at a time.
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
                              "PRAGMA temp_store=MEMORY;"
                              "CREATE TABLE seen (phone INTEGER PRIMARY KEY, line INTEGER NOT NULL);"
                              "CREATE TEMP TABLE grp (phone INTEGER NOT NULL, line INTEGER NOT NULL);")

    def repeats(self, phones: Iterable[int], lines: Iterable[int]) -> list[tuple[int, int, int]]:
        """Record a group of rows, given as their numbers and their (distinct, increasing) lines in
        input order; return (line, number, first line) for each row whose number had a row before it,
        earlier in the run or earlier in the group, in input order."""
        db = self.db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT INTO grp VALUES (?,?)", zip(phones, lines))
            # GROUP BY hands the numbers over sorted: the inserts touch the table's pages in order.
            # A number already stored keeps its line; a new one gets its first line in the group.
            db.execute("INSERT OR IGNORE INTO seen SELECT phone, min(line) FROM grp GROUP BY phone")
            found = db.execute("SELECT g.line, g.phone, s.line FROM grp g JOIN seen s ON s.phone = g.phone "
                               "WHERE s.line <> g.line ORDER BY g.line").fetchall()
            db.execute("DELETE FROM grp")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return found

    def close(self) -> None:
        """Drop the table and its file."""
        self.db.close()
        for suffix in ("", "-journal"):
            try:
                os.unlink(self.path + suffix)
            except FileNotFoundError:
                pass
