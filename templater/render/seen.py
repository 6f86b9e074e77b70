"""The numbers a run has already seen, on disk, so that memory stays flat however many rows there are."""
from __future__ import annotations

import bisect
import json
import os
import sqlite3
import tempfile
from typing import Iterable

from templater.errors import InputError


def _returning() -> bool:
    """Whether this SQLite has INSERT ... RETURNING (3.35, 2021) and JSON functions (built in since
    3.38, an option before); without them the portable statements below are used."""
    if sqlite3.sqlite_version_info < (3, 35, 0):
        return False
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("SELECT value FROM json_each('[1]')")
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


RETURNING = _returning()
# With RETURNING, a row goes to SQLite as one integer: its number shifted left, and its line's
# offset from the batch's first line below. E.164 numbers have at most 15 digits (< 2**50), so
# this fits 63 bits.
_SHIFT = 13
_SPAN = 1 << _SHIFT
_INSERT = (f"INSERT OR IGNORE INTO seen SELECT value >> {_SHIFT}, (value & {_SPAN - 1}) + ? "
           "FROM json_each(?) ORDER BY value RETURNING line")


class SeenPhones:
    """Numbers (as the int of their E.164 digits) with the line of their first row, in a temporary
    SQLite table (bounded page cache).

    A group of rows goes in with a few statements, sorted by SQLite (by number, then line), so the
    inserts touch the table's pages in order; a number already stored keeps its line, a new one
    gets its first line in the group. With RETURNING, SQLite says which lines it kept and every
    other row repeats a number; without it, a join finds the rows that repeat.
    """

    def __init__(self) -> None:
        fd, path = tempfile.mkstemp(prefix="templater-seen-", suffix=".sqlite")
        os.close(fd)
        try:
            self.db = sqlite3.connect(path, isolation_level=None)
            # A scratch table: nothing to recover after a crash, so no journal, no syncing, and one lock
            # for the whole run. Inserts come sorted, a group at a time: a 2 MB page cache does as well
            # as a larger one, and 16 KB pages take fewer reads than 4 KB ones for the same inserts.
            self.db.executescript("PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                                  "PRAGMA cache_size=-2048; PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY;"
                                  "CREATE TABLE seen (phone INTEGER PRIMARY KEY, line INTEGER NOT NULL);")
            if not RETURNING:
                self.db.execute("CREATE TEMP TABLE grp (phone INTEGER NOT NULL, line INTEGER NOT NULL)")
        finally:
            # The phone numbers must not outlive the run, even one killed by SIGKILL: the file goes
            # now, and SQLite keeps using its open descriptor (no journal and an exclusive lock: it
            # never opens the file again).
            os.unlink(path)

    def repeats(self, phones: Iterable[int], lines: Iterable[int]) -> list[tuple[int, int, int]]:
        """Record a group of rows, given as their numbers and their (distinct, increasing) lines in
        input order; return (line, number, first line) for each row whose number had a row before it,
        earlier in the run or earlier in the group, in input order."""
        db = self.db
        try:
            db.execute("BEGIN")
            try:
                found = self._returning(list(phones), list(lines)) if RETURNING else self._joined(phones, lines)
            except BaseException:
                if db.in_transaction:  # SQLite ends it itself on some errors (a full disk)
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # the temporary folder is full, or a file size limit
            raise InputError(f"cannot keep the numbers seen in a temporary file ({exc}): free space in "
                             f"{tempfile.gettempdir()} or point TMPDIR at a folder with room; nothing was "
                             "written") from None
        return found

    def _returning(self, phones: list[int], lines: list[int]) -> list[tuple[int, int, int]]:
        kept: set[int] = set()
        start = 0
        while start < len(lines):
            base = lines[start]
            end = bisect.bisect_left(lines, base + _SPAN, start)  # the lines whose offset fits
            batch = ",".join([str(phone << _SHIFT | line - base)
                              for phone, line in zip(phones[start:end], lines[start:end])])
            kept.update(line for line, in self.db.execute(_INSERT, (base, f"[{batch}]")))
            start = end
        again = [(line, phone) for phone, line in zip(phones, lines) if line not in kept]
        if not again:
            return []
        numbers = json.dumps(sorted({phone for _, phone in again}))
        first = dict(self.db.execute("SELECT phone, line FROM seen WHERE phone IN "
                                     "(SELECT value FROM json_each(?))", (numbers,)))
        return [(line, phone, first[phone]) for line, phone in again]

    def _joined(self, phones: Iterable[int], lines: Iterable[int]) -> list[tuple[int, int, int]]:
        db = self.db
        db.executemany("INSERT INTO grp VALUES (?,?)", zip(phones, lines))
        db.execute("INSERT OR IGNORE INTO seen SELECT phone, min(line) FROM grp GROUP BY phone")
        found = db.execute("SELECT g.line, g.phone, s.line FROM grp g JOIN seen s ON s.phone = g.phone "
                           "WHERE s.line <> g.line ORDER BY g.line").fetchall()
        db.execute("DELETE FROM grp")
        return found

    def close(self) -> None:
        """Drop the table (its file is already unlinked: closing frees its space)."""
        self.db.close()
