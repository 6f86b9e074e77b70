"""Hostile recipient rows, round two (issue 20): one bad row is a reject with its line; the run goes on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli, template_source

SEND_AT = "2025-05-06T16:00:00Z"
BODY = "Acme: Hi {{ name }}, your order shipped."


def _batch(tmp_path: Path, write, rows: str, name: str, *args: str, body: str = BODY, **meta):
    template = write("t.sms", template_source(body, variables={"name": {"example": "Ana"}}, **meta))
    people = write(name, rows)
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(out),
                     "--send-at", SEND_AT, *args)
    assert result.exit_code == 0, result.output
    sent = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    rejects = {r["line"]: r for r in map(json.loads, (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines())}
    return sent, rejects


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_numbers_of_16_to_19_digits_are_sent_and_deduplicated(jobs: str, tmp_path: Path, write) -> None:
    rows = ("phone,name,consent,consent_scope\n+498912345678901,Ana,express,t\n+49 89 123456789012,Ben,express,t\n"
            "+12125550123,Cy,express,t\n+4989123456789012,Di,express,t\n" + "+12125550124,Ed,express,t\n" * 40)
    sent, rejects = _batch(tmp_path, write, rows, "people.csv", "--jobs", jobs, "--chunk-size", "3",
                           category="transactional")
    # The German numbers are valid (not invalid-phone) but in no market templater knows (issue 21).
    assert [m["phone"] for m in sent] == ["+12125550123", "+12125550124"]
    assert {line: rejects[line]["reason"] for line in (2, 3)} == dict.fromkeys((2, 3), "wrong-market")
    assert rejects[3]["phone"] == "+4989123456789012"
    assert rejects[5]["reason"] == "duplicate" and rejects[5]["detail"] == "+4989123456789012 already had a row on line 3"
    assert sum(r["reason"] == "duplicate" for r in rejects.values()) == 40


def test_a_jsonl_row_nested_a_thousand_deep_is_a_reject(tmp_path: Path, write) -> None:
    deep = json.dumps({"phone": "+12125550123", "consent": "express", "consent_scope": "t", "name": "x"})[:-1] + ', "x": ' + \
        "[" * 1000 + "]" * 1000 + "}"
    rows = deep + "\n" + json.dumps({"phone": "+12125550124", "consent": "express", "consent_scope": "t", "name": "Bo"}) + "\n"
    sent, rejects = _batch(tmp_path, write, rows, "people.jsonl", category="transactional")
    assert [m["line"] for m in sent] == [2]
    assert rejects[1]["reason"] == "malformed-row" and "nested too deeply" in rejects[1]["detail"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(value: str, tmp_path: Path, write) -> None:
    rows = '{"phone": "+12125550123", "consent": "express", "consent_scope": "t", "name": %s}\n' % value
    sent, rejects = _batch(tmp_path, write, rows, "people.jsonl", category="transactional")
    assert not sent and rejects[1]["reason"] == "malformed-row" and value.lstrip("-") in rejects[1]["detail"]


@pytest.mark.parametrize("value", ['["a", "b"]', '{"a": 1}'])
def test_lists_and_mappings_are_never_sent_as_python(value: str, tmp_path: Path, write) -> None:
    rows = ('{"phone": "+12125550123", "consent": "express", "consent_scope": "t", "name": %s}\n' % value
            + '{"phone": "+12125550124", "consent": "express", "consent_scope": "t", "name": "Bo"}\n')
    sent, rejects = _batch(tmp_path, write, rows, "people.jsonl", category="transactional")
    assert [m["text"] for m in sent] == ["Acme: Hi Bo, your order shipped."]
    assert rejects[1]["reason"] == "render-error" and "printed in a message" in rejects[1]["detail"]
