"""No traceback reaches a user: an unexpected error is one line naming the file, exit 2."""
from __future__ import annotations

import importlib
import json
from dataclasses import replace

import pytest

from conftest import run_cli, template_source
from templater.errors import InternalError
from templater.render.message import Renderer
from templater.checks.registry import REGISTRY


def _boom(*_args, **_kwargs):
    raise RuntimeError("injected failure\nsecond line")


@pytest.fixture
def broken_check(monkeypatch):
    """A builtin check that fails on every template, as a bug would."""
    monkeypatch.setitem(REGISTRY, "missing_category", replace(REGISTRY["missing_category"], run=_boom))


def test_lint_names_the_file_in_one_line(broken_check, write):
    """An unexpected error on one file is that file's finding (issue 20): one line naming the file,
    no traceback, and the run goes on."""
    write("a/fine.sms", template_source("Your order has shipped."))
    path = write("a/z-last.sms", template_source("Your order has shipped."))
    result = run_cli("lint", "-j", "1", str(path))
    assert result.exit_code == 1 and result.stderr == ""
    assert result.stdout.splitlines()[0] == (
        f"{path}:1:1: error unreadable-file cannot read the template: internal error: RuntimeError: injected "
        "failure (run again with --debug for the traceback, and please report it)")


def test_lint_in_worker_processes_names_the_file_too(broken_check, tmp_path):
    for i in range(40):  # enough files for the linter to fan out to worker processes
        (tmp_path / f"t{i:02}.sms").write_text(template_source("Your order has shipped."), encoding="utf-8")
    result = run_cli("lint", "-j", "2", "--format", "json", str(tmp_path))
    assert result.exit_code == 1 and result.stderr == ""
    findings = [f for f in json.loads(result.stdout) if f["rule"] == "unreadable-file"]
    assert len(findings) == 40 and all("RuntimeError: injected failure" in f["message"] for f in findings)


def test_debug_shows_the_original_error(broken_check, write):
    path = write("t.sms", template_source("Your order has shipped."))
    with pytest.raises(InternalError) as info:
        run_cli("--debug", "lint", "-j", "1", str(path))
    assert isinstance(info.value.__cause__, RuntimeError)


@pytest.mark.parametrize("command", ["render", "classify"])
def test_render_and_classify_name_the_template_in_one_line(command, monkeypatch, write):
    monkeypatch.setattr(Renderer, "render", _boom)
    # api imports it when called; the package's own `classify` name is a function, hence import_module
    monkeypatch.setattr(importlib.import_module("templater.classify"), "classify_template", _boom)
    path = write("t.sms", template_source("Your order has shipped."))
    result = run_cli(command, str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"templater: error: {path}: internal error: RuntimeError: injected failure (run again with --debug "
        "for the traceback, and please report it)"]
