"""Shared helpers: run the CLI in-process, write templates to temporary folders."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from templater.cli import cli
from templater.rulepacks.model import Example

# The rule-set cache of a test run lives in a temporary folder, not in the user's home.
os.environ.setdefault("TEMPLATER_CACHE_DIR", tempfile.mkdtemp(prefix="templater-cache-"))


def run_cli(*args: str, input: str | None = None):
    """Invoke `templater ARGS` in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def lint_json(*args: str) -> tuple[int, list[dict]]:
    """Run `templater lint --format json ARGS`; returns the exit code and the findings."""
    result = run_cli("lint", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else []


def template_source(body: str, category: str | None = "transactional", language: str = "en",
                    **meta) -> str:
    """A whole .sms file from metadata and a body."""
    head = {}
    if category is not None:
        head["category"] = category
    head["language"] = language
    head.update(meta)
    return "---\n" + yaml.safe_dump(head, allow_unicode=True, sort_keys=False) + "---\n" + body


def example_source(example: Example, default_category: str = "transactional") -> str:
    """The .sms text a pack example stands for."""
    if example.source is not None:
        return example.source
    return template_source(example.body, example.category or default_category, example.language,
                           **example.meta)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder of the test's own (rule sets, project ids), the cache turned on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("TEMPLATER_CACHE_DIR", str(folder))
    monkeypatch.delenv("TEMPLATER_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def write(tmp_path: Path):
    """write(name, source) -> path of a file written under a temporary folder."""
    def _write(name: str, source: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source, encoding="utf-8")
        return path
    return _write


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """One pre-commit store for the session: the hook's environment is built once and reused."""
    return tmp_path_factory.mktemp("pre-commit-home")


def library_for_markets(folder: Path, template_id: str, markets: str) -> str:
    """A copy of a library template that declares `market: [markets]` (issue 21: a bulk render sends
    only to rows of the template's markets), written in folder; returns its path."""
    from templater.library import find

    source = find(template_id).source
    path = folder / f"{template_id}.sms"
    import re

    path.write_text(re.sub(r"(?m)^market: .*$", f"market: [{markets}]", source, count=1), encoding="utf-8")
    return str(path)
