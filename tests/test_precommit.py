"""The pre-commit hook for real: a content repository whose commits go through `pre-commit try-repo`.

pre-commit builds the hook's own virtual environment and pip-installs this repository into it,
as it does for every user; that is what makes this test slow (about 10 s per commit).
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


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)


def test_the_hook_is_declared_for_sms_files():
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "templater-lint")
    assert hook["entry"] == "templater lint" and hook["language"] == "python" and hook["files"] == r"\.sms$"


def test_a_commit_of_a_non_compliant_template_is_refused(tmp_path):
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is not installed: pip install -e '.[test]'")
    head = _git(CHECKOUT, "rev-parse", "HEAD")
    assert head.returncode == 0, f"{CHECKOUT} must be a git checkout: {head.stderr}"
    repo = tmp_path / "content"
    repo.mkdir()
    for args in (("init", "-q"), ("config", "user.email", "writer@example.com"), ("config", "user.name", "Writer"),
                 ("config", "commit.gpgsign", "false")):
        assert _git(repo, *args).returncode == 0
    # The git hook runs the hook of this checkout's HEAD (try-repo --ref), which needs no network
    # access to this repository: what is tested is what is committed.
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec '{sys.executable}' -m pre_commit try-repo '{CHECKOUT}' templater-lint "
                    f"--ref {head.stdout.strip()}\n", encoding="utf-8")
    hook.chmod(0o755)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    (repo / "templates").mkdir()
    (repo / "templates" / "order-shipped.en.sms").write_text(GOOD, encoding="utf-8")
    (repo / "templates" / "flash-sale.en.sms").write_text(BAD, encoding="utf-8")

    assert _git(repo, "add", "templates/flash-sale.en.sms").returncode == 0
    refused = subprocess.run(["git", "commit", "-m", "flash sale"], cwd=repo, capture_output=True, text=True, env=env)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "templates/flash-sale.en.sms:5:1: error missing-opt-out" in refused.stderr  # git hooks write there
    assert _git(repo, "rev-parse", "--verify", "HEAD").returncode != 0  # nothing was committed

    assert _git(repo, "rm", "-q", "--cached", "templates/flash-sale.en.sms").returncode == 0
    assert _git(repo, "add", "templates/order-shipped.en.sms").returncode == 0
    passed = subprocess.run(["git", "commit", "-m", "order shipped"], cwd=repo, capture_output=True, text=True,
                            env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "templater lint" in passed.stderr and "Passed" in passed.stderr
    assert _git(repo, "ls-files").stdout.split() == ["templates/order-shipped.en.sms"]
