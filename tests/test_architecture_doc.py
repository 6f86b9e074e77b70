"""docs/architecture.md's walkthroughs, followed from the page's own text: a phrase rule and a
Python check added as it says (in a project's rule folder, the check registered as its module
would register it) fire where their examples say, and the check's fix is what --fix makes."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import yaml

from conftest import lint_json, run_cli, template_source
from templater.checks.registry import REGISTRY

DOC = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")


def _blocks(heading: str, kind: str) -> list[str]:
    """The fenced blocks of one kind in the section under a heading, dedented."""
    section = DOC.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return [textwrap.dedent(b) for b in re.findall(rf"^ *```{kind}\n(.*?)^ *```", section, re.S | re.M)]


def _project(tmp_path: Path, pack: str) -> dict:
    """A content folder whose configuration names a rule folder holding the page's pack."""
    (tmp_path / ".templater.yaml").write_text("rule_folders: [house]\n", encoding="utf-8")
    (tmp_path / "house").mkdir()
    (tmp_path / "house" / "pack.yaml").write_text(pack, encoding="utf-8")
    return yaml.safe_load(pack)["rules"][0]


def _follow(tmp_path: Path, rule: dict) -> None:
    """Each failing example fires where it says (and --fix makes its fixed text); each passing one does not."""
    rid = rule["id"]
    for i, example in enumerate(rule["examples"]["fail"]):
        source = template_source(example["body"])
        path = tmp_path / f"fail{i}.sms"
        path.write_text(source, encoding="utf-8")
        _code, found = lint_json("--jobs", "1", "--select", rid, str(path))
        body_line = source[: len(source) - len(example["body"])].count("\n") + 1
        assert [(f["rule"], f["line"] - body_line + 1, f["column"]) for f in found] == \
            [(rid, example["line"], example["column"])]
        if "fixed" in example:
            assert run_cli("lint", "--jobs", "1", "--fix", "--select", rid, str(path)).exit_code == 0
            assert path.read_text(encoding="utf-8") == source[: len(source) - len(example["body"])] + example["fixed"]
    for i, body in enumerate(rule["examples"]["pass"]):
        path = tmp_path / f"pass{i}.sms"
        path.write_text(template_source(body), encoding="utf-8")
        assert lint_json("--jobs", "1", "--select", rid, str(path)) == (0, [])


def test_a_phrase_rule_added_as_the_page_says_fires(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [pack] = _blocks("Add a phrase rule", "yaml")
    _follow(tmp_path, _project(tmp_path, pack))


def test_a_python_check_added_as_the_page_says_fires_and_fixes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [code] = _blocks("Add a Python check", "python")
    [pack] = _blocks("Add a Python check", "yaml")
    try:
        exec(compile(code, "house_checks.py", "exec"), {"__name__": "house_checks"})  # as importing its module does
        _follow(tmp_path, _project(tmp_path, pack))
    finally:
        REGISTRY.pop("double_spaces", None)


def test_the_page_names_files_that_exist():
    root = Path(__file__).resolve().parents[1]
    for name in re.findall(r"`((?:templater|rules|docs|tests|benchmarks)/[\w./-]+\.(?:py|yaml|md))`", DOC):
        assert "NAME" in name or (root / name).exists(), name
