"""Bulk rendering as a file job: malformed rows, accounting, atomic outputs, --jobs order, the Python API."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import timezone as pn_timezone
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from conftest import run_cli
from templater import api, render_batch
from templater.encoding import analyze
from templater.library import find
from templater.linter import Linter
from templater.render.phones import Phones
from templater.render.recheck import MessageCheck
from templater.render.rows import encoding_of

DATA = Path(__file__).parent / "data" / "recipients"
SEND_AT = "2025-05-06T16:00:00Z"
VALUES = {"brand": "Acme", "percent": "20", "products": "spring jackets", "end_date": "May 12",
          "shop_url": "https://acme.example/spring"}
DISCOUNT = [a for k, v in VALUES.items() for a in ("--var", f"{k}={v}")]


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()]


def test_malformed_csv_rows_are_rejects_with_line_numbers(tmp_path):
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "malformed.csv"), *DISCOUNT,
                     "--out", str(tmp_path / "out.jsonl"), "--send-at", SEND_AT)
    assert result.exit_code == 0
    sent = {m["line"]: m["text"] for m in lines(tmp_path / "out.jsonl")}
    rejects = {r["line"]: r for r in lines(tmp_path / "out.rejects.jsonl")}
    assert sorted(sent) == [2, 7, 10]  # line 7's quoted name spans two lines; line 6 is blank
    assert "Hi Multi\nline," in sent[7]
    assert {n: r["reason"] for n, r in rejects.items()} == {3: "malformed-row", 4: "malformed-row",
                                                             5: "undecodable", 9: "malformed-row"}
    assert rejects[3]["detail"].startswith("bad CSV quoting")
    assert rejects[4]["detail"] == "3 fields where the header has 4"
    assert rejects[5]["raw"] == "+12125550403,D\\xe9e,express_written," and rejects[5]["row"] is None
    assert "never closed" in rejects[9]["detail"]
    assert "input              7" in result.stdout


def test_malformed_json_lines_are_rejects(tmp_path):
    out = tmp_path / "out.jsonl"
    summary = render_batch("retail.discount.en", str(DATA / "malformed.jsonl"), str(out), values=VALUES,
                           send_at=SEND_AT, jobs=1)
    assert summary.to_dict()["reasons"] == {"malformed-row": 2, "missing-phone": 1, "undecodable": 1}
    rejects = {r["line"]: r["detail"] for r in lines(tmp_path / "out.rejects.jsonl")}
    assert rejects[2].startswith("not valid JSON") and rejects[3].startswith("a JSON Lines row must be an object")
    assert [m["line"] for m in lines(out)] == [1]


def test_a_header_without_phone_is_an_input_error_and_leaves_no_file(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "no-phone-column.csv"),
                     "--out", str(out))
    assert result.exit_code == 2
    assert f"{DATA / 'no-phone-column.csv'}:1: no phone column in the header" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_recipients_extension_needs_the_format_option(tmp_path, write):
    path = write("people.txt", (DATA / "conversational.jsonl").read_text("utf-8"))
    out = str(tmp_path / "out.jsonl")
    result = run_cli("render", "retail.order-status-reply.en", "--recipients", str(path), "--out", out)
    assert result.exit_code == 2 and "--recipients-format" in result.stderr
    result = run_cli("render", "retail.order-status-reply.en", "--recipients", str(path), "--out", out,
                     "--recipients-format", "jsonl", "--var", "brand=Acme", "--send-at", SEND_AT)
    assert result.exit_code == 0 and "input              9" in result.stdout  # the blank line is no row


def test_an_interrupted_run_leaves_no_output_that_looks_finished(tmp_path):
    def interrupt(done: int, total: int | None) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_batch("retail.discount.en", str(DATA / "many.csv"), str(tmp_path / "out.jsonl"), values=VALUES,
                     send_at=SEND_AT, jobs=1, chunk_size=100, progress=interrupt)
    assert list(tmp_path.iterdir()) == []  # neither the outputs nor their partial temporary files


def run_many(tmp_path: Path, jobs: str) -> tuple[str, str, str]:
    out = tmp_path / f"jobs{jobs}.jsonl"
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "many.csv"), *DISCOUNT,
                     "--out", str(out), "--send-at", SEND_AT, "--jobs", jobs, "--chunk-size", "64")
    assert result.exit_code == 0, result.output
    rejects = out.with_name(f"jobs{jobs}.rejects.jsonl")
    return out.read_text("utf-8"), rejects.read_text("utf-8"), result.stdout


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_more_jobs_write_the_same_files_in_input_order_as_jobs_1(tmp_path, jobs):
    one = run_many(tmp_path, "1")
    many = run_many(tmp_path, jobs)
    assert one[0] == many[0] and one[1] == many[1]
    assert one[2].replace("jobs1", f"jobs{jobs}") == many[2]


def test_every_row_ends_in_exactly_one_file_and_the_summary_adds_up(tmp_path):
    out, rejects, summary = run_many(tmp_path, "2")
    sent = [json.loads(x)["line"] for x in out.splitlines()]
    refused = [json.loads(x) for x in rejects.splitlines()]
    with (DATA / "many.csv").open(encoding="utf-8") as f:
        rows = sum(1 for _ in csv.reader(f)) - 1
    assert sorted(sent + [r["line"] for r in refused]) == list(range(2, rows + 2))
    assert sent == sorted(sent)  # input order
    counts: dict[str, int] = {}
    for r in refused:
        counts[r["reason"]] = counts.get(r["reason"], 0) + 1
    text = summary.splitlines()
    assert text[0].split() == ["input", f"{rows:,}"]
    assert text[1].split()[:2] == ["rendered", f"{len(sent):,}"]
    assert text[2].split()[:2] == ["rejected", f"{len(refused):,}"]
    shown = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in text[3:]
             if line.startswith("  ") and not line.startswith("    ")}
    assert shown == counts and sum(shown.values()) == len(refused)
    assert {"duplicate", "invalid-phone", "missing-phone", "quiet-hours", "no-consent", "lint-error",
            "opted-out"} <= set(counts)


def test_python_api(tmp_path):
    summary = render_batch("retail.discount.en", str(DATA / "promotional.csv"), str(tmp_path / "m.jsonl"),
                           str(tmp_path / "r.jsonl"), values=VALUES, send_at=SEND_AT, default_region="US",
                           suppress=["+1 212 555 0106"], quiet_hours="us-fl", jobs=1)
    data = summary.to_dict()
    assert data["input"] == 17 and data["rendered"] + data["rejected"] == 17
    assert data["reasons"]["suppressed"] == 1 and data["lint_rules"] == {"placeholder-leftover": 1,
                                                                           "url-shortener": 1}
    assert len(lines(tmp_path / "m.jsonl")) == data["rendered"]


def test_phone_prefix_cache_agrees_with_phonenumbers():
    """Validity, E.164 and zones through the prefix cache are phonenumbers' own, number by number."""
    rng = random.Random(5)
    phones = Phones()
    codes = list(COUNTRY_CODE_TO_REGION_CODE) + [1] * 40 + [33, 44, 7, 52, 54] * 8
    checked = 0
    for _ in range(2500):
        raw = f"+{rng.choice(codes)}{rng.randint(1, 9)}" + "".join(rng.choice("0123456789")
                                                                    for _ in range(rng.randint(5, 11)))
        try:
            number = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException:
            continue
        valid = phonenumbers.is_valid_number(number)
        e164, _ = phones.normalize(raw)
        assert (e164 is not None) == valid, raw
        if valid:
            checked += 1
            assert e164 == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            expected = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
            assert phones.zones(e164) == expected, raw
    assert checked > 150


