"""The pre-commit hook for real, in a temporary content repository, against this checkout's HEAD.

pre-commit builds the hook's own virtual environment and pip-installs this repository into it,
as it does for every user: that is what makes these tests slow (one build each; the second is
shared with tests/test_ci_docs.py through the session's pre-commit store).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import template_source

CHECKOUT = Path(__file__).resolve().parents[1]
# A library template: it lints clean under every rule, today's and tomorrow's.
GOOD = (CHECKOUT / "template_library" / "retail" / "order-shipped.en.sms").read_text(encoding="utf-8")
BAD = template_source("Acme: new arrivals, 30% off everything today.", category="promotional")
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]


def _run(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=repo, capture_output=True, text=True, env={**os.environ, **(env or {})})


def _head() -> str:
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is not installed: pip install -e '.[test]'")
    head = _run(CHECKOUT, "git", "rev-parse", "HEAD")
    assert head.returncode == 0, f"{CHECKOUT} must be a git checkout: {head.stderr}"
    return head.stdout.strip()


def _content_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "content"
    (repo / "templates").mkdir(parents=True)
    for args in (("init", "-q"), ("config", "user.email", "writer@example.com"), ("config", "user.name", "Writer"),
                 ("config", "commit.gpgsign", "false")):
        assert _run(repo, "git", *args).returncode == 0
    (repo / "templates" / "order-shipped.en.sms").write_text(GOOD, encoding="utf-8")
    (repo / "templates" / "flash-sale.en.sms").write_text(BAD, encoding="utf-8")
    return repo


def test_the_hook_is_declared_for_sms_files():
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "templater-lint")
    assert hook["entry"] == "templater lint" and hook["language"] == "python" and hook["files"] == r"\.sms$"


def test_try_repo_refuses_the_non_compliant_template_and_passes_the_clean_one(tmp_path):
    head = _head()
    repo = _content_repo(tmp_path)
    assert _run(repo, "git", "add", "templates").returncode == 0
    # --ref: the hook of this checkout as committed (try-repo would otherwise copy uncommitted edits).
    tried = _run(repo, *PRE_COMMIT, "try-repo", str(CHECKOUT), "templater-lint", "--ref", head)
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "templater lint" in tried.stdout and "Failed" in tried.stdout
    assert "templates/flash-sale.en.sms:5:1: error missing-opt-out" in tried.stdout
    assert "order-shipped" not in tried.stdout and "in 2 files" in tried.stdout


def test_a_commit_is_refused_until_its_templates_comply(tmp_path, pre_commit_home):
    head = _head()
    repo = _content_repo(tmp_path)
    config = {"repos": [{"repo": str(CHECKOUT), "rev": head, "hooks": [{"id": "templater-lint"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}
    assert _run(repo, *PRE_COMMIT, "install", env=env).returncode == 0

    assert _run(repo, "git", "add", ".pre-commit-config.yaml", "templates/flash-sale.en.sms").returncode == 0
    refused = _run(repo, "git", "commit", "-m", "flash sale", env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "templates/flash-sale.en.sms:5:1: error missing-opt-out" in refused.stderr  # git hooks write there
    assert _run(repo, "git", "rev-parse", "--verify", "HEAD").returncode != 0  # nothing was committed

    assert _run(repo, "git", "rm", "-q", "--cached", "templates/flash-sale.en.sms").returncode == 0
    assert _run(repo, "git", "add", "templates/order-shipped.en.sms").returncode == 0
    passed = _run(repo, "git", "commit", "-m", "order shipped", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "templater lint" in passed.stderr and "Passed" in passed.stderr
    assert _run(repo, "git", "ls-files").stdout.split() == [".pre-commit-config.yaml", "templates/order-shipped.en.sms"]


def test_a_staged_template_reusing_a_committed_id_is_refused(tmp_path, pre_commit_home):
    """The hook passes only the staged files; templater reads the project's other templates for
    their ids, so a new template that reuses a committed id is a duplicate-id (issue 14)."""
    head = _head()
    repo = _content_repo(tmp_path)
    config = {"repos": [{"repo": str(CHECKOUT), "rev": head, "hooks": [{"id": "templater-lint"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}
    assert _run(repo, *PRE_COMMIT, "install", env=env).returncode == 0
    assert _run(repo, "git", "add", ".pre-commit-config.yaml", "templates/order-shipped.en.sms").returncode == 0
    assert _run(repo, "git", "commit", "-m", "order shipped", env=env).returncode == 0
    (repo / "templates" / "copy.en.sms").write_text(GOOD, encoding="utf-8")  # the same declared id
    assert _run(repo, "git", "add", "templates/copy.en.sms").returncode == 0
    refused = _run(repo, "git", "commit", "-m", "copy", env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "templates/copy.en.sms:2:1: error duplicate-id" in refused.stderr
    assert "templates/order-shipped.en.sms:2" in refused.stderr


def test_the_fix_hook_rewrites_the_staged_template_and_refuses_the_commit_once(tmp_path, pre_commit_home):
    head = _head()
    repo = _content_repo(tmp_path)
    (repo / "templates" / "flash-sale.en.sms").unlink()
    dashed = GOOD.replace("has shipped{%", "has shipped \u2014 thank you{%")
    (repo / "templates" / "order-shipped.en.sms").write_text(dashed, encoding="utf-8")
    config = {"repos": [{"repo": str(CHECKOUT), "rev": head, "hooks": [{"id": "templater-fix"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}
    assert _run(repo, *PRE_COMMIT, "install", env=env).returncode == 0
    assert _run(repo, "git", "add", ".").returncode == 0
    refused = _run(repo, "git", "commit", "-m", "shipped", env=env)
    assert refused.returncode == 1 and "files were modified by this hook" in refused.stdout + refused.stderr
    fixed = (repo / "templates" / "order-shipped.en.sms").read_text(encoding="utf-8")
    assert fixed == dashed.replace("\u2014", "-")
    assert _run(repo, "git", "add", ".").returncode == 0
    passed = _run(repo, "git", "commit", "-m", "shipped", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
