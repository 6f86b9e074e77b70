"""Quiet hours for promotional batches: profiles, custom windows, multi-zone numbers, French holidays."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import library_for_markets, run_cli

DATA = Path(__file__).parent / "data" / "recipients"
DISCOUNT = ["--var", "brand=Acme", "--var", "percent=20", "--var", "products=spring jackets",
            "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/spring"]
# zones.csv: line 2 a New York number, 3 an Idaho number (Boise and Los Angeles zones),
# 4 a French mobile, 5 a New York number whose row says Europe/Paris.


def verdicts(tmp_path: Path, send_at: str, *args: str) -> dict[int, str]:
    """Line -> 'sent' or the reject detail, for zones.csv sent at send_at."""
    out = tmp_path / "out.jsonl"
    # zones.csv holds a French mobile: the template is declared for both markets (issue 21).
    template = library_for_markets(tmp_path, "retail.discount.en", "us, fr")
    result = run_cli("render", template, "--recipients", str(DATA / "zones.csv"), "--out", str(out),
                     "--send-at", send_at, "--jobs", "1", *DISCOUNT, *args)
    assert result.exit_code == 0, result.output
    found = {m["line"]: "sent" for m in map(json.loads, out.read_text("utf-8").splitlines())}
    for r in map(json.loads, (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines()):
        assert r["reason"] == "quiet-hours"
        found[r["line"]] = r["detail"]
    return found


def test_tcpa_window_in_every_zone_of_the_number(tmp_path):
    # 15:30 UTC on a Tuesday: 11:30 New York, 9:30 Boise, 8:30 Los Angeles, 17:30 Paris.
    assert set(verdicts(tmp_path, "2025-05-06T15:30:00Z").values()) == {"sent"}
    # 14:45 UTC: 8:45 in Boise but 7:45 in Los Angeles, so the Idaho number waits.
    found = verdicts(tmp_path, "2025-05-06T14:45:00Z")
    assert found[2] == "sent" and found[4] == "sent" and found[5] == "sent"
    assert found[3] == "07:45 is outside 08:00-21:00 in America/Los_Angeles"


def test_the_window_start_is_inclusive_and_its_end_exclusive(tmp_path):
    assert verdicts(tmp_path, "2025-05-06T15:00:00Z")[3] == "sent"  # 8:00 sharp in Los Angeles
    found = verdicts(tmp_path, "2025-05-06T19:00:00Z", "--quiet-hours", "tcpa")  # 21:00 sharp in Paris
    assert found[4] == "21:00 is outside 08:00-21:00 in Europe/Paris" and found[2] == "sent"
    # By default the French row follows its market's window (fr: 08:00-20:00), the US rows tcpa's.
    found = verdicts(tmp_path, "2025-05-06T19:00:00Z")
    assert found[4] == "21:00 is outside 08:00-20:00 in Europe/Paris" and found[2] == "sent"


def test_the_rows_timezone_wins_over_the_numbers(tmp_path):
    found = verdicts(tmp_path, "2025-05-06T11:30:00Z")  # 7:30 New York, 13:30 Paris
    assert found[5] == "sent" and found[2].startswith("07:30 is outside")


@pytest.mark.parametrize("profile", ["us-fl", "us-ok", "us-md"])
def test_state_profiles_end_at_8_pm(tmp_path, profile):
    send_at = "2025-05-07T00:30:00Z"  # 20:30 in New York
    assert verdicts(tmp_path, send_at)[2] == "sent"
    assert verdicts(tmp_path, send_at, "--quiet-hours", profile)[2] == "20:30 is outside 08:00-20:00 in America/New_York"


def test_fr_profile_no_sundays(tmp_path):
    found = verdicts(tmp_path, "2025-05-11T10:00:00Z", "--quiet-hours", "fr")  # Sunday noon in Paris
    assert found[4] == "Sunday in the 'fr' profile in Europe/Paris"


def test_fr_profile_no_french_public_holidays(tmp_path):
    found = verdicts(tmp_path, "2025-07-14T10:00:00Z", "--quiet-hours", "fr")  # Monday 14 July
    assert found[4] == "public holiday (National Day) in the 'fr' profile in Europe/Paris"
    found = verdicts(tmp_path, "2025-11-11T10:00:00+01:00", "--quiet-hours", "fr")  # Armistice Day
    assert found[4].startswith("public holiday (Armistice Day)")
    found = verdicts(tmp_path, "2025-07-15T10:00:00Z", "--quiet-hours", "fr")  # the Tuesday after
    assert found[4] == "sent" and found[5] == "sent" and found[2].startswith("06:00 is outside 08:00-20:00")


def test_custom_window(tmp_path):
    found = verdicts(tmp_path, "2025-05-06T15:30:00Z", "--quiet-hours", "10:00-12:00")
    assert found[2] == "sent" and found[4] == "17:30 is outside 10:00-12:00 in Europe/Paris"


def test_custom_window_across_midnight(tmp_path):
    found = verdicts(tmp_path, "2025-05-06T23:30:00Z", "--quiet-hours", "22:00-02:00")  # 1:30 Paris
    assert found[4] == "sent" and found[2].startswith("19:30 is outside 22:00-02:00")


def test_send_at_in_another_offset(tmp_path):
    # The same instant written with New York's offset: 11:30 there.
    assert set(verdicts(tmp_path, "2025-05-06T11:30:00-04:00").values()) == {"sent"}
