"""Chunks of rows over forked worker processes and this one (templater.pool), results packed to
travel and write cheaply."""
from __future__ import annotations

import itertools
from array import array
from collections import Counter
from typing import Any, Iterator, NamedTuple

from templater import pool
from templater.errors import RenderError


class Packed(NamedTuple):
    """A chunk's results (rows.Result) in a form cheap to send between processes and cheap to write:
    the output lines of the messages joined, those of the rejects joined, and per-row facts in arrays.

    Row i's output line is sent[out_at[i]:out_at[i + 1]] (a message) or else
    rejected[rej_at[i]:rej_at[i + 1]] (a reject); output lines are never empty.
    """

    lines: array            # the line of each row
    out_at: array           # len(lines) + 1 offsets into sent
    rej_at: array           # len(lines) + 1 offsets into rejected
    sent: str
    rejected: str
    reasons: list           # each row's reject reason, None for a message
    rules: list             # each row's lint rule, or None
    reason_counts: dict     # reason -> rows
    rule_counts: dict       # lint rule -> rows
    keys: array             # int(phone[1:]) of the rows with a number, in order ('+%d' % key is the phone)
    key_lines: array        # the lines of those rows
    long_keys: tuple = ()   # (line, digits) of the rows whose number has over 15 digits (see pack)

    @property
    def rendered(self) -> int:
        return len(self.lines) - sum(self.reason_counts.values())


def pack(results: list) -> Packed:
    """The Packed form of one chunk's results, in the process that made them."""
    texts = [r[2] for r in results]
    reasons = [r[3] for r in results]
    rules = [r[4] for r in results]
    sent_lens = [len(t) if why is None else 0 for t, why in zip(texts, reasons)]
    rej_lens = [0 if why is None else len(t) for t, why in zip(texts, reasons)]
    # E.164 numbers have at most 15 digits, the first not 0, so '+%d' % key gives one back and it
    # fits the 50 bits seen.SeenPhones packs it into. phonenumbers also finds valid numbers of 16 to
    # 19 digits ('+49 89 123456789012'): those few go apart, as text.
    keys = array("q", [int(r[1][1:]) for r in results if r[1] is not None and len(r[1]) <= 16])
    long_keys = tuple((r[0], r[1][1:]) for r in results if r[1] is not None and len(r[1]) > 16)
    return Packed(array("q", [r[0] for r in results]),
                  array("q", itertools.accumulate(sent_lens, initial=0)),
                  array("q", itertools.accumulate(rej_lens, initial=0)),
                  "".join([t for t, why in zip(texts, reasons) if why is None]),
                  "".join([t for t, why in zip(texts, reasons) if why is not None]),
                  reasons, rules, dict(Counter([r for r in reasons if r is not None])),
                  dict(Counter([r for r in rules if r])), keys,
                  array("q", [r[0] for r in results if r[1] is not None and len(r[1]) <= 16]), long_keys)


def _out(packed: Packed) -> tuple[Packed, list[bytes]]:
    """A worker's Packed as a head and its text as bytes: pickling a large str costs several times
    more (its buffer grows by copies, and each new one is fresh memory for the kernel to map).
    surrogatepass: a lone surrogate comes back as it is, as with jobs 1 (rows are checked for them
    when read, but a value given through the API could still hold one)."""
    return (packed._replace(sent="", rejected=""),
            [packed.sent.encode("utf-8", "surrogatepass"), packed.rejected.encode("utf-8", "surrogatepass")])


def _back(head: Packed, parts: list[bytes]) -> Packed:
    return head._replace(sent=parts[0].decode("utf-8", "surrogatepass"),
                         rejected=parts[1].decode("utf-8", "surrogatepass"))


def _died(how: str) -> RenderError:
    return RenderError(f"a worker process died ({how}; the system may be out of memory), so some rows "
                       "were never rendered: nothing was written; run again, with fewer --jobs if memory "
                       "is short")


def ordered_chunks(processor: Any, chunks: Iterator[Any], jobs: int | None) -> Iterator[tuple[Any, Packed]]:
    """(chunk, pack(processor.process(chunk))) for each chunk, in order (templater.pool.ordered_chunks):
    in this process when jobs <= 1 or input is small; otherwise jobs - 1 forked workers and this
    process share the chunks, at most jobs * pool.IN_FLIGHT_PER_JOB read and not yet written at a time,
    so memory does not grow with the file. A dead worker fails the run (RenderError)."""
    return pool.ordered_chunks(lambda chunk: pack(processor.process(chunk)), chunks,
                               pool.default_jobs() if jobs is None else jobs, _died, (_out, _back), RenderError)
