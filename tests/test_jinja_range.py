"""The Jinja2 running the tests lies in the range pyproject.toml pins, and CI tests both of its ends."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import jinja2
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _pin() -> Requirement:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return next(Requirement(d) for d in deps if Requirement(d).name == "jinja2")


def test_the_running_jinja2_is_in_the_pinned_range():
    pin = _pin()
    assert Version(jinja2.__version__) in pin.specifier, (jinja2.__version__, str(pin))
    # Both ends are bounded: a lowest release the sandbox was tested with, and no next minor release
    # (whose code generator and parser the sandbox and the plain-body parser would have to be checked on).
    assert {s.operator for s in pin.specifier} == {">=", "<"}


def test_ci_tests_the_low_end_of_the_range():
    script = (ROOT / ".ci" / "jinja-range").read_text(encoding="utf-8")
    assert ".ci/jinja-range" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for name in re.findall(r"tests/(test_\w+\.py)", script):
        assert (ROOT / "tests" / name).is_file(), name
