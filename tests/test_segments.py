"""Encoding and segment counts against Twilio's calculator, and the `templater segments` command."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from templater.encoding import analyze
from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "tools" / "twilio_segments.js"
FIXTURE = json.loads((Path(__file__).parent / "data" / "segments" / "twilio.json").read_text(encoding="utf-8"))
CASES = FIXTURE["texts"]
FIELDS = ("encoding", "segments", "characters", "units")


def ours(text: str) -> dict:
    """templater's figures in the shape the Twilio script writes."""
    facts = analyze(text)
    return {"encoding": facts.encoding, "segments": facts.segments, "characters": facts.characters,
            "units": facts.units, "non_gsm": [c.char for c in facts.non_gsm]}


def theirs(case: dict) -> dict:
    return {key: case[key] for key in (*FIELDS, "non_gsm")}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_analyze_agrees_with_twilio_fixture(case: dict) -> None:
    assert ours(case["text"]) == theirs(case)


def test_segments_json_agrees_with_twilio_fixture() -> None:
    result = run_cli("segments", "--format", "json", *[c["text"] for c in CASES])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out) == len(CASES)
    for case, item in zip(CASES, out):
        assert {k: item[k] for k in FIELDS} == {k: case[k] for k in FIELDS}, case["name"]
        assert [c["char"] for c in item["non_gsm"]] == case["non_gsm"], case["name"]


def _node_figures(texts: list[str] | None, tmp_path: Path) -> list[dict] | None:
    """Twilio's figures computed live, or None when node or the npm package is not installed."""
    node = shutil.which("node")
    if node is None:
        return None
    args = [node, str(SCRIPT)]
    if texts is not None:
        path = tmp_path / "texts.json"
        path.write_text(json.dumps(texts), encoding="utf-8")
        args.append(str(path))
    proc = subprocess.run(args, capture_output=True, text=True, encoding="utf-8")
    if proc.returncode != 0:
        if "Cannot find module" in proc.stderr:
            return None
        raise AssertionError(proc.stderr)
    return json.loads(proc.stdout)["texts"]


def _random_texts(count: int) -> list[str]:
    """Seeded mixes of GSM, extension, accented, emoji and CRLF text around the segment limits."""
    rng = random.Random(20240611)
    pool = (list("abc XYZ.,!?019@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓ") + list("^{}\\[~]|€") * 3
            + ["ê", "ç", "’", "“", "\u00a0", "…", "😀", "👍🏽", "🇫🇷", "👨\u200d👩\u200d👧", "e\u0301",
               "\r\n", "❤️", "您", "\t", "`", "한", "1️⃣"])
    texts = []
    for _ in range(count):
        size = rng.choice([rng.randint(0, 40), rng.randint(60, 80), rng.randint(130, 170), rng.randint(290, 470)])
        chars = pool[:40] if rng.random() < 0.5 else pool
        texts.append("".join(rng.choice(chars) if rng.random() < 0.3 else "a" for _ in range(size)))
    return texts


def test_analyze_agrees_with_twilio_live(tmp_path: Path) -> None:
    """The fixture's texts and 500 seeded random texts, with the calculator run now (when installed)."""
    live = _node_figures(None, tmp_path)
    if live is None:
        pytest.skip("node or sms-segments-calculator missing: npm install --prefix benchmarks/tools")
    randoms = _node_figures(_random_texts(500), tmp_path) or []
    disagree = [(c["text"], ours(c["text"]), theirs(c)) for c in live + randoms if ours(c["text"]) != theirs(c)]
    assert not disagree, disagree[:3]


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
