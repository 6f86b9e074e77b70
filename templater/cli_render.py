"""`templater render --recipients`: options to settings, warnings, the progress line, the summary."""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import click

from templater import api


def render_batch(template: str, values: dict[str, Any], example: bool, fmt: str | None, max_output: int,
                 recipients: str | None, out: str | None, config_file: str | None, batch: dict[str, Any]) -> None:
    """Run the batch, show the progress line on a terminal, print the summary (or the dry run's preview)."""
    engine, scheduler, partition_size = batch.pop("engine"), batch.pop("scheduler"), batch.pop("partition_size")
    if engine not in (None, "local"):
        return _render_on_engine(engine, template, values, example, fmt, max_output, recipients, out, config_file,
                                 scheduler, partition_size, batch)
    if scheduler or partition_size:
        raise click.UsageError(f"--{'scheduler' if scheduler else 'partition-size'} works with --engine dask or spark")
    if batch.get("recipients_format") == "parquet" or (recipients or "").lower().endswith(".parquet"):
        raise click.UsageError("Parquet recipients are read by --engine dask or spark (see docs/scale.md); the "
                               "local run reads CSV and JSON Lines")
    dry_run = bool(batch.pop("dry_run"))
    if recipients is None or (out is None and not dry_run):
        raise click.UsageError("bulk rendering needs both --recipients FILE and --out FILE (or --dry-run)")
    if example:
        raise click.UsageError("--example previews one message; it does not apply to --recipients")
    if fmt in ("text", "json"):
        raise click.UsageError(f"--format {fmt} is for one message; with --recipients use jsonl or csv")
    if out == "-" and batch["rejects"] in (None, "-"):
        raise click.UsageError("--out - writes the messages to standard output: give the rejects file with "
                               "--rejects FILE")
    out_format = fmt or ("csv" if (out or "").lower().endswith(".csv") else "jsonl")
    settings = {k: v for k, v in batch.items()
                if v not in (None, ()) and k not in ("rejects", "jobs", "chunk_size")}
    report = sys.stdout if out != "-" else sys.stderr  # the summary never mixes with the messages
    # Not when the messages themselves go to the same terminal: the line would cut through them.
    line = ProgressLine(sys.stderr) if sys.stderr.isatty() and not (out == "-" and sys.stdout.isatty()) else None

    def warn(text: str) -> None:
        click.echo(f"templater: warning: {text}", err=True)

    try:
        summary = api.render_batch(template, recipients, out, batch["rejects"], values=values,
                                   jobs=batch["jobs"], chunk_size=batch["chunk_size"], dry_run=dry_run,
                                   config_file=config_file,
                                   warn=warn, on_progress=line.update if line else None,
                                   out_format=out_format, max_output=max_output, **settings)
    finally:
        if line is not None:
            line.clear()
    for text in summary.lines():
        click.echo(text, file=report)
    if dry_run:
        click.echo("dry run: nothing written" + (f"; the first {len(summary.samples)} messages:"
                                                  if summary.samples else ""), file=report)
        for sample in summary.samples:
            text = str(sample.get('text')).replace("\n", "\n    ")
            click.echo(f"  {sample.get('phone')}  {text}", file=report)


def _render_on_engine(engine: str, template: str, values: dict[str, Any], example: bool, fmt: str | None,
                      max_output: int, recipients: str | None, out: str | None, config_file: str | None,
                      scheduler: str | None, partition_size: str | None, batch: dict[str, Any]) -> None:
    """--engine dask|spark: a folder of Parquet ledger files; the same summary as the local run."""
    from templater.engines import run_engine

    if recipients is None or out is None:
        raise click.UsageError(f"--engine {engine} needs --recipients FILES and --out FOLDER")
    for option, given in (("--example", example), ("--format", fmt), ("--dry-run", batch.pop("dry_run")),
                          ("--rejects", batch.pop("rejects")), ("--out -", out == "-")):
        if given:
            raise click.UsageError(f"{option} is for the local run: --engine {engine} writes one ledger of "
                                   "rendered and rejected rows as Parquet files in --out FOLDER")
    batch.pop("chunk_size")
    settings = {k: v for k, v in batch.items() if v not in (None, ())}

    def warn(text: str) -> None:
        click.echo(f"templater: warning: {text}", err=True)

    summary = run_engine(engine, template, recipients, out, scheduler=scheduler, partition_size=partition_size,
                         config_file=config_file, values=values, warn=warn, max_output=max_output, **settings)
    for text in summary.lines():
        click.echo(text)


class ProgressLine:
    """One line on a terminal, rewritten in place: rows done, rows per second, rendered and rejected
    so far (and how far through the file, when its size is known); cleared at the end so that the
    summary takes its place."""

    EVERY = 0.2  # seconds between redraws

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start: tuple[float, int] | None = None  # when the first chunk was done, and its rows
        self.drawn = 0.0

    def text(self, summary: Any, done: int, total: int | None, now: float) -> str:
        share = f"{min(done / total, 1):4.0%}  " if total else ""
        since, rows = self.start or (now, summary.input)
        rate = f"{(summary.input - rows) / (now - since):,.0f} rows/s  " if now > since else ""
        return (f"rendering {share}{summary.input:,} rows  {rate}"
                f"{summary.rendered:,} rendered  {summary.rejected:,} rejected")

    def update(self, summary: Any, done: int, total: int | None) -> None:
        now = time.monotonic()
        if self.start is None:  # the rate counts from the first chunk, not from loading the rules
            self.start = (now, summary.input)
        if now - self.drawn < self.EVERY:
            return
        self.drawn = now
        self.stream.write("\r" + self.text(summary, done, total, now) + "\x1b[K")
        self.stream.flush()

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
