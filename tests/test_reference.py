"""TEMPLATER_REFERENCE=1 turns the speed-ups off: each fast path below runs by default and never
with the switch, and the output is the same either way. (.ci/reference_diff.py diffs whole runs,
fast against reference, on the library, a generated corpus and generated recipients.)"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli, template_source
from templater import reference
from templater.jinja import plain
from templater.pool import _Worker
from templater.render.recheck import MessageCheck
from templater.render.recipients import RowReader
from templater import cache
from templater.rulepacks.patterns import LazyPattern
from templater.resources import library_dir

ROOT = Path(__file__).resolve().parent.parent
RECIPIENTS = Path(__file__).parent / "data" / "recipients" / "promotional.csv"
LINT = ("lint", "--format", "json", "--jobs", "1", str(library_dir() / "retail"), "{mixed}")
# A template with findings beside the clean library: an offer in a notice, a shortener, a leftover.
MIXED = template_source("Hi {{ name }}, your order shipped. Use code SAVE20 for 20% off: bit.ly/x [FIRST_NAME]",
                        variables={"name": {"example": "Ana"}})
RENDER = ("render", "retail.discount.en", "--recipients", str(RECIPIENTS), "--out", "-", "--rejects", "{rejects}",
          "--send-at", "2025-05-06T16:00:00Z", "--jobs", "1", "--default-region", "US",
          "--var", "brand=Acme", "--var", "percent=20", "--var", "products=spring jackets",
          "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/spring")
# (what the fast path is, the function it runs, the command that takes it by default)
FAST_PATHS = [
    ("the plain-body plan (lint)", plain, "parse", LINT),
    ("the rule patterns' literal pre-test", LazyPattern, "_choose", LINT),
    ("the plain-body plan (bulk rows)", plain.Plain, "renderer", RENDER),
    ("the re-check's literal pre-test", MessageCheck, "may_fail", RENDER),
    ("the batched reading of CSV rows", RowReader, "_read_together", RENDER),
    ("the forked workers of lint --jobs", _Worker, "__init__",
     ("lint", "--format", "json", "--jobs", "2", str(library_dir()), "{mixed}")),
]


class FastPathRan(Exception):
    pass


def _run(command: tuple[str, ...], tmp_path: Path) -> tuple:
    """(exit code, standard output, rejects file) of the command, or the fast path that ran."""
    rejects, mixed = tmp_path / "rejects.jsonl", tmp_path / "mixed.sms"
    rejects.unlink(missing_ok=True)
    mixed.write_text(MIXED, encoding="utf-8")
    try:
        result = run_cli(*(a.format(rejects=rejects, mixed=mixed) for a in command))
    except FastPathRan as exc:
        return ("ran", str(exc))
    output = result.stdout if "internal error" not in result.output else "internal error: " + result.output
    return result.exit_code, output, rejects.read_text(encoding="utf-8") if rejects.exists() else None


@pytest.mark.parametrize("what, owner, name, command", FAST_PATHS, ids=[p[0] for p in FAST_PATHS])
def test_the_switch_takes_each_fast_path_out_and_keeps_the_output(what, owner, name, command, tmp_path,
                                                                  monkeypatch):
    expected = _run(command, tmp_path)  # every speed-up on, untouched
    assert expected[0] in (0, 1) and len(expected[1]) > 100

    def refuse(*_args, **_kwargs):
        raise FastPathRan(what)

    monkeypatch.setattr(owner, name, refuse)
    by_default = _run(command, tmp_path)
    assert by_default != expected  # the default run does go through it
    monkeypatch.setattr(reference, "ON", True)
    assert _run(command, tmp_path) == expected  # the reference run never does, and says the same


def test_the_switch_keeps_nothing_on_disk(tmp_path):
    folder = tmp_path / "cache"
    env = {**os.environ, "TEMPLATER_CACHE_DIR": str(folder), "TEMPLATER_REFERENCE": "1"}
    env.pop("TEMPLATER_NO_CACHE", None)
    command = [sys.executable, "-m", "templater.cli", "lint", str(library_dir() / "retail" / "coupon.en.sms")]
    run = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert not folder.exists()  # no pickled rule packs, markets or hyphenation, no project ids
    run = subprocess.run(command, env={**env, "TEMPLATER_REFERENCE": "0"}, cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and any(folder.glob("rules-*.pickle"))  # 0 is off: the cache is written


def test_cache_dir_is_off_with_the_switch(monkeypatch, tmp_path):
    monkeypatch.setenv("TEMPLATER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TEMPLATER_NO_CACHE", raising=False)
    assert cache.cache_dir() == tmp_path
    monkeypatch.setattr(reference, "ON", True)
    assert cache.cache_dir() is None
