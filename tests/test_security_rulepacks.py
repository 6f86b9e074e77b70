"""Users' rule packs: bad and backtracking-prone patterns are refused at load, matching is bounded."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli, template_source
from templater.resources import rules_dir
from templater.rulepacks.loader import load_ruleset
from templater.rulepacks.patterns import LazyPattern
from templater.rulepacks.regex_safety import MAX_MATCH_INPUT, backtracking_risk

PACK = """\
pack: mine
language: en
rules:
  - id: my-rule
    kind: existence
    severity: warning
    summary: A user's own rule.
    message: "found {{match}}{{where}}"
    doc: A user's own rule.
    patterns: [{pattern}]
    examples:
      fail: ["{fail}"]
      pass: ["nothing to see"]
"""

CATASTROPHIC = [r"(a+)+$", r"(a|a)*$", r"(.*)*$", r"(a|aa)*$", r"(\w+\s?)+$", r"(.*,)+$", r"(\d+)*\d$",
                r"(?:[a-z]+|\d)+$", r"((ab)*)+$", r"\d*\d*x", r".*a.*x", r"code\s*:?\s*:?\s*x"]
SAFE = [r"free (?:shipping|delivery)", r"\d+\s*%\s*off", r"(?:\w+\s+){0,2}(?:now|today)", r"(\w+\s)+",
        r"(?:\d+[.,])+", r"(ab*)+", r"(?:https?://)?\S+", r"(a|ab)+", r"code\s*:?\s*[A-Z]{3,}"]


def _project(tmp_path: Path, pattern: str, fail: str = "aaa") -> tuple[Path, Path]:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text(PACK.format(pattern="'" + pattern.replace("'", "''") + "'", fail=fail),
                                     encoding="utf-8")
    config = tmp_path / ".templater.yaml"
    config.write_text("rule_folders: [packs]\n", encoding="utf-8")
    template = tmp_path / "t.sms"
    template.write_text(template_source("Your order has shipped."), encoding="utf-8")
    return config, template


def test_an_invalid_regex_names_the_pack_line_and_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPLATER_NO_CACHE", "1")
    config, template = _project(tmp_path, "free (shipping")
    result = run_cli("lint", "--config", str(config), str(template))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{tmp_path / 'packs' / 'mine.yaml'}:4:" in lines[0] and "rule 'my-rule'" in lines[0]
    assert "invalid regular expression 'free (shipping'" in lines[0]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_backtracking_prone_patterns_are_refused_at_load(pattern, tmp_path, monkeypatch):
    monkeypatch.setenv("TEMPLATER_NO_CACHE", "1")
    config, template = _project(tmp_path, pattern)
    result = run_cli("lint", "--config", str(config), str(template))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "mine.yaml:4:" in lines[0] and "rule 'my-rule'" in lines[0], lines
    assert repr(pattern) in lines[0] and "backtrack" in lines[0]


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_pass_the_check(pattern):
    assert backtracking_risk(pattern) is None


def test_every_bundled_pattern_passes_the_check():
    ruleset = load_ruleset([rules_dir()])  # raises RulePackError naming the pack if one fails
    sources = [p.source for r in ruleset.rules.values() for p in r.patterns.values()]
    sources += [p.source for s in ruleset.signals.values() for p in (*s.patterns.values(), s.variables) if p]
    assert len(sources) > 20


def test_matching_looks_at_a_bounded_prefix_of_the_text():
    pattern = LazyPattern("needle")
    text = "x" * MAX_MATCH_INPUT + "needle"
    assert pattern.search(text) is None and list(pattern.finditer(text)) == []
    assert pattern.search(text[-MAX_MATCH_INPUT:]) is not None


def test_a_slow_but_allowed_pattern_cannot_hang_lint(tmp_path):
    """A hang detector: 'code' then 60,000 spaces costs the square of the text's length to this
    pattern; the bounded input keeps it to a fraction of a second, where unbounded it takes minutes."""
    config, template = _project(tmp_path, r"code\s*:?\s*X", fail="code X")
    template.write_text(template_source("Your code " + " " * 60_000 + "is ready."), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "templater.cli", "lint", "--config", str(config), "-j", "1",
                           str(template)], capture_output=True, text=True, timeout=30,
                          env={"TEMPLATER_NO_CACHE": "1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode in (0, 1), proc.stderr
