"""Recipient files as CRMs and spreadsheets export them (issue 16), and opt-out columns in any spelling
(issue 20, item 12): through the CLI, on the files in tests/data/recipients."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import tempfile

from conftest import library_for_markets, run_cli, template_source
from terminal import run_in_terminal

DATA = Path(__file__).parent / "data" / "recipients"
SEND_AT = "2025-05-06T16:00:00Z"  # a Tuesday: noon in New York, 6 pm in Paris
EVENING = "2025-05-07T00:30:00Z"  # 20:30 in New York and Miami, 19:30 in Oklahoma City, 02:30 in Paris
VARS = ["--var", "percent=20", "--var", "products=spring jackets", "--var", "end_date=May 12",
        "--var", "shop_url=https://acme.example/spring"]
DISCOUNT = ["--var", "brand=Acme", *VARS]


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines()]


# These lists mix US, French, UK and Belgian numbers: the English template is declared for all four
# markets templater knows (issue 21), so only the Belgian rows are outside its markets (wrong-market).
ALL_MARKETS = library_for_markets(Path(tempfile.mkdtemp()), "retail.discount.en", "us, fr, ca, gb")


def render(*args: str, template: str = ALL_MARKETS):
    return run_cli("render", template, "--send-at", SEND_AT, *args)


# 1. Column mapping -----------------------------------------------------------------------------

def test_hubspot_export_headers_map_to_variables_and_the_phone_once_the_phone_column_is_named(tmp_path):
    out = tmp_path / "out.jsonl"
    hubspot = str(DATA / "hubspot-contacts.csv")
    # Two columns could be the phone: the run stops before writing anything, and says how to choose.
    ambiguous = render("--recipients", hubspot, "--out", str(out), *DISCOUNT)
    assert ambiguous.exit_code == 2
    assert "several columns could be the phone number ('Phone Number', 'Mobile Phone Number')" in ambiguous.stderr
    assert "--phone-column" in ambiguous.stderr and list(tmp_path.iterdir()) == []
    result = render("--recipients", hubspot, "--out", str(out), *DISCOUNT, "--phone-column", "Mobile Phone Number",
                    "--allow-unknown-columns", "--default-region", "US")
    assert result.exit_code == 0, result.output
    sent = {m["line"]: m for m in lines(out)}
    assert sent[2]["phone"] == "+12125550101" and sent[2]["text"].startswith("Acme: Hi Ana, take 20%")
    assert sent[3]["text"].startswith("Acme: Hi Ben,")          # 'First Name' is first_name
    assert sent[6]["text"].startswith("Acme: Hi, take")          # an empty first name
    rejects = {r["line"]: r for r in lines(tmp_path / "out.rejects.jsonl")}
    assert rejects[4]["reason"] == "opted-out"                   # 'Opted Out' is opt_out
    assert rejects[5]["reason"] == "no-consent"                  # 'Consent' is consent
    assert "'Last Name', 'Email', 'Phone Number'" in result.stderr  # unused columns are named


@pytest.mark.parametrize("header", ["Phone Number", "Mobile", "msisdn", "Téléphone", "CELL", "portable", "tel"])
def test_common_phone_column_names_are_found(tmp_path, write, header):
    people = write("people.csv", f"{header},first_name,consent\n+12125550100,Ana,express_written\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0, result.output
    assert [m["phone"] for m in lines(out)] == ["+12125550100"]


def test_column_option_maps_any_variable_and_phone_column_names_the_phone(tmp_path, write):
    people = write("people.csv", "Contact,Given,Pct,consent\n+12125550100,Ana,15,express_written\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), "--phone-column", "Contact",
                    "--column", "first_name=Given", "--column", "percent=Pct", "--var", "brand=Acme",
                    *VARS[2:])
    assert result.exit_code == 0, result.output
    assert lines(out)[0]["text"].startswith("Acme: Hi Ana, take 15% off")
    unknown = render("--recipients", str(people), "--out", str(out), "--phone-column", "Contact",
                     "--column", "frist_name=Given", *DISCOUNT)
    assert unknown.exit_code == 2 and "no variable frist_name (did you mean 'first_name'?)" in unknown.stderr
    missing = render("--recipients", str(people), "--out", str(out), "--phone-column", "Mobile", *DISCOUNT)
    assert missing.exit_code == 2 and "no column 'Mobile' for phone" in missing.stderr


def test_a_misspelt_var_and_an_unused_column_are_warnings_with_did_you_mean(tmp_path, write):
    people = write("people.csv", "phone,frist_name,consent,loyalty_tier\n+12125550100,Ana,express_written,gold\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--var", "frist_name=Bob")
    assert result.exit_code == 0
    assert "warning: --var frist_name: the template has no variable frist_name (did you mean 'first_name'?)" in result.stderr
    assert "warning: the column 'frist_name' is not used by the template (did you mean 'first_name'?)" in result.stderr
    assert "'loyalty_tier'" in result.stderr
    # A --var spelt in another case or with spaces is the variable.
    again = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--var", "First_Name=Bob")
    assert lines(out)[0]["text"].startswith("Acme: Hi Bob,") and "First_Name" not in again.stderr


# 2. Pre-flight ---------------------------------------------------------------------------------

def test_a_required_variable_no_column_or_var_gives_stops_the_run_before_any_row(tmp_path, write):
    # The rows are broken too: the run stops on the header, before reading them.
    people = write("people.csv", "phone,first_name,consent\n\"never closed\n+12125550100,Ana,express_written\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), "--var", "brand=Acme",
                    "--var", "products=jackets", "--var", "end_date=May 12", "--var", "shop_url=https://a.example")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert f"{people}:1: the template needs percent, but no column gives it and no --var does" in result.stderr
    assert "--column percent=HEADER" in result.stderr and list(tmp_path.iterdir()) == [people]


BRAND_ETC = ["--var", "brand=Acme", "--var", "products=jackets", "--var", "end_date=May 12",
             "--var", "shop_url=https://a.example"]


def test_json_lines_pre_flight_stops_when_no_row_gives_a_required_variable(tmp_path, write):
    # Leading blank lines: the line named is the first row's. A broken row further on is not read.
    people = write("people.jsonl", '\n\n{"Phone Number": "+12125550100", "First Name": "Ana", "consent": "express_written"}\n'
                                   '{"phone": "+12125550101", "consent": "express_written", "Discount": 20}\n{never closed\n')
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *BRAND_ETC)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output
    assert f"{people}:3: the template needs percent, but no row gives it and no --var does" in result.stderr
    assert "--column percent=HEADER" in result.stderr and list(tmp_path.iterdir()) == [people]
    # The near miss: the key is in the rows under a spelling the mapping knows (or mapped with --column).
    mapped = render("--recipients", str(people), "--out", str(out), *BRAND_ETC, "--column", "percent=Discount")
    assert mapped.exit_code == 0, mapped.output
    assert [m["line"] for m in lines(out)] == [4]


def test_json_lines_rows_may_leave_a_key_out_when_another_row_gives_it(tmp_path, write):
    people = write("people.jsonl", '{"phone": "+12125550100", "consent": "express_written"}\n'
                                   '{"phone": "+12125550101", "consent": "express_written", "Percent": "15"}\n')
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *BRAND_ETC)
    assert result.exit_code == 0, result.output
    assert [(m["line"], "take 15% off" in m["text"]) for m in lines(out)] == [(2, True)]
    [reject] = lines(tmp_path / "out.rejects.jsonl")
    assert (reject["line"], reject["reason"]) == (1, "missing-variable")


def test_json_lines_pre_flight_reads_a_bounded_number_of_rows_ahead(tmp_path, write, monkeypatch):
    from templater.render import batch
    monkeypatch.setattr(batch, "PREFLIGHT_ROWS", 2)
    rows = ['{"phone": "+1212555010%d", "consent": "express_written"}' % i for i in range(2)]
    people = write("people.jsonl", "\n".join([*rows, '{"phone": "+12125550109", "consent": "express_written", "percent": 5}']) + "\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *BRAND_ETC)
    assert result.exit_code == 2, result.output
    assert f"{people}:1: the template needs percent, but none of the first 2 rows gives it" in result.stderr
    assert render("--recipients", str(people), "--out", str(out), *BRAND_ETC, "--var", "percent=10").exit_code == 0
    assert len(lines(out)) == 3


# 3. Dialects -----------------------------------------------------------------------------------

def test_french_excel_export_with_bom_semicolons_and_crlf(tmp_path):
    out = tmp_path / "out.csv"
    result = render("--recipients", str(DATA / "excel-fr.csv"), "--out", str(out), *DISCOUNT,
                    "--default-region", "FR", "--keep", "Code client", template="retail.discount.fr")
    assert result.exit_code == 0, result.output
    sent = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert [(m["phone"], m["Code client"]) for m in sent] == [("+33612345678", "CL-0042"), ("+33144556677", "CL-0044"),
                                                               ("+33655443322", "CL-0046")]
    assert sent[0]["text"].startswith("Acme: Bonjour Camille,")   # 'Prénom' is first_name
    rejects = {int(r["line"]): r for r in csv.DictReader(io.StringIO((tmp_path / "out.rejects.csv").read_text("utf-8")))}
    assert rejects[3]["reason"] == "opted-out" and rejects[3]["detail"] == "opt_out is 'oui'"  # the STOP column
    assert rejects[5]["reason"] == "no-consent"                   # 'Consentement' is consent
    assert 6 not in rejects                                       # STOP 'non' is no opt-out
    assert "'Nom', 'Ville'" in result.stderr


@pytest.mark.parametrize("sep", ["\t", "|", ";"])
def test_tab_pipe_and_semicolon_files_are_detected(tmp_path, write, sep):
    people = write("people.csv", f'phone{sep}first_name{sep}consent\n"+1 212 555 0100"{sep}Ana{sep}express_written\n')
    out = tmp_path / "out.jsonl"
    assert render("--recipients", str(people), "--out", str(out), *DISCOUNT).exit_code == 0
    assert lines(out)[0]["text"].startswith("Acme: Hi Ana,")


def test_delimiter_option_forces_the_separator_and_excel_sep_line_is_read(tmp_path, write):
    # More commas than semicolons in the header: detection would pick ','; --delimiter says ';'.
    people = write("people.csv", "phone;first_name;consent;notes (a, b, c, d)\n+12125550100;Ana, B;express_written;x\n")
    out = tmp_path / "out.jsonl"
    guessed = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert guessed.exit_code == 2 and "no phone column" in guessed.stderr
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--delimiter", ";")
    assert result.exit_code == 0, result.output
    assert lines(out)[0]["text"].startswith("Acme: Hi Ana, B,")
    hinted = write("hinted.csv", "sep=;\r\nphone;first_name;consent\r\n+12125550100;Ana;express_written\r\n")
    result = render("--recipients", str(hinted), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0 and lines(out)[0]["line"] == 3


def test_excel_utf16_unicode_text_export_is_read(tmp_path):
    people = tmp_path / "people.csv"
    people.write_bytes("phone\tfirst_name\tconsent\r\n+12125550100\tZoë\texpress_written\r\n".encode("utf-16"))
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0, result.output
    assert lines(out)[0]["text"].startswith("Acme: Hi Zoë,") and lines(out)[0]["line"] == 2


# 4. Per-row region and quiet hours ----------------------------------------------------------------

def test_mixed_us_fr_list_with_national_numbers_and_a_country_column(tmp_path):
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(DATA / "mixed-us-fr.csv"), "--out", str(out), *DISCOUNT,
                    "--default-region", "US,FR", "--quiet-hours", "fr", "--keep", "account")
    assert result.exit_code == 0, result.output
    sent = {m["account"]: m["phone"] for m in lines(out)}
    rejects = {r["account"]: r for r in lines(tmp_path / "out.rejects.jsonl")}
    assert sent["A-1"] == "+12125550100" and sent["A-2"] == "+33612345678"   # national, in US then FR
    assert rejects["A-4"]["phone"] == "+32470123456"  # the country column (BE) wins over --default-region,
    assert rejects["A-4"]["reason"] == "wrong-market"  # and Belgium is in none of the template's markets
    assert sent["A-5"] == "+33470123456"      # the same digits without a country: FR
    assert sent["A-6"] == "+442079460958" and sent["A-9"] == "+14055550199"   # GB; USA as a name
    assert rejects["A-7"]["reason"] == "invalid-phone"


def test_a_national_number_valid_in_several_default_regions_is_ambiguous(tmp_path):
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(DATA / "mixed-us-fr.csv"), "--out", str(out), *DISCOUNT,
                    "--default-region", "FR,BE", "--keep", "account")
    assert result.exit_code == 0
    rejects = {r["account"]: r for r in lines(tmp_path / "out.rejects.jsonl")}
    assert rejects["A-5"]["reason"] == "ambiguous-phone"
    assert "valid as FR +33470123456 and as BE +32470123456" in rejects["A-5"]["detail"]
    assert rejects["A-4"]["reason"] == "wrong-market"  # the row that says BE is not ambiguous


def test_quiet_hours_auto_picks_each_rows_profile_from_country_and_us_state(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("render", ALL_MARKETS, "--recipients", str(DATA / "mixed-us-fr.csv"), "--out", str(out),
                     *DISCOUNT, "--default-region", "US,FR", "--quiet-hours", "auto", "--send-at", EVENING,
                     "--keep", "account")
    assert result.exit_code == 0, result.output
    sent = {m["account"] for m in lines(out)}
    rejects = {r["account"]: r for r in lines(tmp_path / "out.rejects.jsonl")}
    assert "A-1" in sent                                  # New York 20:30: inside tcpa (to 21:00)
    assert "A-9" in sent                                  # Oklahoma City 19:30: inside us-ok (to 20:00)
    assert rejects["A-3"]["reason"] == "quiet-hours"       # Miami 20:30: Florida's law ends at 20:00
    assert rejects["A-3"]["detail"] == "20:30 is outside 08:00-20:00 in America/New_York"
    assert rejects["A-2"]["reason"] == "quiet-hours"       # Paris 02:30: the fr profile
    assert rejects["A-4"]["reason"] == "wrong-market"      # BE: no market, never sent blind
    assert {"A-6", "A-8"} <= sent                         # GB: PECR sets no sending hours (markets.yaml)


# 5. Pass-through columns ---------------------------------------------------------------------------

def test_keep_copies_columns_into_messages_and_rejects_in_both_formats(tmp_path):
    for fmt in ("jsonl", "csv"):
        out = tmp_path / f"out.{fmt}"
        result = render("--recipients", str(DATA / "hubspot-contacts.csv"), "--out", str(out), *DISCOUNT,
                        "--phone-column", "Mobile Phone Number", "--allow-unknown-columns", "--keep", "Record ID",
                        "--keep", "email")
        assert result.exit_code == 0, result.output
        rejects = tmp_path / f"out.rejects.{fmt}"
        if fmt == "jsonl":
            got = [(m["line"], m["Record ID"], m["Email"]) for m in lines(out) + lines(rejects)]
        else:
            got = [(int(r["line"]), r["Record ID"], r["Email"]) for f in (out, rejects)
                   for r in csv.DictReader(io.StringIO(f.read_text("utf-8")))]
        assert sorted(got) == [(2, "1501", "ana.lopez@example.com"), (3, "1502", "ben@example.org"),
                               (4, "1503", "chloe.d@example.fr"), (5, "1504", "dev.patel@example.com"),
                               (6, "1505", "e.nguyen@example.com")]
    clash = render("--recipients", str(DATA / "formulas.csv"), "--out", str(out), *DISCOUNT, "--keep", "nope")
    assert clash.exit_code == 2 and "--keep 'nope': no such column" in clash.stderr


# 6. Safe CSV output ------------------------------------------------------------------------------

def test_formula_looking_values_are_neutralised_in_csv_and_exact_in_json_lines(tmp_path):
    out = tmp_path / "out.csv"
    args = ["--recipients", str(DATA / "formulas.csv"), "--column", "brand=notes", "--keep", "customer_id", *VARS]
    assert render(*args, "--out", str(out)).exit_code == 0
    sent = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert [m["customer_id"] for m in sent] == ["'=1+2", "'+cmd|' /C calc'!A0", "C-4"]
    assert sent[1]["text"].startswith("'@SUM(A1:A9): Hi Bob") and sent[2]["text"].startswith("'-minus: Hi @Dana")
    assert sent[0]["phone"] == "+12125550100"   # E.164, written by templater: left as it is
    rejected = list(csv.DictReader(io.StringIO((tmp_path / "out.rejects.csv").read_text("utf-8"))))
    assert rejected[0]["raw"].startswith("'=cmd|") and rejected[0]["detail"].startswith("'=cmd|")
    assert rejected[0]["customer_id"] == "'-2+3"
    exact = tmp_path / "out.jsonl"
    assert render(*args, "--out", str(exact)).exit_code == 0
    assert [m["customer_id"] for m in lines(exact)] == ["=1+2", "+cmd|' /C calc'!A0", "C-4"]
    assert lines(exact)[1]["text"].startswith("@SUM(A1:A9): Hi Bob")
    assert lines(tmp_path / "out.rejects.jsonl")[0]["raw"].startswith("=cmd|")


# 7. Output to stdout, umask ------------------------------------------------------------------------

def test_out_dash_writes_messages_to_stdout_and_needs_a_rejects_file(tmp_path):
    people = str(DATA / "formulas.csv")
    refused = render("--recipients", people, "--out", "-", *DISCOUNT)
    assert refused.exit_code == 2 and "--rejects FILE" in refused.stderr
    rejects = tmp_path / "rejects.jsonl"
    result = render("--recipients", people, "--out", "-", "--rejects", str(rejects), *DISCOUNT)
    assert result.exit_code == 0, result.output
    messages = [json.loads(x) for x in result.stdout.splitlines()]
    assert [m["line"] for m in messages] == [2, 3, 5]
    assert "rendered           3  -> -" in result.stderr and [r["line"] for r in lines(rejects)] == [4]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_are_written_with_the_users_umask(tmp_path, umask, mode):
    out = tmp_path / "out.jsonl"
    code = (f"import os, sys; os.umask({umask}); from templater.cli import main; sys.argv = ['templater', "
            f"'render', 'retail.discount.en', '--recipients', {str(DATA / 'formulas.csv')!r}, '--out', {str(out)!r}, "
            f"'--send-at', {SEND_AT!r}, '--jobs', '1'] + {DISCOUNT!r}; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "out.rejects.jsonl").st_mode) == mode


# 8. Progress line ----------------------------------------------------------------------------------

def test_progress_line_shows_rows_rate_and_counts_then_the_summary_replaces_it(tmp_path):
    people = tmp_path / "people.csv"
    with people.open("w", encoding="utf-8") as f:
        f.write("phone,first_name,consent\n")
        # Enough rows that the run outlasts several redraw intervals (ProgressLine.EVERY) on a fast machine.
        for i in range(40000):
            f.write(f"+1212{5550000 + i},Ana,{'express_written' if i % 3 else 'none'}\n")
    code, screen = run_in_terminal("render", "retail.discount.en", "--recipients", str(people), "--out",
                                   str(tmp_path / "out.jsonl"), "--send-at", SEND_AT, "--chunk-size", "100",
                                   "--jobs", "1", *DISCOUNT, cwd=tmp_path)
    assert code == 0, screen
    assert "rows/s" in screen and " rendered  " in screen and " rejected" in screen
    # The last progress line is erased and the summary follows on a clean line.
    assert "\r\x1b[Kinput         40,000\nrendered      26,666  -> " in screen
    drawn = re.findall(r"\rrendering +(\d+)%  ([\d,]+) rows  (?:[\d,]+ rows/s  )?([\d,]+) rendered  ([\d,]+) rejected", screen)
    assert len(drawn) >= 2 and all(int(r.replace(",", "")) + int(j.replace(",", "")) == int(n.replace(",", ""))
                                   for _, n, r, j in drawn)


# 9. Option names aligned ---------------------------------------------------------------------------

def test_render_takes_dash_j_like_lint(tmp_path):
    out = tmp_path / "out.jsonl"
    assert render("--recipients", str(DATA / "formulas.csv"), "--out", str(out), "-j", "1", *DISCOUNT).exit_code == 0
    assert len(lines(out)) == 3


# 10. Dry run ---------------------------------------------------------------------------------------

def test_dry_run_prints_counts_by_reason_and_five_samples_and_writes_nothing(tmp_path):
    result = render("--recipients", str(DATA / "mixed-us-fr.csv"), "--dry-run", *DISCOUNT, "--default-region", "US,FR",
                    "--out", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []
    out = result.stdout
    assert "input              9" in out and "rendered           7" in out and "  invalid-phone               1" in out
    assert "  wrong-market                1" in out  # the Belgian number
    assert "dry run: nothing written; the first 5 messages:" in out
    assert out.count("  Acme: Hi ") == 5 and "+12125550100  Acme: Hi Ana, take 20%" in out
    assert "->" not in out
    as_csv = render("--recipients", str(DATA / "excel-fr.csv"), "--dry-run", *DISCOUNT, "--default-region", "FR",
                    "--out", str(tmp_path / "out.csv"), template="retail.discount.fr")
    assert "  +33612345678  Acme: Bonjour Camille," in as_csv.stdout and list(tmp_path.iterdir()) == []


# Suppression list ----------------------------------------------------------------------------------

def test_a_comment_before_the_phone_header_of_a_suppression_list(tmp_path, write):
    stop = write("stop.txt", "# exported 2025-05-01 from the SMS platform\n\nphone\n+12125550101\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(DATA / "formulas.csv"), "--out", str(out), *DISCOUNT, "--suppress", str(stop))
    assert result.exit_code == 0, result.stderr
    assert "suppressed                  1" in result.stdout


# Issue 20, item 12: opt-out and consent columns in any spelling -----------------------------------

@pytest.mark.parametrize("key", ["Opt_Out", "OPT_OUT", "opted_out", "unsubscribed", "Stop", "do_not_text", "Do Not Text"])
def test_opt_out_fields_in_any_spelling_stop_json_lines_rows(tmp_path, write, key):
    rows = [{"phone": "+12125550100", "consent": "express_written", key: "yes"},
            {"phone": "+12125550101", "CONSENT": "express_written", key: True},
            {"phone": "+12125550102", "consent": "express_written", key: False}]
    people = write("people.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0, result.output
    assert [m["phone"] for m in lines(out)] == ["+12125550102"]
    assert [r["reason"] for r in lines(tmp_path / "out.rejects.jsonl")] == ["opted-out", "opted-out"]


@pytest.mark.parametrize("header", ["Opt-Out", "opted_out", "UNSUBSCRIBED", "do not text"])
def test_opt_out_columns_in_any_spelling_stop_csv_rows(tmp_path, write, header):
    people = write("people.csv", f"phone,consent,{header}\n+12125550100,express_written,1\n+12125550101,express_written,\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0, result.output
    assert [m["phone"] for m in lines(out)] == ["+12125550101"]
    assert "not used" not in result.stderr


def test_an_unrecognised_opt_out_like_column_stops_the_run_unless_allowed(tmp_path, write):
    people = write("people.csv", "phone,consent,sms_opt_out_flag\n+12125550100,express_written,Y\n")
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 2 and list(tmp_path.iterdir()) == [people]
    assert "the column 'sms_opt_out_flag' looks like consent or opt-out data" in result.stderr
    assert "--allow-unknown-columns" in result.stderr
    mapped = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--column", "opt_out=sms_opt_out_flag")
    assert mapped.exit_code == 0 and lines(tmp_path / "out.rejects.jsonl")[0]["reason"] == "opted-out"
    allowed = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--allow-unknown-columns")
    assert allowed.exit_code == 0 and "'sms_opt_out_flag'" in allowed.stderr  # still named in a warning


def test_an_opt_out_like_json_key_stops_the_run_or_rejects_its_row(tmp_path, write):
    first = write("first.jsonl", '{"phone": "+12125550100", "consent": "express_written", "sms_unsub": "1"}\n')
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(first), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 2 and "'sms_unsub' looks like consent or opt-out data" in result.stderr
    later = write("later.jsonl", '{"phone": "+12125550100", "consent": "express_written"}\n'
                                 '{"phone": "+12125550101", "consent": "express_written", "sms_unsub": "1"}\n')
    result = render("--recipients", str(later), "--out", str(out), *DISCOUNT)
    assert result.exit_code == 0
    assert [m["line"] for m in lines(out)] == [1]
    reject = lines(tmp_path / "out.rejects.jsonl")[0]
    assert reject["line"] == 2 and reject["reason"] == "bad-field" and "sms_unsub" in reject["detail"]


def test_a_local_template_variable_named_like_a_country_stays_a_variable(tmp_path, write):
    body = "Acme: your parcel to {{ country }} has shipped. Reply STOP to opt out."
    tpl = write("shipped.sms", template_source(body, "transactional", id="acme.shipped", market=["us", "fr"], variables={
        "country": {"description": "Destination country", "example": "FR", "required": True}}))
    people = write("people.csv", "phone,consent,consent_scope,Country\n0612345678,express,acme.shipped,FR\n")
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(tpl), "--recipients", str(people), "--out", str(out), "--default-region", "US")
    assert result.exit_code == 0, result.output
    assert lines(out)[0]["phone"] == "+33612345678" and "to FR has shipped" in lines(out)[0]["text"]


def test_json_lines_rows_take_their_region_and_kept_fields_under_any_spelling(tmp_path, write):
    rows = [{"Phone Number": "(212) 555-0100", "First Name": "Ana", "Consent": "express_written", "crm_id": 7},
            {"Phone Number": "06 12 34 56 78", "Country": "FR", "consent": "express_written", "crm_id": 8}]
    people = write("people.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    result = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--default-region", "US",
                    "--keep", "crm_id")
    assert result.exit_code == 0, result.output
    assert [(m["phone"], m["crm_id"]) for m in lines(out)] == [("+12125550100", 7), ("+33612345678", 8)]
    assert lines(out)[0]["text"].startswith("Acme: Hi Ana,")
    typo = render("--recipients", str(people), "--out", str(out), *DISCOUNT, "--default-region", "US",
                  "--column", "first_name=Frist Name")
    assert "warning: --column first_name=Frist Name: the first row has no key 'Frist Name'" in typo.stderr


def test_quiet_hours_auto_gives_a_us_number_without_a_state_the_strictest_us_window(tmp_path, write):
    # A toll-free number: phonenumbers places it in no state, and in every zone of the +1 plan (Guam
    # to St. John's); at 22:45 UTC it is 20:15 in St. John's and 08:45 in Guam: inside tcpa's
    # window everywhere, outside 08:00-20:00 in St. John's. New York is at 18:45.
    people = write("people.csv", "phone,consent\n+18005550100,express_written\n+12125550100,express_written\n")
    out = tmp_path / "out.jsonl"
    late = "2025-05-06T22:45:00Z"
    auto = run_cli("render", "retail.discount.en", "--recipients", str(people), "--out", str(out), *DISCOUNT,
                   "--quiet-hours", "auto", "--send-at", late)
    assert auto.exit_code == 0, auto.output
    assert [m["phone"] for m in lines(out)] == ["+12125550100"]
    reject = lines(tmp_path / "out.rejects.jsonl")[0]
    assert reject["phone"] == "+18005550100" and reject["reason"] == "quiet-hours"
    assert reject["detail"] == "20:15 is outside 08:00-20:00 in America/St_Johns"
    tcpa = run_cli("render", "retail.discount.en", "--recipients", str(people), "--out", str(out), *DISCOUNT,
                   "--quiet-hours", "tcpa", "--send-at", late)
    assert tcpa.exit_code == 0 and len(lines(out)) == 2              # the near miss: tcpa sends both


def test_mapping_is_the_same_in_worker_processes(tmp_path):
    # Chunks of one row over two processes: the header mapped once in the parent, the JSON key sets
    # in each worker; the results match one process.
    results = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        result = render("--recipients", str(DATA / "excel-fr.csv"), "--out", str(out), *DISCOUNT, "--default-region",
                        "FR", "--keep", "Code client", "--jobs", jobs, "--chunk-size", "1", template="retail.discount.fr")
        assert result.exit_code == 0, result.output
        results.append((out.read_text("utf-8"), (tmp_path / f"out{jobs}.rejects.jsonl").read_text("utf-8")))
    assert results[0] == results[1] and results[0][0].count("\n") == 3
