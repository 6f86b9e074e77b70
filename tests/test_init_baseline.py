"""`templater init` and the baseline: a repository full of existing templates adopts templater
without fixing them first, and then fails only on what is new."""
from __future__ import annotations

import json
import tomllib

import yaml

from conftest import lint_json, run_cli, template_source

MIXED = template_source("Acme: your order has shipped. Use code SAVE20 for 20% off!")
PROMO = template_source("Acme: new arrivals, 20% off everything today.", category="promotional")
CLEAN = template_source("Acme: your order has shipped.")


def test_a_content_repository_adopts_templater_and_fails_only_on_a_new_mixed_template(write, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    for i in range(3):
        write(f"templates/legacy-{i}.sms", MIXED.replace("order", f"order {i}"))
    write("templates/promo.sms", PROMO)
    write("templates/ok.sms", CLEAN)
    result = run_cli("init")
    assert result.exit_code == 0
    assert "wrote a commented .templater.yaml" in result.stdout and ".pre-commit-config.yaml" in result.stdout
    code, today = lint_json("templates")
    assert code == 1 and {f["path"] for f in today} == {*(f"templates/legacy-{i}.sms" for i in range(3)),
                                                        "templates/promo.sms"}  # today's findings fail the job...
    wrote = run_cli("lint", "--write-baseline", "templater-baseline.json", "templates")
    assert wrote.exit_code == 0 and f"wrote {len(today)} findings of 5 files to templater-baseline.json" in wrote.stderr
    code, findings = lint_json("--baseline", "templater-baseline.json", "templates")
    assert (code, findings) == (0, [])  # ...the baseline excuses them
    moved = MIXED.replace("order", "order 0").replace("---\nAcme", "---\n\n\nAcme")
    write("templates/legacy-0.sms", moved)  # its findings moved two lines down: still known
    assert lint_json("--baseline", "templater-baseline.json", "templates") == (0, [])
    write("templates/new.sms", MIXED)
    code, findings = lint_json("--baseline", "templater-baseline.json", "templates")
    assert code == 1 and {f["path"] for f in findings} == {"templates/new.sms"}
    assert {f["rule"] for f in findings} == {"mixed-content"}


def test_the_baseline_is_relative_to_its_folder_and_counts_each_finding(write, tmp_path, monkeypatch):
    write("repo/a.sms", MIXED)
    monkeypatch.chdir(tmp_path / "repo")
    assert run_cli("lint", "--write-baseline", "base.json", "a.sms").exit_code == 0
    data = json.loads((tmp_path / "repo" / "base.json").read_text(encoding="utf-8"))
    assert data["version"] == 1 and [(r["path"], r["rule"]) for r in data["findings"]] == [
        ("a.sms", "mixed-content"), ("a.sms", "mixed-content")]
    monkeypatch.chdir(tmp_path)  # another folder, another spelling of the path: the same findings
    assert lint_json("--baseline", "repo/base.json", "repo/a.sms") == (0, [])
    data["findings"].pop()  # one record excuses one finding
    (tmp_path / "repo" / "base.json").write_text(json.dumps(data), encoding="utf-8")
    code, findings = lint_json("--baseline", "repo/base.json", "repo/a.sms")
    assert code == 1 and len(findings) == 1


def test_a_missing_or_broken_baseline_is_a_one_line_error(write, tmp_path):
    path = write("a.sms", CLEAN)
    result = run_cli("lint", "--baseline", str(tmp_path / "nope.json"), str(path))
    assert result.exit_code == 2 and "no such baseline: write one with --write-baseline FILE" in result.stderr
    broken = write("b.json", '{"findings": 3}')
    result = run_cli("lint", "--baseline", str(broken), str(path))
    assert result.exit_code == 2 and "not a templater baseline" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_init_uses_pyproject_and_keeps_what_exists(write, tmp_path):
    write("pyproject.toml", '[project]\nname = "content"\n')
    write(".pre-commit-config.yaml", "repos:\n- repo: https://github.com/pre-commit/pre-commit-hooks\n"
                                     "  rev: v4.6.0\n  hooks:\n  - id: end-of-file-fixer\n")
    result = run_cli("init", str(tmp_path))
    assert result.exit_code == 0
    assert "added a commented [tool.templater] table to pyproject.toml" in result.stdout
    assert "added the templater-lint hook" in result.stdout
    assert not (tmp_path / ".templater.yaml").exists()
    project = tomllib.loads((tmp_path / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "content" and project["tool"]["templater"] == {"fail_on": "error"}
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [r["repo"] for r in hooks["repos"]] == ["https://github.com/pre-commit/pre-commit-hooks", "local"]
    assert hooks["repos"][1]["hooks"][0]["entry"] == "templater lint"
    assert run_cli("config", str(tmp_path)).exit_code == 0  # the table is a valid configuration
    again = run_cli("init", str(tmp_path))
    assert "already configures templater here" in again.stdout and "already runs templater" in again.stdout


def test_init_with_a_broken_pre_commit_file_says_where_and_leaves_it_alone(write, tmp_path):
    broken = "repos:\n- repo: local\n\thooks: []\n"
    write(".pre-commit-config.yaml", broken)
    result = run_cli("init", str(tmp_path))
    assert result.exit_code == 0 and result.stderr == ""
    assert "wrote a commented .templater.yaml" in result.stdout
    assert (".pre-commit-config.yaml:3: invalid YAML: found character '\\t' that cannot start any token (a tab: "
            "indent YAML with spaces, not tabs): add the templater hook by hand once it is fixed") in result.stdout
    assert (tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8") == broken
