"""Bulk rendering benchmark: throughput against a bare Jinja2 loop, and peak memory as rows grow.

    python benchmarks/render.py            # 1,000,000 rows (the targets are checked on this size)
    python benchmarks/render.py --rows 200000 --small 10000

Generates synthetic recipients (US and French numbers, consent, time zones, duplicates, a
suppression list), renders retail.discount.en (promotional: every gate, quiet hours, dedupe and
the re-lint are on) and prints, in one run:
  - messages per second with --jobs 1 and with all cores, and the ratio to a bare Jinja2 loop
    (csv.DictReader -> jinja2.Template.render -> file) over the same rows on one core, run before,
    between and after the two renders (each ratio uses the bare runs next to it);
  - peak memory (max RSS of a child process running --jobs 1) at --small rows and at --rows rows.
Targets: jobs 1 >= 0.5 x bare Jinja2; all cores > bare Jinja2; peak at --rows <= 1.2 x peak at --small.
Exits 1 when a target is missed. Each measurement runs in its own child process. Each line also
gives the CPU time per row (the process and its workers): on a busy machine the rates move with
the load, the CPU time much less.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

TEMPLATE = "retail.discount.en"
SEND_AT = "2025-05-06T16:00:00+00:00"  # a Tuesday: noon in New York, 6 pm in Paris, 6 am in Honolulu
# Area codes across the US time zones (808 is Hawaii, where 16:00 UTC is before 8 am).
AREA_CODES = ["212", "305", "312", "415", "503", "602", "702", "808", "907", "206", "404", "617", "713"]
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lea"]
HEADER = ["phone", "first_name", "brand", "percent", "products", "end_date", "shop_url", "consent",
          "consent_at", "timezone", "opt_out"]


def _valid(phone: str) -> bool:
    import phonenumbers

    return phonenumbers.is_valid_number(phonenumbers.parse(phone, None))


def generate(path: str, rows: int, seed: int = 7) -> str:
    """Write `rows` synthetic recipients; return the suppression list's path."""
    rng = random.Random(seed)
    suppress = path + ".stop"
    with open(path, "w", newline="", encoding="utf-8") as f, open(suppress, "w") as stop:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            if rng.random() < 0.8:
                phone = f"+1{rng.choice(AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
                tz = rng.choice(["America/New_York", "America/Chicago", ""]) if rng.random() < 0.5 else ""
            else:
                phone = f"+336{rng.randint(0, 99_999_999):08d}"
                tz = "Europe/Paris" if rng.random() < 0.5 else ""
            if rng.random() < 0.005:
                phone = f"+1212555{rng.randint(0, 99):04d}"  # a few numbers come back: duplicates
            # A suppression list holds valid numbers only (an invalid entry stops the run): the draw
            # is made either way, so the rows stay those of earlier runs.
            if rng.random() < 0.002 and _valid(phone):
                stop.write(phone + "\n")
            consent = "express_written" if rng.random() < 0.97 else rng.choice(["express", "none", ""])
            w.writerow([phone, f"{rng.choice(FIRST)}", "Acme", str(rng.choice([10, 15, 20, 25])),
                        "all spring jackets", "Sunday, May 12", f"https://acme.example/s/{i:07d}", consent,
                        "2024-03-01T10:00:00Z", tz, "yes" if rng.random() < 0.01 else ""])
    return suppress


