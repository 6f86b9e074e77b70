"""Lint benchmark: start-up, linting one file of a 2,000-template git work tree (as pre-commit does),
throughput on 10,000 templates and peak memory, against floors.

Run: python benchmarks/lint.py [--files 10000] [--runs 15] [--rounds 3] [--hook-files 2000]
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

from templater.library import entries  # noqa: E402

EXTRA = {
    "en": ["Questions? Reply to this message.", "We're here to help 7 days a week.",
           "Thank you for choosing us.", "Use code SAVE20 for 20% off your next order!",
           "Feel free to call our toll-free line.", "Shop now: new arrivals just dropped."],
    "fr": ["Une question ? Répondez à ce message.", "Nous sommes là 7 jours sur 7.",
           "Merci de votre confiance.", "Profitez de -20 % avec le code MERCI20 !",
           "Notre service client vous répond du lundi au samedi.", "Découvrez notre nouvelle collection."],
}


def generate(folder: Path, count: int, seed: int = 7) -> None:
    """Write `count` templates of varied length, language and category (some with findings)."""
    rng = random.Random(seed)
    library = [e.path.read_text(encoding="utf-8") for e in entries()]
    langs = [e.language for e in entries()]
    for i in range(count):
        k = rng.randrange(len(library))
        head, _, body = library[k].partition("\n---\n")
        head = "\n".join(line for line in head.splitlines() if not line.startswith("id:"))
        extra = " ".join(rng.choice(EXTRA[langs[k]]) for _ in range(rng.randrange(0, 4)))
        path = folder / f"group{i % 50:02d}" / f"t{i:05d}.sms"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{head}\n---\n{body.rstrip()} {extra}\n", encoding="utf-8")


HOOK_TARGET = 2.5  # lint 1 file in a work tree of 2,000 templates vs the import floor


def timed(cmd: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def templater_cmd() -> list[str]:
    exe = shutil.which("templater", path=str(Path(sys.executable).parent)) or shutil.which("templater")
    return [exe] if exe else [sys.executable, "-m", "templater.cli"]


SHORT = """---
id: bench.short.en
category: transactional
language: en
variables:
  brand: {description: Sender name, example: Acme, required: true}
---
{{ brand }}: your order has shipped.
"""


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
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3, help="throughput rounds (the median is shown)")
    parser.add_argument("--hook-files", type=int, default=2000, help="templates in the pre-commit case's work tree")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    rows, ok = [], True

    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short.sms"
        short.write_text(SHORT, encoding="utf-8")
        ours, base = startup(args.runs, short)
        ratio = ours / base
        ok &= ratio <= 1.5
        rows.append(("start-up: lint one short template", f"{ours * 1000:.0f} ms",
                     f"import jinja2, click, yaml: {base * 1000:.0f} ms", f"{ratio:.2f}", "<= 1.5"))
        longer = [e.path for e in entries() if e.id == "retail.order-shipped.en"][0]
        ours, base = startup(args.runs, longer)
        rows.append(("start-up: a 2-sentence library template", f"{ours * 1000:.0f} ms",
                     f"import jinja2, click, yaml: {base * 1000:.0f} ms", f"{ours / base:.2f}", "(info)"))

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
            good = r >= target if jobs == 1 else r > target
            ok &= good
            rows.append((f"throughput --jobs {jobs}", f"{rate:.0f} files/s",
                         f"bare Jinja2 parse+compile: {floor_rate:.0f} files/s", f"{r:.2f}",
                         f">= {target}" if jobs == 1 else f"> {target}"))
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
