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
from templater import discovery, front_matter, readability, reference, template
from templater.context import LintContext
from templater.jinja import plain
from templater.pool import _Worker
from templater.render.recheck import MessageCheck
from templater.render.recipients import RowReader
from templater import cache
from templater.linter import Linter
from templater.rulepacks.patterns import LazyPattern, PatternGroup
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
    ("the signal patterns' plan per set of literals", PatternGroup, "_plan", LINT),
    ("the rules a kind of template runs, worked out once", Linter, "_runnable", LINT),
    ("the cached hyphenation patterns (readability)", readability.Patterns, "syllables", LINT),
    ("the usual front matter read without PyYAML", front_matter, "read", LINT),
    ("a template file read by the system's calls", template, "_read_bytes", LINT),
    ("the ids of a folder's files from its parts below the root, worked out once", discovery, "stem", LINT),
    ("mixed-content's scan for its own markers alone", LintContext, "_find_only", LINT),
    ("the rules that cannot fire skipped by their literals", Linter, "_silent", LINT),
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


def test_lint_leaves_without_tearing_python_down_but_not_with_the_switch(tmp_path):
    """The console script's lint flushes its output and exits at once (cli._exit_at_once): Python's
    own exit, which an atexit hook shows, runs only with the switch; the output is the same."""
    mixed = tmp_path / "mixed.sms"
    mixed.write_text(MIXED, encoding="utf-8")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('torn down', file=sys.stderr))\n"
            "from templater.cli import main\n"
            f"sys.argv = ['templater', 'lint', '--format', 'json', {str(mixed)!r}]\n"
            "main()\n")
    runs = {}
    for switch in ("0", "1"):
        env = {**os.environ, "TEMPLATER_REFERENCE": switch}
        runs[switch] = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert runs["0"].returncode == runs["1"].returncode == 1
    assert runs["0"].stdout == runs["1"].stdout and '"rule": "url-shortener"' in runs["0"].stdout
    assert "torn down" not in runs["0"].stderr and "torn down" in runs["1"].stderr


def test_record_classes_take_their_methods_code_from_the_cache_and_not_with_the_switch(tmp_path):
    """templater.records: the first run compiles the dataclass methods and writes the table, the
    next takes every one from it; with the switch nothing is read or written. The classes are the
    same either way (their generated methods' annotations, repr and comparisons)."""
    code = ("import sys\n"
            "from templater import records\n"
            "from templater.findings import Finding, Severity\n"
            "from templater.api import Report\n"
            "f = Finding('a.sms', 1, 2, 'rule', Severity.ERROR, 'm')\n"
            "codes = records._TABLE[0] if records._TABLE else {}\n"
            "print(len(codes), bool(records._NEW), repr(f), f < Finding('a.sms', 1, 3, 'r', Severity.INFO, 'm'),\n"
            "      sorted(map(str, Finding.__init__.__annotations__.items())), Report.__eq__.__code__.co_filename)\n"
            "records.save()\n")
    env = {**os.environ, "TEMPLATER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TEMPLATER_NO_CACHE", None)

    def run(switch: str) -> list[str]:
        out = subprocess.run([sys.executable, "-c", code], env={**env, "TEMPLATER_REFERENCE": switch},
                             capture_output=True, text=True, check=True).stdout
        count, new, rest = out.split(" ", 2)
        return [count, new, rest]

    first, second, reference_run = run("0"), run("0"), run("1")
    assert int(first[0]) > 50 and first[1] == "True"  # compiled, to be written
    assert second[:2] == first[0:1] + ["False"]  # every method's code from the table, nothing new
    assert reference_run[:2] == ["0", "False"]  # no table
    assert first[2] == second[2] == reference_run[2]
    assert len(list((tmp_path / "cache").glob("records-*.marshal"))) == 1


def test_record_table_drops_the_texts_no_longer_asked_for_past_its_size(monkeypatch, tmp_path):
    import marshal

    from templater import records

    code = compile("x = 1", "<string>", "exec")
    monkeypatch.setenv("TEMPLATER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TEMPLATER_NO_CACHE", raising=False)
    monkeypatch.setattr(records, "_TABLE", [{"asked": code, "edited away": code}])
    monkeypatch.setattr(records, "_USED", {"asked"})
    for keep, expected in ((2, {"asked", "edited away"}), (1, {"asked"})):
        monkeypatch.setattr(records, "_NEW", [True])
        monkeypatch.setattr(records, "KEEP", keep)
        records.save()
        assert set(marshal.loads(next(tmp_path.glob("records-*.marshal")).read_bytes())) == expected