def cpu_seconds() -> float:
    """User and system time of this process and of its finished child processes (the workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child_render(recipients: str, suppress: str, jobs: int, out_dir: str) -> dict:
    """Run in a child process: the batch with every check on; elapsed time and this process's peak RSS."""
    from templater import render_batch
    start, cpu = time.perf_counter(), cpu_seconds()
    summary = render_batch(TEMPLATE, recipients, os.path.join(out_dir, "out.jsonl"), jobs=jobs,
                           suppress=suppress, send_at=SEND_AT, quiet_hours="tcpa")
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "cpu": cpu_seconds() - cpu, "rows": summary.input, "rendered": summary.rendered,
            "reasons": dict(summary.reasons), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def child_bare(recipients: str, out_dir: str) -> dict:
    """Run in a child process: the same rows through a bare Jinja2 loop, no checks."""
    import jinja2
    from templater.library import find
    template = jinja2.Environment().from_string(find(TEMPLATE).body)
    start, cpu = time.perf_counter(), cpu_seconds()
    rows = 0
    with open(recipients, newline="", encoding="utf-8") as f, \
            open(os.path.join(out_dir, "bare.txt"), "w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            out.write(template.render(row))
            out.write("\n")
            rows += 1
    return {"elapsed": time.perf_counter() - start, "cpu": cpu_seconds() - cpu, "rows": rows,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def in_child(*args: str) -> dict:
    """Run this script in child mode and read its one-line JSON answer."""
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_bare(*rest) if kind == "bare" else child_render(rest[0], rest[1], int(rest[2]), rest[3])
        print(json.dumps(result))
        return 0
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="templater-bench-") as tmp:
        big, small = os.path.join(tmp, "big.csv"), os.path.join(tmp, "small.csv")
        t = time.perf_counter()
        stop_big = generate(big, args.rows)
        stop_small = generate(small, args.small)
        print(f"generated {args.rows:,} + {args.small:,} recipients in {time.perf_counter() - t:.1f} s "
              f"({os.path.getsize(big) / 1e6:.0f} MB)")
        # The bare loop runs before, between and after the two renders, and each render is compared
        # with the bare runs on either side of it: a machine whose speed drifts during the run
        # (other work, a shared host) moves both sides of each ratio alike.
        bares = [in_child("bare", big, tmp)]
        one = in_child("render", big, stop_big, "1", tmp)
        bares.append(in_child("bare", big, tmp))
        many = in_child("render", big, stop_big, str(cores), tmp)
        bares.append(in_child("bare", big, tmp))
        mem_small = in_child("render", small, stop_small, "1", tmp)
    near = {"one": bares[:2], "many": bares[1:], "bare": bares}
    bare = {"rows": bares[0]["rows"], "elapsed": sum(b["elapsed"] for b in bares) / 3,
            "cpu": sum(b["cpu"] for b in bares) / 3}
    rate = {name: r["rows"] / r["elapsed"] for name, r in (("bare", bare), ("one", one), ("many", many))}
    # Each render's baseline: the bare loop's mean rate over the runs next to it.
    base = {name: sum(b["rows"] / b["elapsed"] for b in near[name]) / len(near[name]) for name in near}
    cpu = {name: f"{r['cpu'] / r['rows'] * 1e6:.1f} us CPU/row" for name, r in (("bare", bare), ("one", one),
                                                                               ("many", many))}
    peak_ratio = one["maxrss_kb"] / mem_small["maxrss_kb"]
    checks = [
        (f"--jobs 1: {rate['one']:,.0f} msgs/s = {rate['one'] / base['one']:.2f} x bare Jinja2 "
         f"({base['one']:,.0f} msgs/s in the runs before and after) ({cpu['one']})",
         "0.50 x",
         rate["one"] >= 0.5 * base["one"]),
        (f"--jobs {cores}: {rate['many']:,.0f} msgs/s = {rate['many'] / base['many']:.2f} x bare Jinja2 "
         f"({base['many']:,.0f} msgs/s in the runs before and after) ({cpu['many']})",
         "> 1.00 x", rate["many"] > base["many"]),
        (f"peak memory: {mem_small['maxrss_kb'] / 1024:.0f} MB at {args.small:,} rows, "
         f"{one['maxrss_kb'] / 1024:.0f} MB at {args.rows:,} rows = {peak_ratio:.2f} x", "<= 1.20 x",
         peak_ratio <= 1.2),
    ]
    print(f"bare Jinja2 loop (1 core), three runs: "
          + ", ".join(f"{b['rows'] / b['elapsed']:,.0f}" for b in bares)
          + f" msgs/s over {bare['rows']:,} rows ({cpu['bare']} on average)")
    print(f"rows: {one['rows']:,} in, {one['rendered']:,} rendered, rejects by reason: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(one["reasons"].items())))
    missed = 0
    for text, target, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {text} (target {target})")
        missed += not ok
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
