"""Recipients for the engine tests: every reason a row is held back, and the local run's files as a ledger."""
from __future__ import annotations

import csv
import json
import random
from pathlib import Path

SEND_AT = "2025-05-06T16:00:00Z"  # a Tuesday: noon in New York, 6 am in Honolulu (quiet), 6 pm in Paris
TEMPLATE = "retail.discount.en"   # promotional: consent, opt-out, quiet hours, re-lint all apply
VARS = ["--var", "brand=Acme", "--var", "percent=20", "--var", "products=spring jackets",
        "--var", "end_date=May 12", "--var", "shop_url=https://acme.example/spring"]
HEADER = ["customer_id", "phone", "first_name", "consent", "consent_at", "timezone", "opt_out"]
AREA_CODES = ["212", "305", "312", "415", "503", "602", "702", "808", "206", "404", "617", "713"]


def generate(folder: Path, rows: int, seed: int = 19) -> tuple[Path, Path]:
    """A recipients CSV and a suppression list: duplicates (a small pool of numbers comes back),
    suppressed numbers, quiet hours (Hawaii), mixed and bad consent, opt-outs, invalid, missing and
    unreadable rows, quoted fields with commas. Returns (recipients, suppression list)."""
    rng = random.Random(seed)
    pool = [f"+1212555{n:04d}" for n in range(200, 260)]  # numbers that come back: duplicates
    stop = pool[::7] + [f"+1415555{n:04d}" for n in range(1000, 1030)]
    path, stop_path = folder / "recipients.csv", folder / "stop.txt"
    stop_path.write_text("\n".join(stop) + "\n", encoding="utf-8")
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            draw = rng.random()
            if draw < 0.03:
                phone = rng.choice(pool)
            elif draw < 0.035:
                phone = rng.choice(stop)
            elif draw < 0.8:
                phone = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
            elif draw < 0.99:
                phone = f"+336{rng.randint(0, 99_999_999):08d}"
            else:
                phone = rng.choice(["12345", "", "not a number", "(212) 555-01"])
            consent = ("express_written" if rng.random() < 0.9
                       else rng.choice(["express", "none", "", "implied", "Express Written", "maybe"]))
            tz = rng.choice(["", "", "America/Chicago", "Pacific/Honolulu", "Mars/Base"]) if phone.startswith("+1") else ""
            name = rng.choice(["Ana", "Ben", "Chloé", "Dev", "Émile", "O'Neil, Jr.", "李"])
            at = rng.choice(["2024-03-01T10:00:00Z", "2024-03-01", "yesterday"]) if rng.random() < 0.02 else "2024-03-01T10:00:00Z"
            if rng.random() < 0.001:  # a row with a field too many
                f.write(f"C{i:07d},{phone},{name},x,{consent},{at},{tz},\r\n")
                continue
            w.writerow([f"C{i:07d}", phone, name, consent, at, tz, "yes" if rng.random() < 0.01 else ""])
    return path, stop_path


LEDGER_KEYS = ("row_id", "status", "reason", "rule", "detail", "duplicate_of", "phone", "text", "encoding",
               "segments", "characters")


def local_ledger(out: Path, rejects: Path, keep: tuple[str, ...] = ()) -> list[dict]:
    """The local run's JSON Lines output and rejects as ledger rows, by row_id (= line)."""
    rows = []
    for m in map(json.loads, out.read_text("utf-8").splitlines()):
        rows.append({"row_id": m["line"], "status": "rendered", "reason": None, "rule": None, "detail": None,
                     "duplicate_of": None, "phone": m["phone"], "text": m["text"], "encoding": m["encoding"],
                     "segments": m["segments"], "characters": m["characters"], **{k: m.get(k) for k in keep}})
    for r in map(json.loads, rejects.read_text("utf-8").splitlines()):
        first = None
        if r["reason"] == "duplicate":
            first = int(r["detail"].rsplit(" ", 1)[1])
        rows.append({"row_id": r["line"], "status": "rejected", "reason": r["reason"], "rule": r["rule"],
                     "detail": r["detail"], "duplicate_of": first, "phone": r["phone"], "text": None,
                     "encoding": None, "segments": None, "characters": None, **{k: r.get(k) for k in keep}})
    return sorted(rows, key=lambda row: row["row_id"])


def summary_of(output: str) -> list[str]:
    """The summary lines, without the paths (the two runs write to different places)."""
    return [line.split("  -> ")[0] for line in output.splitlines() if not line.startswith("templater: warning")]


def assert_same_decisions(got: list[dict], by_customer: dict) -> None:
    """A ledger read from other files (got, by row_id) decides every row as the ledger by_customer
    (customer_id -> row) did, and each duplicate points at an earlier row with the same phone."""
    for row in got:
        same = by_customer[row["customer_id"]]
        assert (row["status"], row["reason"], row["text"]) == (same["status"], same["reason"], same["text"])
        if row["reason"] == "duplicate":
            assert got[row["duplicate_of"] - 1]["phone"] == row["phone"] and row["duplicate_of"] < row["row_id"]


def assert_keeps_a_folder_that_is_not_a_ledger(engine: str, recipients: Path, folder: Path, *args: str) -> None:
    """--out naming a folder of other files: exit 2, one line saying so, the files untouched."""
    from conftest import run_cli

    (folder / "taken").mkdir()
    (folder / "taken" / "notes.txt").write_text("mine")
    result = run_cli("render", TEMPLATE, "--recipients", str(recipients), "--engine", engine,
                     "--out", str(folder / "taken"), *args)
    assert result.exit_code == 2 and "not a templater ledger" in result.output
    assert (folder / "taken" / "notes.txt").read_text() == "mine"
