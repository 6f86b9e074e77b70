"""`templater lsp` as a command: optional (the extra `templater[lsp]`), never loaded by `templater lint`."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import run_cli, template_source

ROOT = Path(__file__).resolve().parent.parent


def test_pygls_is_only_in_the_lsp_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith(("pygls", "lsprotocol"))]
    assert [d for d in project["optional-dependencies"]["lsp"] if d.startswith("pygls")]
    assert "templater.lsp" in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]


def test_lint_does_not_import_the_language_server(write):
    path = write("a.sms", template_source("Acme: your order has shipped."))
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "templater.cli", "lint", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "templater.linter" in imported  # the import log is there...
    assert not {m for m in imported if m.split(".")[0] in ("pygls", "lsprotocol", "cattrs")
                or m.startswith("templater.lsp")}  # ...without the server


def test_lsp_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pygls", None)  # as if pygls were not installed
    monkeypatch.setitem(sys.modules, "pygls.lsp.server", None)
    monkeypatch.delitem(sys.modules, "templater.lsp.server", raising=False)
    result = run_cli("lsp")
    assert result.exit_code == 2
    assert "pip install 'templater[lsp]'" in result.stderr and "Traceback" not in result.stderr


def test_lsp_is_listed_with_the_other_commands():
    result = run_cli("--help")
    assert result.exit_code == 0 and " lsp " in result.stdout