@pytest.mark.parametrize("template", ["retail.discount.en", "retail.order-shipped.en",
                                      "retail.order-status-reply.fr", "restaurant.lunch-special.fr"])
def test_the_lint_pre_test_never_skips_an_error(template):
    """MessageCheck gives exactly lint_message's error findings, on real messages and rule examples."""
    tpl = find(template)
    linter = Linter(api.ruleset())
    check = MessageCheck(linter, tpl)
    corpus = Path(__file__).parent.parent / "benchmarks" / "corpus" / "messages.jsonl"
    texts = [json.loads(x)["text"] for x in corpus.read_text("utf-8").splitlines() if x.strip()]
    for rule in api.ruleset().rules.values():
        texts += [e.body for e in rule.fail + rule.passes if e.source is None]
    texts += ["Acme: Hi Ana, 20% off at bit.ly/x. Reply STOP to opt out", "Hi [Name], ſex toys. Reply STOP to end",
              # only some of a pattern's start literals in the text: the others are not searched
              "Acme: this is it. Hello , 20% off. Reply STOP to opt out", "Acme: Hi, chère , %NAME%. STOP SMS"]
    for text in texts:
        expected = [f for f in linter.lint_message(tpl, text) if f.severity.name == "ERROR"]
        assert check.errors(text) == expected, text


