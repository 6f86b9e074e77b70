"""The built wheel carries rules/ and template_library/ and works from a fresh virtual environment."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True)
    [whl] = out.glob("templater-*.whl")
    return whl


def test_wheel_holds_rule_packs_and_library(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("templater/rules/") and n.endswith(".yaml") for n in names)
    assert "templater/markets.yaml" in names  # the markets table (issue 21)
    shipped = {p.name for p in (ROOT / "templater" / "data").glob("scorer.*.json")}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("templater/data/scorer.")} == shipped
    sms = [n for n in names if n.startswith("templater/template_library/") and n.endswith(".sms")]
    assert len(sms) == len(list((ROOT / "template_library").rglob("*.sms")))


def test_installed_wheel_lints_the_bundled_library_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("from templater.resources import library_dir, rules_dir; "
            "print(library_dir()); print(rules_dir())")
    clean_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([str(py), "-c", code], cwd=elsewhere, capture_output=True, text=True,
                           check=True, env=clean_env).stdout.split()
    assert all(str(env_dir) in w for w in where), where
    result = subprocess.run([str(env_dir / "bin" / "templater"), "lint", where[0]], cwd=elsewhere,
                            capture_output=True, text=True, env=clean_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().startswith("no findings in ")
    listed = subprocess.run([str(env_dir / "bin" / "templater"), "list"], cwd=elsewhere,
                            capture_output=True, text=True, env=clean_env)
    assert "retail.order-shipped.en" in listed.stdout


def test_every_package_is_in_the_wheel(wheel):
    """pyproject.toml lists templater's packages one by one: one left out installs without it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "templater").rglob("__init__.py"))
    assert "templater/checks/__init__.py" in packages
    assert [p for p in packages if p not in names] == []


def test_every_library_folder_is_listed_as_a_package():
    """setuptools ships a data folder inside a package only when it is listed (older versions warn
    and still ship it): a new industry folder must be added to pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {p.name for p in (ROOT / "template_library").iterdir() if p.is_dir() and any(p.glob("*.sms"))}
    listed = {name.rsplit(".", 1)[1] for name in config["packages"] if name.startswith("templater.template_library.")}
    assert folders == listed
    assert all(config["package-data"][f"templater.template_library.{f}"] == ["*.sms"] for f in folders)


def test_wheel_ships_the_preview_page_and_keeps_its_server_optional(wheel):
    """The preview page's assets are package data (no CDN, works offline); Starlette and uvicorn
    come only with the templater[preview] extra."""
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    for asset in ("index.html", "app.js", "style.css"):
        assert f"templater/preview/static/{asset}" in names
    page = archive.read("templater/preview/static/index.html").decode()
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from elsewhere
    [meta] = [n for n in names if n.endswith(".dist-info/METADATA")]
    requires = [line for line in archive.read(meta).decode().splitlines() if line.startswith("Requires-Dist:")]
    for name in ("starlette", "uvicorn"):
        assert all('extra == "preview"' in r or "extra == 'preview'" in r or 'extra == "test"' in r
                   for r in requires if name in r)
        assert any(name in r and "preview" in r for r in requires)


def test_the_engines_stay_optional(wheel):
    """`pip install templater` pulls neither Dask, pandas nor pyarrow: they come with templater[dask]."""
    archive = zipfile.ZipFile(wheel)
    assert "templater/engines/core.py" in archive.namelist()
    [meta] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    requires = [line for line in archive.read(meta).decode().splitlines() if line.startswith("Requires-Dist:")]
    for name in ("dask", "distributed", "pandas", "pyarrow", "pyspark"):
        held = [r for r in requires if r.split(":", 1)[1].strip().lower().startswith(name)]
        assert all("extra ==" in r for r in held), held
    assert any(r.split(":", 1)[1].strip().startswith("dask") and "dask" in r.split(";")[-1] for r in requires)
