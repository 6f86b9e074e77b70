"""docs/ci.md: the core command of each copy-ready job, run as written in a content repository."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import template_source

CHECKOUT = Path(__file__).resolve().parents[1]
DOC = (CHECKOUT / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(yaml|sh)\n(.*?)```", DOC, re.S)


def _block(lang: str, marker: str) -> str:
    return next(text for kind, text in BLOCKS if kind == lang and marker in text)


def _content_repo(tmp_path: Path, bad: bool = True) -> Path:
    repo = tmp_path / "content"
    (repo / "templates").mkdir(parents=True)
    # A library template: it lints clean under every rule, today's and tomorrow's.
    (repo / "templates" / "order-shipped.en.sms").write_text(
        (CHECKOUT / "template_library" / "retail" / "order-shipped.en.sms").read_text(encoding="utf-8"),
        encoding="utf-8")
    if bad:
        (repo / "templates" / "flash-sale.en.sms").write_text(
            template_source("Acme: new arrivals, 30% off everything today.", category="promotional"), encoding="utf-8")
    return repo


def _shell(command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    # As a CI runner does: bash, with the installed `templater` on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, **(env or {})})


def test_github_actions_job(tmp_path):
    job = yaml.safe_load(_block("yaml", "runs-on"))["jobs"]["templater"]
    runs = [s["run"] for s in job["steps"] if "run" in s and s["run"].startswith("templater ")]
    assert len(runs) == 2 and any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in job["steps"])
    repo = _content_repo(tmp_path)
    annotations = _shell(runs[0], repo)
    assert annotations.returncode == 1
    expected = re.compile(r"::error file=templates/flash-sale\.en\.sms,line=5,endLine=5,col=1,endColumn=\d+,"
                          r"title=templater missing-opt-out::")
    assert any(expected.match(line) for line in annotations.stdout.splitlines())
    assert "order-shipped" not in annotations.stdout
    sarif = _shell(runs[1], repo)
    assert sarif.returncode == 0
    log = json.loads((repo / "templater.sarif").read_text(encoding="utf-8"))
    schema = json.loads((CHECKOUT / "tests" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    assert "missing-opt-out" in [r["ruleId"] for r in results]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        "templates/flash-sale.en.sms"}
    clean = _content_repo(tmp_path / "clean", bad=False)
    assert _shell(runs[0], clean).returncode == 0


def test_gitlab_ci_job(tmp_path):
    job = yaml.safe_load(_block("yaml", "before_script"))["sms-templates"]
    assert job["artifacts"]["reports"]["junit"] == "templater-junit.xml"
    repo = _content_repo(tmp_path)
    report, log = (_shell(line, repo) for line in job["script"])
    assert report.returncode == 0 and log.returncode == 1
    assert "templates/flash-sale.en.sms:5:1: error missing-opt-out" in log.stdout
    cases = ET.parse(repo / "templater-junit.xml").getroot().findall("testsuite/testcase")
    assert {c.get("classname") for c in cases} == {"templates/flash-sale.en.sms"}
    assert "missing-opt-out at 5:1" in [c.get("name") for c in cases]


def test_pre_commit_setup(tmp_path, pre_commit_home):
    if importlib.util.find_spec("pre_commit") is None:
        pytest.fail("pre-commit is not installed: pip install -e '.[test]'")
    config = yaml.safe_load(_block("yaml", "repos:"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ["templater-lint"]
    commands = [line for line in _block("sh", "pre-commit install").splitlines() if line.startswith("pre-commit ")]
    assert commands == ["pre-commit install", "pre-commit run templater-lint --all-files"]
    # The documented configuration, pointed at this checkout's HEAD instead of the published tag.
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=CHECKOUT, capture_output=True, text=True)
    assert head.returncode == 0, head.stderr
    config["repos"][0].update(repo=str(CHECKOUT), rev=head.stdout.strip())
    repo = _content_repo(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PRE_COMMIT_HOME": str(pre_commit_home)}  # shared with tests/test_precommit.py: one build
    for setup in ("git init -q", "git add -A"):
        assert _shell(setup, repo).returncode == 0
    pre_commit = f"'{sys.executable}' -m pre_commit"
    results = [_shell(command.replace("pre-commit", pre_commit, 1), repo, env) for command in commands]
    assert results[0].returncode == 0 and (repo / ".git" / "hooks" / "pre-commit").is_file()
    assert results[1].returncode == 1, results[1].stdout + results[1].stderr
    assert "templates/flash-sale.en.sms:5:1: error missing-opt-out" in results[1].stdout
    assert "order-shipped" not in results[1].stdout
