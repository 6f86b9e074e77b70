"""The project's ids, read for duplicate-id when lint is given some files of a project (as the
pre-commit hook and the language server do), are kept between runs in the user cache folder
(issue 14: that walk cost about 0.8 s per hook run in a work tree of 2,000 templates). Through
the CLI in a temporary git work tree; .git/info/exclude is read as .gitignore is."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

import templater.project_ids as project_ids

SHIPPED = template_source("Acme: your order has shipped.")
HOUR_AGO = time.time() - 3600


def _write(path: Path, source: str, mtime: float | None = HOUR_AGO) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    if mtime is not None:  # committed long ago: old enough to be remembered
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch, cache) -> Path:
    """A content repository: committed templates, one declaring its id, and a staged one."""
    root = tmp_path / "content"
    root.mkdir()
    assert subprocess.run(["git", "init", "-q", str(root)]).returncode == 0
    _write(root / "templates" / "brand-a" / "shipped.en.sms", SHIPPED)
    _write(root / "templates" / "brand-b" / "promo.en.sms",
           template_source("Acme: your order is on its way.", id="spring.notice"))
    for i in range(20):
        _write(root / "templates" / "more" / f"t{i:02d}.en.sms", SHIPPED)
    monkeypatch.chdir(root)
    return root


def _staged(repo: Path, tid: str) -> str:
    _write(repo / "templates" / "new" / "notice.en.sms", template_source("Acme: your order has shipped.", id=tid),
           mtime=None)
    return "templates/new/notice.en.sms"


def _duplicates(*args: str) -> list[tuple[int, str]]:
    code, findings = lint_json(*args)
    assert code in (0, 1)
    return [(f["line"], f["message"]) for f in findings if f["rule"] == "duplicate-id"]


def _cache_file(cache: Path) -> dict:
    [path] = cache.glob("ids-*.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _count_parses(monkeypatch) -> list[str]:
    """The files whose front matter the ids cache parses (it does not when it remembers them)."""
    calls: list[str] = []
    real = project_ids.parse

    def counting(source, path, default_id):
        calls.append(Path(path).name)
        return real(source, path, default_id)

    monkeypatch.setattr(project_ids, "parse", counting)
    return calls


def test_the_second_run_reads_the_ids_from_the_cache_and_still_finds_the_reused_id(repo, cache, monkeypatch):
    staged = _staged(repo, "templates.brand-a.shipped.en")  # the committed template's default id
    first = _duplicates(staged)
    assert [line for line, _m in first] == [4] and "templates/brand-a/shipped.en.sms:1" in first[0][1]
    files = _cache_file(cache)["files"]
    assert "templates/brand-b/promo.en.sms" in files and files["templates/brand-b/promo.en.sms"][2] == "spring.notice"
    assert "templates/new/notice.en.sms" not in files  # the file linted is not read for its id
    parsed = _count_parses(monkeypatch)
    assert _duplicates(staged) == first
    assert parsed == []  # 22 committed templates, none parsed again
    # A declared id is remembered with its line.
    _staged(repo, "spring.notice")
    [(line, message)] = _duplicates(staged)
    assert line == 4 and "templates/brand-b/promo.en.sms:4" in message
    assert parsed == []


def test_a_changed_template_is_read_again(repo, cache, monkeypatch):
    staged = _staged(repo, "summer.notice")
    assert _duplicates(staged) == []
    parsed = _count_parses(monkeypatch)
    # Another branch checked out: the committed template now declares the staged template's id.
    _write(repo / "templates" / "brand-b" / "promo.en.sms",
           template_source("Acme: your order is on its way.", id="summer.notice"), mtime=HOUR_AGO + 60)
    [(line, message)] = _duplicates(staged)
    assert line == 4 and "templates/brand-b/promo.en.sms:4" in message
    assert parsed == ["promo.en.sms"]
    # Deleted: its id is gone at once.
    (repo / "templates" / "brand-b" / "promo.en.sms").unlink()
    assert _duplicates(staged) == []
    assert "templates/brand-b/promo.en.sms" not in _cache_file(cache)["files"]


def test_a_file_changed_in_the_last_seconds_is_read_but_not_remembered(repo, cache):
    _write(repo / "templates" / "brand-c" / "fresh.en.sms", SHIPPED, mtime=None)  # written just now
    staged = _staged(repo, "templates.brand-c.fresh.en")
    assert [line for line, _m in _duplicates(staged)] == [4]
    files = _cache_file(cache)["files"]
    assert "templates/brand-c/fresh.en.sms" not in files and "templates/brand-a/shipped.en.sms" in files


@pytest.mark.parametrize("damage", [b"\x00\xff not json", b'{"code": 1, "files": []}', b"[]", b"",
                                    b'{"files": {"templates/brand-a/shipped.en.sms": "x"}}'])
def test_a_damaged_cache_is_ignored_and_rewritten(repo, cache, damage):
    staged = _staged(repo, "templates.brand-a.shipped.en")
    expected = _duplicates(staged)
    [path] = cache.glob("ids-*.json")
    path.write_bytes(damage)
    assert _duplicates(staged) == expected
    assert _cache_file(cache)["files"]["templates/brand-a/shipped.en.sms"][2] is None


def test_an_entry_of_the_wrong_shape_is_read_again(repo, cache):
    staged = _staged(repo, "spring.notice")
    expected = _duplicates(staged)
    [path] = cache.glob("ids-*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["files"]["templates/brand-b/promo.en.sms"] = ["size", "mtime", 3, "line"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _duplicates(staged) == expected


def test_concurrent_runs_agree_and_leave_a_valid_cache(repo, cache):
    staged = _staged(repo, "templates.brand-a.shipped.en")
    env = {**os.environ, "TEMPLATER_CACHE_DIR": str(cache)}
    runs = [subprocess.Popen([sys.executable, "-m", "templater.cli", "lint", "--format", "json", staged],
                             cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 1, err
        assert [f["rule"] for f in json.loads(out)] == ["duplicate-id"]
    assert len(_cache_file(cache)["files"]) == 22
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_no_cache_when_turned_off(repo, cache, monkeypatch):
    monkeypatch.setenv("TEMPLATER_NO_CACHE", "1")
    staged = _staged(repo, "templates.brand-a.shipped.en")
    assert [line for line, _m in _duplicates(staged)] == [4]
    assert not cache.exists()


def test_git_info_exclude_is_read_as_gitignore_is(repo):
    _write(repo / "templates" / "drafts" / "wip.sms", template_source("Acme: 30% off today!"))
    assert lint_json(".")[0] == 1
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("# local drafts\ndrafts/\n", encoding="utf-8")
    result = run_cli("lint", ".")
    assert (result.exit_code, result.stdout.strip()) == (0, "no findings in 22 files"), result.output


def test_a_linked_worktree_reads_the_common_info_exclude(repo, tmp_path, monkeypatch):
    _write(repo / "templates" / "drafts" / "wip.sms", template_source("Acme: 30% off today!"))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    assert subprocess.run([*git, "add", "-A"]).returncode == 0
    assert subprocess.run([*git, "commit", "-q", "-m", "templates"]).returncode == 0
    linked = tmp_path / "linked"
    assert subprocess.run([*git, "worktree", "add", "-q", str(linked)]).returncode == 0
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("drafts/\n", encoding="utf-8")
    monkeypatch.chdir(linked)
    result = run_cli("lint", ".")
    assert (result.exit_code, result.stdout.strip()) == (0, "no findings in 22 files"), result.output
