"""Hostile recipient rows, round two (issue 20): one bad row is a reject with its line; the run goes on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

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


# Item 13: a suppression entry that parses to an invalid number stops the run, with file and line.
@pytest.mark.parametrize("entry, words", [
    ("0033 6 12 34 56 78", "reads as +10033612345678, which is not a valid number for region US"),
    ("+1 212 555 01077", "reads as +121255501077, which is not a valid number"),
])
def test_an_invalid_suppression_entry_stops_the_run(entry: str, words: str, tmp_path: Path, write) -> None:
    template = write("t.sms", template_source(BODY, variables={"name": {"example": "Ana"}}))
    people = write("people.csv", "phone,name,consent,consent_scope\n+33612345678,Ana,express,t\n")
    stop = write("stop.txt", f"+12125550100\n{entry}\n")
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "o.jsonl"),
                     "--suppress", str(stop), "--default-region", "US", "--send-at", SEND_AT)
    assert result.exit_code == 2 and result.stderr.startswith(f"templater: error: {stop}:2: suppression entry")
    assert words in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_valid_suppression_entries_in_any_format_still_suppress(tmp_path: Path, write) -> None:
    template = write("t.sms", template_source(BODY, variables={"name": {"example": "Ana"}}))
    people = write("people.csv", "phone,name,consent,consent_scope\n+33612345678,Ana,express,t\n"
                                 "+12125550100,Bo,express,t\n+12125550101,Cy,express,t\n")
    stop = write("stop.txt", "phone\n+33 6 12 34 56 78\n(212) 555-0100 # STOP on May 2\n")
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "o.jsonl"),
                     "--suppress", str(stop), "--default-region", "US", "--send-at", SEND_AT)
    assert result.exit_code == 0, result.output
    sent = [json.loads(x)["phone"] for x in (tmp_path / "o.jsonl").read_text().splitlines()]
    assert sent == ["+12125550101"]


# Item 15: a file-level disable covers the template's own text, never what a value brings.
SUPPRESSED = ("{# templater: disable=mixed-content #}Acme: your order shipped, enjoy 10% off your next one. "
              "{{ note }}")


def test_a_file_level_disable_does_not_silence_values_at_send_time(tmp_path: Path, write) -> None:
    template = write("t.sms", template_source(SUPPRESSED, variables={"note": {"example": "Thanks"}}))
    people = write("people.csv", "phone,note,consent,consent_scope\n"
                                 "+12125550123,Use code SAVE20 for 20% off!,express,t\n"
                                 "+12125550124,Thanks,express,t\n+12125550125,Enjoy 10% off your next one,express,t\n")
    out = tmp_path / "o.jsonl"
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(out), "--send-at", SEND_AT)
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["line"] for x in out.read_text().splitlines()] == [3, 4]  # the template's own words pass
    [reject] = [json.loads(x) for x in (tmp_path / "o.rejects.jsonl").read_text().splitlines()]
    assert (reject["line"], reject["reason"], reject["rule"]) == (2, "lint-error", "mixed-content")
    one = run_cli("render", str(template), "--var", "note=Use code SAVE20 for 20% off!")
    assert one.exit_code == 1 and "mixed-content" in one.stderr and "SAVE20" in one.stderr
    assert run_cli("render", str(template), "--var", "note=Thanks").exit_code == 0


# Item 21: an area code over two time zones gets the stricter window of both.
SPLIT = {"850": ("America/Chicago", "2025-05-06T12:30:00Z", "07:30"),     # 8:30 Tallahassee, 7:30 Pensacola
         "270": ("America/Chicago", "2025-05-06T12:30:00Z", "07:30"),
         "812": ("America/Chicago", "2025-05-06T12:30:00Z", "07:30"),
         "906": ("America/Menominee", "2025-05-06T12:30:00Z", "07:30"),
         "931": ("America/New_York", "2025-05-07T01:30:00Z", "21:30"),    # 20:30 Cookeville, 21:30 Eastern
         "212": ("", "2025-05-06T12:30:00Z", ""),                          # one zone: 8:30 New York, sent
         "785": ("America/Denver", "2025-05-06T13:30:00Z", "07:30"),      # 8:30 Topeka, 7:30 Goodland
         "308": ("America/Denver", "2025-05-06T13:30:00Z", "07:30"),
         "541": ("America/Boise", "2025-05-07T03:30:00Z", "21:30")}       # 20:30 Bend, 21:30 Ontario


@pytest.mark.parametrize("area", sorted(SPLIT))
def test_split_area_codes_get_the_stricter_window(area: str, tmp_path: Path, write) -> None:
    other, send_at, local = SPLIT[area]
    rows = ("phone,first_name,consent,consent_at\n"
            f"+1{area}5550123,Ana,express_written,2025-01-02\n+1{area}5550124,Bo,express_written,2025-01-02\n")
    people = write("people.csv", rows)
    out = tmp_path / "o.jsonl"
    result = run_cli("render", "retail.discount.en", "--recipients", str(people), "--out", str(out),
                     "--send-at", send_at, "--var", "brand=Acme", "--var", "percent=20", "--var",
                     "products=jackets", "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/s")
    assert result.exit_code == 0, result.output
    sent = out.read_text().splitlines()
    rejects = [json.loads(x) for x in (tmp_path / "o.rejects.jsonl").read_text().splitlines()]
    if area == "212":  # a near miss: one zone, inside the window
        assert len(sent) == 2 and not rejects
        return
    assert not sent and [r["reason"] for r in rejects] == ["quiet-hours", "quiet-hours"]
    assert rejects[0]["detail"] == f"{local} is outside 08:00-21:00 in {other}"


def test_split_area_codes_are_data_with_their_source() -> None:
    from templater.render import split_area_codes

    assert sorted(split_area_codes.SPLIT_AREA_CODES) == sorted(set(SPLIT) - {"212"})
    assert "49 CFR Part 71" in split_area_codes.__doc__ and "nationalnanpa.com" in split_area_codes.__doc__
    assert all(len(zones) == 2 and where for zones, where in split_area_codes.SPLIT_AREA_CODES.values())


# Item 14: consent cannot be borrowed by declaring another template's use case.
BORROWER = ("---\nid: acme.appointment-reminder\ncategory: transactional\nlanguage: en\nindustry: retail\n"
            "use_case: order-shipped\nvariables:\n  name: {example: Ana}\n---\nAcme: Hi {{ name }}, your "
            "appointment is tomorrow at 3pm.\n")


def test_a_template_cannot_borrow_a_library_use_case(tmp_path: Path, write) -> None:
    template = write("t.sms", BORROWER)
    code, findings = lint_json(str(template))
    [found] = [f for f in findings if f["rule"] == "borrowed-use-case"]
    assert code == 1 and found["severity"] == "error" and found["line"] == 6
    assert "retail.order-shipped" in found["message"] and "acme.appointment-reminder" in found["message"]
    people = write("people.csv", "phone,name,consent,consent_scope\n+12125550123,Ana,express,retail.order-shipped\n")
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "o.jsonl"),
                     "--send-at", SEND_AT)
    # refused before any row, as lint refuses it (exit 1: the template has error-level findings)
    assert result.exit_code == 1 and "borrowed-use-case" in result.stderr and f"{template}:6" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_a_template_under_the_use_case_may_name_it(tmp_path: Path, write) -> None:
    template = write("t.sms", BORROWER.replace("id: acme.appointment-reminder", "id: order-shipped.acme")
                     .replace("appointment is tomorrow at 3pm", "order has shipped"))
    assert not [f for f in lint_json(str(template))[1] if f["rule"] == "borrowed-use-case"]
    people = write("people.csv", "phone,name,consent,consent_scope\n+12125550123,Ana,express,retail.order-shipped\n")
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "o.jsonl"),
                     "--send-at", SEND_AT)
    assert result.exit_code == 0 and len((tmp_path / "o.jsonl").read_text().splitlines()) == 1


def test_a_lone_carriage_return_in_a_rejected_row_keeps_the_csv_rejects_file_whole(tmp_path: Path, write) -> None:
    # Found by fuzz/fuzz_rows.py: a row that is not UTF-8 and holds a lone CR is rejected with its
    # raw text, and csv.writer (Python < 3.12) wrote that CR unquoted, so every reader saw two rows.
    template = write("t.sms", template_source(BODY, category="transactional",
                                              variables={"name": {"example": "Ana"}}))
    people = write("people.csv", b"phone,name,consent,consent_scope\nN\xe1m\x00\rm\n+12125550123,Bo,express,t\n")
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(out),
                     "--rejects", str(rejects), "--send-at", SEND_AT)
    assert result.exit_code == 0, result.output
    import csv
    with rejects.open(encoding="utf-8", newline="") as f:
        refused = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in refused] == [("2", "undecodable")]
    assert refused[0]["raw"].endswith("\rm")
    with out.open(encoding="utf-8", newline="") as f:
        assert [r["line"] for r in csv.DictReader(f)] == ["3"]
