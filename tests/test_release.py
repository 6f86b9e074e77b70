"""docs/release.md and the pins of docs/ci.md (issue 17): the version is the same everywhere, and
the documented pinned install works as written, from a local clone carrying the release tag.

The tag itself is made on main by whoever releases (docs/release.md, step 4). Until it exists
the install test makes it in its scratch clone, as step 4 says, never in this checkout; once it
exists, the clone has it and the test installs the real tag."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import template_source

from templater import resources
from templater.version import __version__

CHECKOUT = Path(__file__).resolve().parents[1]
PYPROJECT = (CHECKOUT / "pyproject.toml").read_text(encoding="utf-8")
CI_DOC = (CHECKOUT / "docs" / "ci.md").read_text(encoding="utf-8")
RELEASE_DOC = (CHECKOUT / "docs" / "release.md").read_text(encoding="utf-8")
VERSION = re.search(r'(?m)^version = "([^"]+)"$', PYPROJECT).group(1)
REPOSITORY = re.search(r'(?m)^Repository = "([^"]+)"$', PYPROJECT).group(1)


def _pins() -> tuple[set[str], set[str]]:
    """The tags docs/ci.md pins: pre-commit's rev and pip's @ref."""
    revs = set(re.findall(r"(?m)^\s+rev: (\S+)$", CI_DOC))
    refs = set(re.findall(r"git\+https://github\.com/YOUR-ORG/templater@([^\"\s]+)", CI_DOC))
    return revs, refs


def test_the_version_and_the_pins_agree():
    assert __version__ == VERSION
    revs, refs = _pins()
    assert revs == refs == {f"v{VERSION}"}, "docs/ci.md pins another tag than the version's: see docs/release.md"
    assert "git tag -a vX.Y.Z" in RELEASE_DOC


def test_rule_links_point_at_the_repository_of_pyproject_at_the_version_tag():
    # This checkout is installed editable (no git URL recorded): the tag of the version.
    assert resources._PYPROJECT_REPOSITORY == REPOSITORY
    assert resources.rule_doc_url("missing-opt-out") == f"{REPOSITORY}/blob/v{VERSION}/docs/rules.md#missing-opt-out"


@pytest.mark.parametrize("url, web", [
    ("https://github.com/acme/templater.git", "https://github.com/acme/templater"),
    ("https://ci-token:s3cret@gitlab.acme.example/tools/templater/", "https://gitlab.acme.example/tools/templater"),
    ("http://git.internal:8080/templater", "http://git.internal:8080/templater"),
    ("file:///srv/git/templater", None), ("ssh://git@github.com/acme/templater", None), ("", None)])
def test_a_clone_url_becomes_a_web_address_without_credentials(url, web):
    assert resources._web_address(url) == web


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", "-c", "user.name=release test", "-c", "user.email=release@example.com", *args],
                          cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.slow
def test_the_documented_pinned_install_works_from_a_local_clone(tmp_path):
    """`pip install "$TEMPLATER"` as docs/ci.md writes it, the address pointed at a local clone."""
    clone = tmp_path / "clone"
    _git("clone", "-q", str(CHECKOUT), str(clone), cwd=tmp_path)
    tag = f"v{VERSION}"
    if tag not in _git("tag", "--list", tag, cwd=clone).split():
        _git("tag", "-a", tag, "-m", f"templater {VERSION}", cwd=clone)  # docs/release.md, step 4
    specs = set(re.findall(r'TEMPLATER: "([^"]+)"', CI_DOC))  # each CI job's install address
    assert specs == {f"templater @ git+https://github.com/YOUR-ORG/templater@{tag}"}
    # file://localhost/...: pip 23 (a fresh venv's) wants a host in a direct reference; git takes it.
    spec = specs.pop().replace("https://github.com/YOUR-ORG/templater", f"file://localhost{clone.as_posix()}")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", spec],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    exe = str(venv / "bin" / "templater")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and VERSION in version.stdout
    # The installed copy lints with its bundled rules and links each rule to its documentation.
    repo = tmp_path / "content"
    (repo / "templates").mkdir(parents=True)
    (repo / "templates" / "flash-sale.en.sms").write_text(
        template_source("Acme: new arrivals, 30% off everything today.", category="promotional"), encoding="utf-8")
    sarif = subprocess.run([exe, "lint", "--format", "sarif", "templates"], cwd=repo, capture_output=True, text=True)
    assert sarif.returncode == 1, sarif.stderr
    rules = {r["id"]: r for r in json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    # A clone on disk has no web page: the link is the project's repository at the tag.
    assert rules["missing-opt-out"]["helpUri"] == f"{REPOSITORY}/blob/{tag}/docs/rules.md#missing-opt-out"
    # Installed from a web address instead (pip records it and the commit): the link is that
    # repository's docs at that commit, without the credentials the address carried.
    [record] = (venv / "lib").glob("python*/site-packages/templater-*.dist-info/direct_url.json")
    direct = json.loads(record.read_text(encoding="utf-8"))
    commit = _git("rev-parse", f"{tag}^{{commit}}", cwd=clone)
    assert direct["vcs_info"]["commit_id"] == commit and direct["vcs_info"]["requested_revision"] == tag
    record.write_text(json.dumps({**direct, "url": "https://ci-token:s3cret@github.com/acme/templater.git"}),
                      encoding="utf-8")
    sarif = subprocess.run([exe, "lint", "--format", "sarif", "templates"], cwd=repo, capture_output=True, text=True)
    rules = {r["id"]: r for r in json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["missing-opt-out"]["helpUri"] == (f"https://github.com/acme/templater/blob/{commit}"
                                                   "/docs/rules.md#missing-opt-out")
    assert "s3cret" not in sarif.stdout
