"""templater render --recipients: each gate, each reject reason and each format, on files under tests/data."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from conftest import run_cli

DATA = Path(__file__).parent / "data" / "recipients"
SEND_AT = "2025-05-06T16:00:00Z"  # a Tuesday: noon in New York, 6 am in Honolulu, 6 pm in Paris
DISCOUNT = ["--var", "brand=Acme", "--var", "percent=20", "--var", "products=spring jackets",
            "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/spring"]


def batch(tmp_path: Path, template: str, recipients: str, *args: str, out: str = "out.jsonl"):
    """Run a batch into tmp_path; returns (result, messages by line, rejects by line)."""
    out_path = tmp_path / out
    result = run_cli("render", template, "--recipients", str(DATA / recipients), "--out", str(out_path),
                     "--send-at", SEND_AT, "--jobs", "1", *args)
    assert result.exit_code == 0, result.output
    rejects_path = out_path.with_name(out_path.stem + ".rejects" + out_path.suffix)
    if out_path.suffix == ".csv":
        messages = {int(r["line"]): r for r in csv.DictReader(out_path.open(encoding="utf-8"))}
        rejects = {int(r["line"]): r for r in csv.DictReader(rejects_path.open(encoding="utf-8"))}
    else:
        messages = {m["line"]: m for m in map(json.loads, out_path.read_text("utf-8").splitlines())}
        rejects = {r["line"]: r for r in map(json.loads, rejects_path.read_text("utf-8").splitlines())}
    return result, messages, rejects


def reasons(rejects: dict) -> dict[int, str]:
    return {line: r["reason"] for line, r in rejects.items()}


def test_promotional_gates_and_reasons(tmp_path):
    result, messages, rejects = batch(tmp_path, "retail.discount.en", "promotional.csv", *DISCOUNT,
                                      "--suppress", str(DATA / "suppress.txt"), "--default-region", "US")
    assert sorted(messages) == [2, 12, 17, 18]
    assert reasons(rejects) == {
        3: "no-consent", 4: "no-consent", 5: "bad-field", 6: "bad-field", 7: "opted-out", 8: "suppressed",
        9: "duplicate", 10: "missing-phone", 11: "invalid-phone", 13: "bad-timezone", 14: "quiet-hours",
        15: "lint-error", 16: "lint-error"}
    assert rejects[3]["detail"] == "consent is express; promotional messages need express_written"
    assert "consent 'yes' is not one of" in rejects[5]["detail"]
    assert "consent_at 'last tuesday'" in rejects[6]["detail"]
    assert rejects[9]["detail"] == "+12125550100 already had a row on line 2"
    assert "06:00 is outside 08:00-21:00 in Pacific/Honolulu" in rejects[14]["detail"]
    assert (rejects[15]["rule"], rejects[16]["rule"]) == ("url-shortener", "placeholder-leftover")
    # National format read with --default-region, written as E.164.
    assert messages[12]["phone"] == "+12125550107"
    assert "Summary" not in result.stdout and "input             17" in result.stdout
    assert "rendered           4" in result.stdout and "rejected          13" in result.stdout


def test_output_fields_and_encodings(tmp_path):
    _, messages, _ = batch(tmp_path, "retail.discount.en", "promotional.csv", *DISCOUNT, "--default-region", "US")
    ana = messages[2]
    assert list(ana) == ["phone", "text", "template_id", "category", "encoding", "segments", "characters", "line"]
    assert ana["text"].startswith("Acme: Hi Ana, take 20% off spring jackets until May 12.")
    assert (ana["template_id"], ana["category"], ana["encoding"], ana["segments"]) == \
        ("retail.discount.en", "promotional", "GSM-7", 2)
    assert ana["characters"] == len(ana["text"])
    # A value outside GSM-7 switches the message to UCS-2: fewer characters per segment.
    zoe = messages[18]
    assert zoe["encoding"] == "UCS-2" and zoe["segments"] == 3 and "Zoé 🎉" in zoe["text"]


def test_rejects_keep_the_original_row(tmp_path):
    _, _, rejects = batch(tmp_path, "retail.discount.en", "promotional.csv", *DISCOUNT)
    kim = rejects[15]
    assert kim["raw"] == "+12125550110,Kim,express_written,,,,shoes at bit.ly/deal"
    assert kim["row"]["products"] == "shoes at bit.ly/deal" and kim["phone"] == "+12125550110"
    assert rejects[10]["phone"] is None and rejects[10]["row"]["first_name"] == "Nobody"


def test_csv_output_and_rejects(tmp_path):
    _, messages, rejects = batch(tmp_path, "retail.discount.en", "promotional.csv", *DISCOUNT,
                                 "--default-region", "US", out="out.csv")
    header = (tmp_path / "out.csv").read_text("utf-8").splitlines()[0]
    assert header == "phone,text,template_id,category,encoding,segments,characters,line"
    assert messages[2]["phone"] == "+12125550100" and messages[2]["segments"] == "2"
    assert "\n" in messages[2]["text"]  # the two-line body survives CSV quoting
    assert rejects[15]["reason"] == "lint-error" and rejects[15]["rule"] == "url-shortener"
    assert rejects[15]["raw"].endswith("shoes at bit.ly/deal")


def test_format_option_overrides_the_extension(tmp_path):
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"), *DISCOUNT,
                     "--out", str(tmp_path / "out.txt"), "--format", "csv", "--send-at", SEND_AT)
    assert result.exit_code == 0
    assert (tmp_path / "out.rejects.txt").read_text("utf-8").startswith("line,reason,rule,detail,phone,raw")
    assert (tmp_path / "out.txt").read_text("utf-8").startswith("phone,text,template_id,")


def test_transactional_needs_express_consent_whose_scope_covers_the_template(tmp_path):
    # 08:00 UTC is 4 am in New York: quiet hours are for promotional messages only.
    _, messages, rejects = batch(tmp_path, "retail.order-shipped.en", "transactional.csv", "--var", "brand=Acme",
                                 "--send-at", "2025-05-06T08:00:00Z")
    assert sorted(messages) == [2, 3, 9]
    assert reasons(rejects) == {4: "out-of-scope", 5: "out-of-scope", 6: "no-consent", 7: "lint-error",
                                8: "missing-variable"}
    assert "does not cover order-shipped or retail.order-shipped or retail.order-shipped.en" in rejects[5]["detail"]
    assert rejects[6]["detail"] == "consent is implied; transactional messages need express or express_written"
    assert rejects[7]["rule"] == "mixed-content"
    assert rejects[8]["detail"] == "no value for order_id"


def test_scope_may_name_the_use_case_as_the_library_does(tmp_path, write):
    # `templater new retail.order-shipped` writes a template with its own id: consent recorded for
    # the library's use case name still covers it.
    made = run_cli("new", "retail.order-shipped", "--lang", "en", "--brand", "Acme", "-o", str(tmp_path / "t"))
    assert made.exit_code == 0, made.output
    [template] = (tmp_path / "t").glob("*.sms")
    people = write("people.csv", "phone,first_name,order_id,consent,consent_scope\n"
                                 "+12125550300,Ana,1,express,retail.order-shipped\n"
                                 "+12125550301,Ben,2,express,retail.order-confirmation\n")
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "out.jsonl"),
                     "--send-at", "2025-05-06T16:00:00Z")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["line"] for line in (tmp_path / "out.jsonl").read_text("utf-8").splitlines()] == [2]
    [reject] = [json.loads(line) for line in (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines()]
    assert (reject["line"], reject["reason"]) == (3, "out-of-scope")


def test_conversational_needs_an_inbound_message_within_the_reply_window(tmp_path):
    _, messages, rejects = batch(tmp_path, "retail.order-status-reply.en", "conversational.jsonl",
                                 "--var", "brand=Acme", "--default-region", "US")
    assert sorted(messages) == [1, 7, 9]
    assert reasons(rejects) == {2: "reply-window-closed", 3: "no-inbound", 4: "bad-field", 5: "bad-field",
                                8: "missing-variable", 10: "lint-error"}
    assert "32.0 h before sending; the reply window is 24 h" in rejects[2]["detail"]
    assert "after the sending time" in rejects[5]["detail"]
    assert messages[9]["phone"] == "+12125550307"  # a JSON number, read with --default-region


def test_reply_window_option(tmp_path):
    _, messages, rejects = batch(tmp_path, "retail.order-status-reply.en", "conversational.jsonl",
                                 "--var", "brand=Acme", "--reply-window", "2d")
    assert 2 in messages and 2 not in rejects


def test_a_naive_inbound_time_is_read_in_the_rows_time_zone(tmp_path):
    # Line 7: 14:00 in Los Angeles is 21:00 UTC, 19 hours before sending; as UTC it would be 26 hours.
    _, messages, _ = batch(tmp_path, "retail.order-status-reply.en", "conversational.jsonl",
                           "--var", "brand=Acme")
    assert 7 in messages


def test_values_from_the_row_win_over_var(tmp_path):
    _, messages, _ = batch(tmp_path, "retail.discount.en", "promotional.csv", *DISCOUNT)
    assert "take 20% off spring jackets" in messages[2]["text"]  # products empty in the row: --var fills it


def test_suppression_list_entries_must_be_numbers(tmp_path, write):
    stop = write("stop.txt", "+12125550100\nnot a number\n")
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"),
                     "--out", str(tmp_path / "out.jsonl"), *DISCOUNT, "--suppress", str(stop))
    assert result.exit_code == 2
    assert f"{stop}:2: suppression entry 'not a number' is not a phone number" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_usage_errors(tmp_path):
    out = str(tmp_path / "out.jsonl")
    assert run_cli("render", "retail.discount.en", "--out", out).exit_code == 2
    result = run_cli("render", "retail.discount.en", "--example", "--suppress", "x.txt")
    assert result.exit_code == 2 and "--suppress works with --recipients FILE --out FILE" in result.stderr
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"), "--out", out,
                     "--quiet-hours", "late")
    assert result.exit_code == 2 and "--quiet-hours 'late'" in result.stderr
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"), "--out", out,
                     "--default-region", "XX")
    assert result.exit_code == 2 and "--default-region 'XX'" in result.stderr
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"), "--out", out,
                     "--send-at", "tomorrow")
    assert result.exit_code == 2 and "--send-at 'tomorrow'" in result.stderr
    result = run_cli("render", "retail.discount.en", "--recipients", str(DATA / "promotional.csv"),
                     "--out", str(DATA / "promotional.csv"))
    assert result.exit_code == 2 and "name the same file" in result.stderr
    assert not Path(out).exists()


def test_single_message_render_is_unchanged():
    result = run_cli("render", "retail.discount.en", "--example")
    assert result.exit_code == 0 and result.stdout.startswith("Acme: Hi Ana, take 20% off")


def test_a_number_without_a_known_time_zone_cannot_pass_quiet_hours(tmp_path):
    # An Iridium satellite number: valid, but phonenumbers places it in no zone and in no country,
    # so in no market either: it is rejected before quiet hours are even asked (issue 21).
    _, messages, rejects = batch(tmp_path, "retail.discount.en", "satellite.csv", *DISCOUNT)
    assert messages == {}
    assert reasons(rejects) == {2: "wrong-market", 3: "duplicate"}
    assert "no market templater knows" in rejects[2]["detail"]


def test_a_message_the_sandbox_refuses_is_a_render_error(tmp_path):
    _, messages, rejects = batch(tmp_path, "retail.order-status-reply.en", "conversational.jsonl",
                                 "--var", "brand=Acme", "--max-output", "60")
    assert messages == {}
    assert rejects[1]["reason"] == "render-error"
    assert "over the 60-character limit" in rejects[1]["detail"]


def test_the_gate_decides_each_combination_once_and_as_it_would_row_by_row():
    """Gate.check remembers verdicts per (opt_out, consent, consent_scope); consent_at stays per row."""
    import random
    from datetime import datetime, timedelta, timezone

    from templater.library import find
    from templater.render.gating import Gate

    rng = random.Random(3)
    at = datetime(2025, 5, 6, 16, tzinfo=timezone.utc)
    for template in ("retail.discount.en", "retail.order-shipped.en"):
        gate = Gate(find(template), at, timedelta(hours=24))
        for _ in range(3000):
            row = {"opt_out": rng.choice(["", "yes", "no", "1", None, 0, "STOP"]),
                   "consent": rng.choice(["express_written", "express", "none", "", "bogus", "Express-Written", None]),
                   "consent_scope": rng.choice(["", "retail.order-shipped.en", "order-shipped", "other", None]),
                   "consent_at": rng.choice(["", "2024-03-01T10:00:00Z", "yesterday", None, "2024-03-01"])}
            assert gate.check(row) == gate._uncached(row), row
        assert 0 < len(gate._known) < 3000
    assert gate.check({"opt_out": ["x"], "consent": "express"}) == gate._uncached({"opt_out": ["x"], "consent": "express"})


def test_json_values_that_compare_equal_but_read_differently_are_gated_each_as_itself(tmp_path):
    """0 and 0.0 are equal dict keys, yet opt_out 0 is not an opt-out and opt_out 0.0 is ('0.0');
    1 and True both opt out, with their own detail. The gate's remembered verdicts must not mix them."""
    rows = [{"opt_out": 0}, {"opt_out": 0.0}, {"opt_out": 1}, {"opt_out": True},
            {"opt_out": False}, {"opt_out": -0.0}, {"consent": 1}, {"consent": True}]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps({"phone": f"+1212555{i:04d}", "consent": "express_written",
                                        "timezone": "America/New_York", **r}) + "\n"
                            for i, r in enumerate(rows)), "utf-8")
    out = tmp_path / "out.jsonl"
    result = run_cli("render", "retail.discount.en", "--recipients", str(path), "--out", str(out),
                     "--send-at", SEND_AT, "--jobs", "1", *DISCOUNT)
    assert result.exit_code == 0, result.output
    messages = {m["line"] for m in map(json.loads, out.read_text("utf-8").splitlines())}
    rejects = {r["line"]: (r["reason"], r["detail"]) for r in
               map(json.loads, out.with_name("out.rejects.jsonl").read_text("utf-8").splitlines())}
    assert messages == {1, 5}
    assert rejects == {2: ("opted-out", "opt_out is '0.0'"), 3: ("opted-out", "opt_out is '1'"),
                       4: ("opted-out", "opt_out is 'True'"), 6: ("opted-out", "opt_out is '-0.0'"),
                       7: ("bad-field", "consent '1' is not one of none, implied, express, express_written"),
                       8: ("bad-field", "consent 'True' is not one of none, implied, express, express_written")}
