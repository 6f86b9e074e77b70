"""Discovery like ruff's and ids from the project root (issue 14, defects 4-6), through the CLI in a
temporary content repository (a git work tree)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

SHIPPED = template_source("Acme: your order has shipped.")
SEND_AT = "2025-05-06T16:00:00Z"


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    """A content repository: a git work tree with two brands' templates of the same file name."""
    root = tmp_path / "content"
    root.mkdir()
    assert subprocess.run(["git", "init", "-q", str(root)]).returncode == 0
    for brand in ("brand-a", "brand-b"):
        path = root / "templates" / brand / "shipped.en.sms"
        path.parent.mkdir(parents=True)
        path.write_text(SHIPPED, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_ids_do_not_depend_on_how_paths_are_passed(repo):
    assert lint_json("templates") == (0, [])
    # How pre-commit calls it: the staged files one by one.
    assert lint_json("templates/brand-a/shipped.en.sms", "templates/brand-b/shipped.en.sms") == (0, [])
    assert lint_json(str(repo / "templates" / "brand-a")) == (0, [])


def test_render_ids_come_from_the_project_root_so_scoped_consent_matches(repo):
    result = run_cli("render", "templates/brand-a/shipped.en.sms", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout)["id"] == "templates.brand-a.shipped.en"
    rows = repo / "rows.csv"
    rows.write_text("phone,consent,consent_scope\n+12125550200,express,templates.brand-a.shipped.en\n", encoding="utf-8")
    bulk = run_cli("render", "templates/brand-a/shipped.en.sms", "--recipients", str(rows), "--out",
                   str(repo / "out.jsonl"), "--send-at", SEND_AT, "--jobs", "1")
    assert bulk.exit_code == 0, bulk.output
    assert len((repo / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_the_root_is_the_configuration_folder_when_there_is_one(repo):
    (repo / "templates" / ".templater.yaml").write_text("fail_on: error\n", encoding="utf-8")
    result = run_cli("render", "templates/brand-a/shipped.en.sms", "--format", "json")
    assert json.loads(result.stdout)["id"] == "brand-a.shipped.en"


def test_a_staged_template_reusing_a_committed_id_is_a_duplicate(repo):
    new = repo / "templates" / "brand-c" / "notice.en.sms"
    new.parent.mkdir()
    new.write_text(template_source("Acme: your order has shipped.", id="templates.brand-a.shipped.en"),
                   encoding="utf-8")
    code, findings = lint_json("templates/brand-c/notice.en.sms")  # only the staged file, as the hook does
    assert code == 1 and [(f["rule"], f["line"]) for f in findings] == [("duplicate-id", 4)]
    assert "templates/brand-a/shipped.en.sms:1" in findings[0]["message"]


def test_discovery_skips_hidden_folders_virtualenvs_node_modules_and_gitignored(repo):
    for folder in (".venv/lib", "venv/lib", "node_modules/pkg", "__pycache__", ".cache", "build", "docs/generated"):
        path = repo / folder / "shipped.en.sms"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template_source("Acme: 30% off today.", id="templates.brand-a.shipped.en"), encoding="utf-8")
    (repo / ".gitignore").write_text("build/\n# generated\ndocs/generated\n", encoding="utf-8")
    result = run_cli("lint", ".")
    assert (result.exit_code, result.stdout.strip()) == (0, "no findings in 2 files"), result.output


def test_exclude_and_extend_exclude(repo):
    drafts = repo / "templates" / "drafts" / "wip.sms"
    drafts.parent.mkdir()
    drafts.write_text(template_source("Acme: 30% off today."), encoding="utf-8")
    assert lint_json(".")[0] == 1
    (repo / ".templater.yaml").write_text("extend-exclude: [templates/drafts/]\n", encoding="utf-8")
    assert lint_json(".") == (0, [])
    # Named on the command line (a pre-commit hook), a file the configuration excludes is skipped too.
    assert lint_json("templates/drafts/wip.sms") == (0, [])
    (repo / ".templater.yaml").write_text("exclude: ['wip.sms']\n", encoding="utf-8")
    assert lint_json(".") == (0, [])
    # exclude replaces the defaults: hidden folders are read again.
    hidden = repo / ".hidden" / "x.sms"
    hidden.parent.mkdir()
    hidden.write_text(template_source("Acme: 30% off today."), encoding="utf-8")
    assert {Path(f["path"]).name for f in lint_json(".")[1]} == {"x.sms"}


def test_an_unknown_config_key_near_exclude_says_did_you_mean(repo):
    (repo / ".templater.yaml").write_text("exclud: [drafts]\n", encoding="utf-8")
    result = run_cli("lint", ".")
    assert result.exit_code == 2 and "did you mean 'exclude'?" in result.stderr


def test_a_folder_without_templates_is_an_input_error(repo):
    (repo / "empty").mkdir()
    (repo / "empty" / "notes.txt").write_text("nothing", encoding="utf-8")
    result = run_cli("lint", "empty")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("templater: error: empty: no .sms templates here")
    only_ignored = repo / "vendor"
    (only_ignored / "node_modules").mkdir(parents=True)
    (only_ignored / "node_modules" / "a.sms").write_text(SHIPPED, encoding="utf-8")
    assert run_cli("lint", "vendor").exit_code == 2


def test_discovery_gives_the_same_files_and_ids_with_and_without_its_shortcuts(repo, monkeypatch):
    """Policies.discover works out each folder's parts below the root once and cuts the suffix off
    the name as a string; with TEMPLATER_REFERENCE=1 every file's path goes through pathlib. Folders
    in and out of the root, a linked folder, odd names, '.', relative and absolute arguments."""
    from templater import reference
    from templater.policy import Policies

    for rel in ("templates/brand-a/a.b.en.sms", "templates/brand-a/x..sms", "templates/deep/er/t.sms",
                "other/.config.sms", "other/v1.2/t.fr.sms"):
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(SHIPPED, encoding="utf-8")
    (repo / "other" / ".templater.yaml").write_text("exclude: []\n", encoding="utf-8")
    (repo / "linked").symlink_to(repo / "templates" / "deep")
    outside = repo.parent / "outside"
    outside.mkdir()
    (outside / "t.sms").write_text(SHIPPED, encoding="utf-8")
    argument_sets = [["."], ["templates"], [str(repo / "templates"), "other/v1.2/t.fr.sms"], ["./other", "linked"],
                     [str(outside), "templates/brand-a/x..sms"]]
    for arguments in argument_sets:
        found = []
        for switch in (False, True):
            monkeypatch.setattr(reference, "ON", switch)
            found.append(Policies().discover(arguments))
        assert found[0] == found[1] and found[0], arguments
    ids = {display: tid for _f, display, tid in Policies().discover(["."])}
    assert ids["templates/brand-a/a.b.en.sms"] == "templates.brand-a.a.b.en"
    assert ids["templates/brand-a/x..sms"] == "templates.brand-a.x."
