"""Preview benchmark: server time of one keystroke's POST /api/lint on a 2-sentence template.

Run: python benchmarks/preview.py [--keystrokes 200]
The folder served is a copy of the bundled library (so the duplicate-id check reads its other
templates, as the page does); each keystroke adds one character to a 2-sentence transactional
template and posts it. The time is measured around Starlette's TestClient call, in-process: it is
the server's time (routing, JSON, lint, render, classify) plus the in-process client, an upper
bound of what the page waits for. Prints the median and 95th percentile; exits 1 when the median
is over the target (50 ms).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", message=".*httpx.*")

from starlette.testclient import TestClient  # noqa: E402

from templater.preview.app import create_app  # noqa: E402
from templater.preview.workspace import Workspace  # noqa: E402
from templater.resources import library_dir  # noqa: E402

TARGET_MS = 50.0
SOURCE = """---
id: bench.order-shipped
category: transactional
language: en
variables:
  order_id: {required: true, example: A1234}
---
Acme: your order {{ order_id }} has shipped and arrives Friday. Track it in the app"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keystrokes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(library_dir(), Path(tmp) / "site", ignore=shutil.ignore_patterns("*.md", "*.py"))
        (Path(tmp) / "site" / "bench.sms").write_text(SOURCE, encoding="utf-8")
        os.chdir(tmp)
        client = TestClient(create_app(Workspace("site")), base_url="http://127.0.0.1:8765")
        client.get("/api/templates")  # the page loads the list first
        text, times = SOURCE, []
        for i in range(args.keystrokes):
            text += "." if i % 40 == 39 else "x"
            start = time.perf_counter()
            answer = client.post("/api/lint", json={"path": "bench.sms", "text": text})
            times.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, answer.text
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    print(f"POST /api/lint, {args.keystrokes} keystrokes on a 2-sentence template in a folder of "
          f"{len(list(library_dir().rglob('*.sms'))) + 1} templates: median {median:.1f} ms, "
          f"p95 {p95:.1f} ms (target: median under {TARGET_MS:.0f} ms)")
    return 0 if median <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