def test_encoding_fast_path_agrees_with_analyze():
    for text in ["", "Hi", "a" * 160, "a" * 161, "b" * 306, "b" * 307, "Price: 10€", "Zoé", "x{y}" * 50,
                 "Line\nbreak", "😀" * 3]:
        fast, full = encoding_of(text), analyze(text)
        assert (fast.encoding, fast.characters, fast.segments) == (full.encoding, full.characters, full.segments)


def test_a_missing_rejects_folder_leaves_no_partial_output(tmp_path):
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"), *DISCOUNT,
                     "--out", str(tmp_path / "out.jsonl"), "--rejects", str(tmp_path / "nowhere" / "r.jsonl"))
    assert result.exit_code == 2 and "the folder for this output does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_template_without_category_cannot_be_bulk_rendered(tmp_path, write):
    template = write("t.sms", "---\nid: t\nlanguage: en\n---\nHi {{ name }}\n")
    result = run_cli("render", str(template), "--recipients", str(DATA / "conversational.jsonl"),
                     "--out", str(tmp_path / "out.jsonl"))
    # Refused as lint refuses it (issue 14): exit 1 with the lint finding, before any row is read.
    assert result.exit_code == 1 and "error missing-category" in result.stderr


def test_encoding_fast_paths_agree_with_analyze_on_any_text():
    """encoding_of skips analyze's walk where the counts follow from the length: same counts."""
    import random
    rng = random.Random(11)
    alphabet = (list("abc ,.\n\r") + ["é", "ê", "ç", "à", "’", "…", "«", "€", "[", "^", "{", "~", "\u00a0",
                "\u0301", "\u200d", "\ufe0f", "😀", "👍", "\U0001f3fd", "🇫", "🇷", "한", "\u1100", "\u1161",
                "✅", "\u2028", "\u0085", "\ud800", "ſ"])
    simple = [ch for ch in alphabet if ch not in "\u0301\u200d\ufe0f😀👍\U0001f3fd🇫🇷한\u1100\u1161"]
    for _ in range(20000):
        letters = rng.choice([alphabet, simple, simple[:12], list("abc ,.[€")])  # UCS-2, GSM-7 with extensions
        text = "".join(rng.choice(letters) for _ in range(rng.choice([0, 1, 5, 69, 70, 71, 150, 160, 161, 200, 400])))
        fast, full = encoding_of(text), analyze(text)
        assert (fast.encoding, fast.characters, fast.units, fast.segments) == \
            (full.encoding, full.characters, full.units, full.segments), repr(text)
    french = "Bonjour Chloé, profitez de -20 % jusqu’au dimanche. Êtes-vous prête ? " * 3
    assert encoding_of(french).segments == analyze(french).segments == 4


def test_a_lone_surrogate_escape_rejects_its_row_with_any_number_of_jobs(tmp_path):
    """A JSON Lines value may escape half of a UTF-16 pair ("\\ud800"), which no output can encode:
    that row is a malformed-row reject, the others render, with jobs 1 as with a worker."""
    recipients = tmp_path / "r.jsonl"
    rows = [{"phone": f"+1212555{100 + i:04d}", "first_name": "\\ud800" if i == 2 else f"N{i}",
             "consent": "express_written"} for i in range(40)]
    rows[5]["first_name"] = "\\ud83d\\ude00"  # a whole pair is one character (an emoji): fine
    recipients.write_text("".join(json.dumps(r).replace("\\\\", "\\") + "\n" for r in rows), encoding="utf-8")
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        summary = render_batch("retail.discount.en", str(recipients), str(out), values=VALUES,
                               send_at=SEND_AT, jobs=jobs, chunk_size=5)  # row 2's chunk goes to the worker
        assert (summary.input, summary.rendered, dict(summary.reasons)) == (40, 39, {"malformed-row": 1})
        (reject,) = [json.loads(x) for x in out.with_name(f"out{jobs}.rejects.jsonl").read_text("utf-8").splitlines()]
        assert reject["line"] == 3 and "half of a UTF-16 pair" in reject["detail"]
        assert reject["raw"] == json.dumps(rows[2]).replace("\\\\", "\\")
        assert "\U0001f600" in out.read_text("utf-8")
        outputs.append(out.read_text("utf-8"))
    assert outputs[0] == outputs[1]
