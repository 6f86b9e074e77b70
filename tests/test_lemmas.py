"""{lemma:word} in a signal pattern stands for the word's inflected forms (templater/data/lemmas.<lang>.json,
written by benchmarks/build_lemmas.py from simplemma's dictionary at build time, never read while linting)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli, template_source

ROOT = Path(__file__).resolve().parent.parent

PACK = """\
pack: mine
language: fr
signals:
  - id: my-offer
    signal: promotional
    label: an offer of mine
    doc: A user's own signal.
    patterns: ['\\bcadeaux?\\s+{lemma}\\b']
    examples:
      fail: ["Un cadeau gratuit pour vous."]
      pass: ["Votre colis est parti."]
"""


def _lint(tmp_path: Path, lemma: str, text: str):
    packs = tmp_path / "packs"
    packs.mkdir(exist_ok=True)
    (packs / "mine.yaml").write_text(PACK.replace("{lemma}", lemma), encoding="utf-8")
    (tmp_path / ".templater.yaml").write_text("rule_folders: [packs]\n", encoding="utf-8")
    message = tmp_path / "m.sms"
    message.write_text(template_source(text, "transactional", "fr"), encoding="utf-8")
    return run_cli("lint", "--format", "json", "--select", "mixed-content", "--config",
                   str(tmp_path / ".templater.yaml"), str(message))


@pytest.mark.parametrize("text", ["Deux cadeaux gratuits avec votre box.", "Un cadeau gratuit ce week-end.",
                                  "Des cadeaux gratuites ?"])
def test_a_lemma_matches_every_form_of_its_word(tmp_path, monkeypatch, text):
    monkeypatch.setenv("TEMPLATER_NO_CACHE", "1")
    result = _lint(tmp_path, "{lemma:gratuit}", text)
    assert result.exit_code == 1, result.output
    found = [f for f in json.loads(result.stdout) if f["rule"] == "mixed-content"]
    assert any("(an offer of mine)" in f["message"] for f in found), found


def test_an_unknown_lemma_is_a_one_line_error_naming_the_pack(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPLATER_NO_CACHE", "1")
    result = _lint(tmp_path, "{lemma:introuvable}", "Un cadeau.")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "mine.yaml" in line and "'introuvable'" in line and "build_lemmas.py" in line


def test_the_shipped_forms_are_those_the_packs_name():
    """Every {lemma:...} of the bundled packs has its forms in the shipped file, which is current."""
    pytest.importorskip("simplemma")
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "build_lemmas.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

