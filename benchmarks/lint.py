"""Lint benchmark: start-up, linting one file of a 2,000-template git work tree (as pre-commit does),
throughput on 2,000 realistic templates and peak memory, against floors.

Run: python benchmarks/lint.py [--files 2000] [--runs 15] [--rounds 3] [--hook-files 2000]
A realistic template is two sentences with a link and two variables (REALISTIC; the generated
files vary its wording, brands, links, language and category), not a one-line template.
Each figure is printed with its ratio to a floor measured in the same run and its target; the
script exits 1 when a target is missed. Throughput is measured in rounds, each timing the floor
and then every lint run in turn, and each figure is the median over the rounds: on a shared
machine a burst of other load then hits one round of every figure rather than one figure.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Two sentences with a link and two variables: what a business SMS template usually is.
REALISTIC = """---
id: bench.realistic.en
category: transactional
language: en
variables:
  brand: {description: Sender name, example: Acme, required: true}
  order_id: {description: Order number, example: "A1234", required: true}
---
{{ brand }}: your order {{ order_id }} has shipped. Track it at https://acme.example/t/8KQ2 or reply HELP for help.
"""

# The generated files: REALISTIC's shape, with varied words (some promotional, some with findings).
_SENTENCES = {
    "en": [("your order {{ ref }} has shipped.", "Track it at {link} or reply HELP for help."),
           ("your appointment {{ ref }} is confirmed.", "Details: {link}. Reply C to cancel."),
           ("your table for {{ ref }} is booked.", "See the menu at {link} before you come."),
           ("payment {{ ref }} was received.", "Your receipt is at {link}, thank you!"),
           ("your code is {{ ref }}.", "Never share it; manage alerts at {link}."),
           ("20% off everything this weekend with code {{ ref }}!", "Shop now at {link}. Reply STOP to opt out."),
           ("flash sale: {{ ref }} ends tonight.", "Shop now at {link}!")],
    "fr": [("votre commande {{ ref }} est expédiée.", "Suivez-la sur {link} ou répondez AIDE."),
           ("votre rendez-vous {{ ref }} est confirmé.", "Détails : {link}. Répondez A pour annuler."),
           ("votre paiement {{ ref }} est bien reçu.", "Votre reçu : {link}. Merci !"),
           ("-20 % sur tout ce week-end avec le code {{ ref }} !", "Profitez-en sur {link}. STOP au 36111")],
}
_BRANDS = ["Acme", "Bloom", "Cafe Nord", "Dentalis", "Ecobank", "FitLab", "Gare & Co"]


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """Write `count` realistic templates (two sentences, a link, two variables), varied."""
    rng = random.Random(seed)
    for i in range(count):
        language = rng.choice(["en", "en", "fr"])
        first, second = rng.choice(_SENTENCES[language])
        promotional = "%" in first or "sale" in first
        link = f"https://{rng.choice(_BRANDS).split()[0].lower()}.example/{rng.choice('tscp')}/{rng.randrange(10**6):x}"
        path = folder / f"group{i % 50:02d}" / f"t{i:05d}.sms"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"""---
category: {"promotional" if promotional else "transactional"}
language: {language}
variables:
  brand: {{description: Sender name, example: {rng.choice(_BRANDS)!r}, required: true}}
  ref: {{description: Reference, example: "{rng.randrange(10**5)}", required: true}}
