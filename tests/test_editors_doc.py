"""docs/editors.md: every editor's set-up names the real command, `templater lsp`."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
EDITORS = ["Neovim (nvim-lspconfig)", "Helix", "VS Code", "Zed", "Emacs (eglot)"]
SCRIPT = next(iter(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]))


def blocks(heading: str) -> list[tuple[str, str]]:
    """(language, text) of the fenced code blocks of one '## heading' section."""
    section = DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


@pytest.mark.parametrize("editor", EDITORS)
def test_every_snippet_starts_the_real_command(editor):
    found = blocks(editor)
    assert found, f"no set-up for {editor}"
    commands = []
    for _lang, text in found:
        # "templater", "lsp" (Lua, Emacs Lisp); command = "templater" / args = ["lsp"] (TOML, JSON);
        # which("templater") ... args: vec!["lsp"...] (Zed's Rust)
        commands += re.findall(r'"templater"(?:[\s,]|\n\s*"?(?:args|glspc\.server\.commandArguments)"?\s*[=:]\s*\[)*'
                               r'"([a-z-]+)"', text)
        commands += re.findall(r'which\("templater"\).*?args: vec!\["([a-z-]+)"', text, re.S)
    assert commands and set(commands) == {"lsp"}, (editor, commands)
    assert SCRIPT == "templater"
    assert run_cli(*set(commands), "--help").exit_code == 0


def test_structured_snippets_parse_and_say_the_same():
    helix = tomllib.loads(blocks("Helix")[0][1])
    assert helix["language-server"]["templater"] == {"command": "templater", "args": ["lsp"]}
    assert helix["language"][0]["language-servers"] == ["templater"] and helix["language"][0]["file-types"] == ["sms"]
    code = json.loads(blocks("VS Code")[0][1])
    assert (code["glspc.server.command"], code["glspc.server.commandArguments"]) == ("templater", ["lsp"])
    zed = [tomllib.loads(text) for lang, text in blocks("Zed") if lang == "toml"]
    assert zed[0]["language_servers"]["templater"]["languages"] == [zed[1]["name"]]
    assert zed[1]["path_suffixes"] == ["sms"]


def test_the_doc_is_linked_from_the_readme():
    assert "docs/editors.md" in (ROOT / "README.md").read_text(encoding="utf-8")
