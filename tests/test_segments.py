"""Encoding and segment counts against Twilio's calculator, and the `templater segments` command."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import run_cli

TOOLS = Path(__file__).resolve().parent.parent / "benchmarks" / "tools"


def _load_tool():
    """benchmarks/tools/compare_segments.py, loaded from its path (benchmarks is not a package)."""
    spec = importlib.util.spec_from_file_location("compare_segments", TOOLS / "compare_segments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _load_tool()
FIXTURE = json.loads((Path(__file__).parent / "data" / "segments" / "twilio.json").read_text(encoding="utf-8"))
CASES = FIXTURE["texts"]
FIELDS = ("encoding", "segments", "characters", "units")


def theirs(case: dict) -> dict:
    return {key: case[key] for key in (*FIELDS, "non_gsm")}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_analyze_agrees_with_twilio_fixture(case: dict) -> None:
    assert TOOL.figures(case["text"]) == theirs(case)


def test_segments_json_agrees_with_twilio_fixture() -> None:
    result = run_cli("segments", "--format", "json", *[c["text"] for c in CASES])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out) == len(CASES)
    for case, item in zip(CASES, out):
        assert {k: item[k] for k in FIELDS} == {k: case[k] for k in FIELDS}, case["name"]
        assert [c["char"] for c in item["non_gsm"]] == case["non_gsm"], case["name"]


def test_analyze_agrees_with_twilio_live() -> None:
    """The fixture's texts and 500 seeded random texts, with the calculator run now (when installed)."""
    live = TOOL.twilio(None)
    if live is None:
        pytest.skip("node or sms-segments-calculator missing: npm install --prefix benchmarks/tools")
    randoms = TOOL.twilio(TOOL.random_texts(500, 20240611)) or []
    assert len(live) == len(CASES) and len(randoms) == 500
    assert not TOOL.disagreements(live + randoms)


def test_stdin_keeps_crlf_and_drops_the_final_newline() -> None:
    result = run_cli("segments", "--format", "json", "-", input="Line one\r\nLine two\n")
    assert json.loads(result.stdout)[0]["characters"] == len("Line one\r\nLine two")


def test_stdin_read_once_for_each_dash() -> None:
    result = run_cli("segments", "--format", "json", "-", "-", input="caf\u00e9 \u2019\n")
    out = json.loads(result.stdout)
    assert len(out) == 2 and out[0] == out[1] and out[0]["encoding"] == "UCS-2"


def test_text_output_lists_what_forces_ucs2() -> None:
    result = run_cli("segments", "Don\u2019t miss\nthe \U0001F600 sale")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "UCS-2: 21 characters (22 UTF-16 code units), 1 segment"
    assert "\u2019 U+2019 at 1:4: GSM-7 look-alike: \"'\"" in lines[1]
    assert "U+1F600 at 2:5: no GSM-7 look-alike" in lines[2]


def test_text_output_shows_the_gsm_alternative() -> None:
    result = run_cli("segments", "R\u00e9servation confirm\u00e9e \u00e0 l\u2019h\u00f4tel")
    assert result.stdout.splitlines()[-1] == "  with the look-alikes: GSM-7, 31 characters, 1 segment"


def test_several_texts_are_numbered() -> None:
    result = run_cli("segments", "Hello", "10\u20ac")
    assert result.stdout.splitlines() == ["1: GSM-7: 5 characters, 1 segment", "2: GSM-7: 4 characters, 1 segment"]


def test_no_text_is_a_usage_error() -> None:
    result = run_cli("segments")
    assert result.exit_code == 2
    assert "give one or more texts" in result.output


def test_stdin_that_is_not_utf8_is_one_line_and_exit_2() -> None:
    result = run_cli("segments", "-", input=b"\xff\xfe\x00")  # type: ignore[arg-type]
    assert result.exit_code == 2
    assert result.stderr.strip() == "templater: error: -: byte 0: standard input is not UTF-8 text"