---
{{{{ brand }}}}: {first} {second.format(link=link)}
""", encoding="utf-8")


HOOK_TARGET = 2.5  # lint 1 file in a work tree of 2,000 templates vs the import floor


def timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def templater_cmd() -> list[str]:
    exe = shutil.which("templater", path=str(Path(sys.executable).parent)) or shutil.which("templater")
    return [exe] if exe else [sys.executable, "-m", "templater.cli"]


def compile_bytecode() -> None:
    """Write templater's .pyc files, as installing a wheel does.

    With PYTHONDONTWRITEBYTECODE set (it is, on this workplace's machines) an editable checkout
    would otherwise recompile every edited module from source on every run, while jinja2, click
    and yaml, installed from wheels, load from bytecode: the comparison would not be like for like.
    """
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "templater")], check=True)


def startup(runs: int, template: Path) -> tuple[float, float]:
    """Median wall time of linting one template vs importing templater's dependencies."""
    lint = templater_cmd() + ["lint", str(template)]
    floor = [sys.executable, "-c", "import jinja2, click, yaml"]
    for cmd in (lint, floor):  # warm the file cache and templater's rule cache
        timed(cmd)
    ours, base = [], []
    for _ in range(runs):  # interleaved, so that a burst of other load hits both sides alike
        ours.append(timed(lint))
        base.append(timed(floor))
    return statistics.median(ours), statistics.median(base)


def hook_runs(runs: int, tmp: Path, files: int) -> tuple[float, float, float]:
    """Median wall times of `templater lint FILE` on one file of a git work tree of `files`
    templates, as the pre-commit hook runs it (the project's other ids are read for duplicate-id),
    with the ids cache of an earlier run (warm) and without it (cold), and of the import floor.

    The ids cache lives in a folder of its own for the run; cold runs delete its ids file first.
    """
    repo = tmp / "repo"
    generate(repo / "templates", files)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    cache = tmp / "cache"
    env = {**os.environ, "TEMPLATER_CACHE_DIR": str(cache)}
    env.pop("TEMPLATER_NO_CACHE", None)
    one = sorted((repo / "templates").rglob("*.sms"))[files // 2]
    old = time.time() - 3600  # as if checked out an hour ago: the cache trusts it
    for path in (repo / "templates").rglob("*.sms"):
        os.utime(path, (old, old))
    lint = templater_cmd() + ["lint", str(one.relative_to(repo))]
    floor = [sys.executable, "-c", "import jinja2, click, yaml"]
    timed(lint, cwd=repo, env=env)  # fills the rule and ids caches
    warm, cold, base = [], [], []
    for i in range(runs):
        warm.append(timed(lint, cwd=repo, env=env))
        base.append(timed(floor))
        if i < 3:  # a few suffice: it is shown for information
            for stale in cache.glob("ids-*.json"):
                stale.unlink()
            cold.append(timed(lint, cwd=repo, env=env))
    return statistics.median(warm), statistics.median(cold), statistics.median(base)


def jinja_floor(folder: Path) -> float:
    """Seconds to read, parse and compile every file with bare Jinja2 in one process."""
    code = ("import sys, time, pathlib, jinja2\n"
            "files = sorted(pathlib.Path(sys.argv[1]).rglob('*.sms'))\n"
            "env = jinja2.Environment()\n"
            "t = time.perf_counter()\n"
            "for f in files:\n"
            "    env.from_string(f.read_text(encoding='utf-8'))\n"
            "print(time.perf_counter() - t)\n")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def lint_run(folder: Path, jobs: int) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of `templater lint --jobs N folder`, measured by a fresh parent."""
    # A fresh parent process sees only this run among its children, so ru_maxrss is this run's peak.
    code = ("import resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
            "e = time.perf_counter() - t\n"
            "if p.returncode not in (0, 1): sys.exit(p.stderr.strip() or 'templater lint failed')\n"
            "print(e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n")
    cmd = templater_cmd() + ["lint", "--jobs", str(jobs), "--format", "json", str(folder)]
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr.strip())
    elapsed, peak = map(float, out.stdout.split())
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (the median is shown)")
    parser.add_argument("--hook-files", type=int, default=2000, help="templates in the pre-commit case's work tree")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows, ok = [], True

    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        realistic = Path(tmp) / "realistic.sms"
        realistic.write_text(REALISTIC, encoding="utf-8")
        ours, base = startup(args.runs, realistic)
        ratio = ours / base
        ok &= ratio <= 1.5
        rows.append(("start-up: lint one realistic template", f"{ours * 1000:.0f} ms",
                     f"import jinja2, click, yaml: {base * 1000:.0f} ms", f"{ratio:.2f}", "<= 1.5"))

        warm, cold, base = hook_runs(args.runs, Path(tmp), args.hook_files)
        ok &= warm / base <= HOOK_TARGET
        rows.append((f"pre-commit: lint 1 file of a {args.hook_files}-template git work tree",
                     f"{warm * 1000:.0f} ms", f"import jinja2, click, yaml: {base * 1000:.0f} ms",
                     f"{warm / base:.2f}", f"<= {HOOK_TARGET}"))
        rows.append(("pre-commit, first run (no ids cache)", f"{cold * 1000:.0f} ms",
                     f"import jinja2, click, yaml: {base * 1000:.0f} ms", f"{cold / base:.2f}", "(info)"))

        folder = Path(tmp) / "templates"
        generate(folder, args.files)
        runs: dict[int, list[tuple[float, float]]] = {1: [], cores: []}
        floors = []
        for _ in range(args.rounds):  # floor, then each lint run, in turn
            floors.append(jinja_floor(folder))
            for jobs in runs:
                runs[jobs].append(lint_run(folder, jobs))
        floor_rate = args.files / statistics.median(floors)
        for jobs, target in ((1, 0.5), (cores, 1.0)):
            rate = args.files / statistics.median(elapsed for elapsed, _peak in runs[jobs])
            peak = max(peak for _elapsed, peak in runs[jobs])
            r = rate / floor_rate
            ok &= r >= target
            rows.append((f"throughput --jobs {jobs}", f"{rate:.0f} files/s",
                         f"bare Jinja2 parse+compile: {floor_rate:.0f} files/s", f"{r:.2f}", f">= {target}"))
            if jobs == 1:
                ok &= peak < 200
                rows.append((f"peak memory, {args.files} files, --jobs 1", f"{peak:.0f} MiB", "", "", "< 200 MiB"))

    width = max(len(r[0]) for r in rows)
    for name, value, floor_text, ratio_text, target in rows:
        ratio_part = f"ratio {ratio_text:>5}  " if ratio_text else ""
        print(f"{name:<{width}}  {value:>12}  {ratio_part}target {target:<9}  {floor_text}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
