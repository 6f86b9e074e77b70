"""The preview page's JSON API (templater[preview]), through Starlette's TestClient: the same
findings as `templater lint`, and nothing read or written outside the folder."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest

from templater import api
from templater.resources import library_dir
from conftest import example_source, run_cli, template_source

warnings.filterwarnings("ignore", message=".*httpx.*")
from starlette.testclient import TestClient  # noqa: E402

from templater.preview.app import TOKEN_HEADER, create_app  # noqa: E402
from templater.preview.command import free_port  # noqa: E402
from templater.preview.workspace import Workspace  # noqa: E402

TOKEN = "test-token"
BASE = "http://127.0.0.1:8765"


def client(folder: str, **kwargs) -> TestClient:
    return TestClient(create_app(Workspace(folder), token=TOKEN, **kwargs), base_url=BASE)


def folder_with(tmp_path: Path, monkeypatch, files: dict[str, str] | None = None) -> Path:
    """The folder tmp_path/t holding these templates (name -> source), tmp_path the working folder."""
    folder = tmp_path / "t"
    folder.mkdir()
    for name, source in (files or {}).items():
        (folder / name).write_text(source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return folder


def cli_findings(folder: str) -> dict[str, list[dict]]:
    result = run_cli("lint", "--format", "json", folder)
    assert result.exit_code in (0, 1), result.output
    by_path: dict[str, list[dict]] = {}
    for f in json.loads(result.stdout):
        by_path.setdefault(f["path"], []).append(f)
    return by_path


def assert_same_as_cli(folder: str) -> int:
    """Every template's findings from POST /api/lint (its text as on disk) equal lint's."""
    expected = cli_findings(folder)
    c = client(folder)
    listed = c.get("/api/templates").json()["templates"]
    assert listed
    for row in listed:
        display = str(Path(folder) / row["path"])
        read = c.get("/api/file", params={"path": row["path"]})
        if read.status_code == 422:  # not text (NUL bytes, not UTF-8): the page cannot edit it
            assert [f["rule"] for f in expected[display]] == ["unreadable-file"]
        else:
            answer = c.post("/api/lint", json={"path": row["path"], "text": read.json()["text"]}).json()
            assert answer["findings"] == expected.get(display, []), row["path"]
        severities = [f["severity"] for f in expected.get(display, [])]
        assert (row["errors"], row["warnings"]) == (severities.count("error"), severities.count("warning"))
    assert {str(Path(folder) / r["path"]) for r in listed} >= set(expected)
    return len(listed)


def test_findings_equal_the_cli_on_every_library_template(tmp_path, monkeypatch):
    shutil.copytree(library_dir(), tmp_path / "library", ignore=shutil.ignore_patterns("*.md", "*.py"))
    monkeypatch.chdir(tmp_path)
    assert assert_same_as_cli("library") == len(list(library_dir().rglob("*.sms")))


def test_findings_equal_the_cli_on_the_rule_examples(tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    ruleset = api.ruleset()
    count = 0
    for rule_id, rule in sorted(ruleset.rules.items()):
        for kind, examples in (("fail", rule.fail), ("pass", rule.passes)):
            for i, example in enumerate(examples):
                path = folder / rule_id / f"{kind}{i}.sms"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(example_source(example).encode("utf-8"))
                count += 1
                if rule_id == "duplicate-id" and kind == "fail":  # as test_rule_examples: a second file
                    shutil.copy(path, path.with_name(f"{kind}{i}-copy.sms"))
                    count += 1
    monkeypatch.chdir(tmp_path)
    expected = cli_findings("examples")
    assert {f["rule"] for fs in expected.values() for f in fs} >= {"mixed-content", "ucs2-encoding", "duplicate-id"}
    assert assert_same_as_cli("examples") == count


def test_findings_follow_the_folders_configuration(tmp_path, monkeypatch):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / ".templater.yaml").write_text("ignore: [ucs2-encoding]\nseverity: {too-many-segments: error}\n")
    body = "Acme: your order ships today. It’s on its way. " * 6
    (tmp_path / "site" / "ship.sms").write_text(template_source(body), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rules = {f["rule"]: f["severity"] for fs in cli_findings("site").values() for f in fs}
    assert "ucs2-encoding" not in rules and rules.get("too-many-segments") == "error"
    assert_same_as_cli("site")


def test_lint_answers_typed_text_with_render_and_classification(tmp_path, monkeypatch):
    source = template_source("Acme: your order {{ order_id }} has shipped.", id="order-shipped",
                             variables={"order_id": {"required": True, "example": "A123"}})
    folder_with(tmp_path, monkeypatch, {"shipped.sms": source})
    c = client("t")
    typed = source.replace("has shipped.", "has shipped. Use code SAVE20 for 20% off")
    answer = c.post("/api/lint", json={"path": "shipped.sms", "text": typed}).json()
    assert "mixed-content" in {f["rule"] for f in answer["findings"]}
    assert answer["render"]["text"] == "Acme: your order A123 has shipped. Use code SAVE20 for 20% off"
    assert answer["render"]["encoding"] == "GSM-7" and answer["render"]["segments"] == 1
    assert answer["classification"]["category"] == "promotional"
    assert answer["classification"]["declared"] == "transactional"
    assert any(e.get("text") == "Use code SAVE20" for e in answer["classification"]["evidence"])
    # the file itself is untouched: lint never writes
    assert (tmp_path / "t" / "shipped.sms").read_text(encoding="utf-8") == source
    curly = c.post("/api/lint", json={"path": "shipped.sms", "text": source.replace("your", "you’re")}).json()
    assert curly["non_gsm"][0]["replacement"] == "'" and curly["render"]["encoding"] == "UCS-2"
    # typed text holding a NUL byte gets lint's finding for such a file, on the NUL's line
    nul = c.post("/api/lint", json={"path": "shipped.sms", "text": source.replace("has shipped", "has\x00shipped")})
    assert nul.status_code == 200
    [finding] = nul.json()["findings"]
    assert finding["rule"] == "unreadable-file" and finding["line"] == source[:source.index("has shipped")].count("\n") + 1


def test_worst_case_uses_the_longest_example_of_optional_variables(tmp_path, monkeypatch):
    source = template_source("Acme: hello {{ name }}, your order has shipped.",
                             variables={"name": {"required": False, "default": "",
                                                 "examples": ["Al", "Maximiliano " * 15]}})
    folder_with(tmp_path, monkeypatch, {"a.sms": source})
    render = client("t").post("/api/lint", json={"path": "a.sms", "text": source}).json()["render"]
    assert render["segments"] == 1 and render["worst"]["segments"] == 2


@pytest.mark.parametrize("path", ["../outside.sms", "/etc/passwd.sms", "sub/../../outside.sms", "a\\..\\b.sms",
                                  "notes.txt", "link/out.sms", "linked.sms"])
def test_reads_and_writes_outside_the_folder_are_refused(tmp_path, monkeypatch, path):
    folder = folder_with(tmp_path, monkeypatch, {"ok.sms": template_source("Acme: hi.")})
    (tmp_path / "outside.sms").write_text("secret", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "out.sms").write_text("secret", encoding="utf-8")
    os.symlink(tmp_path / "elsewhere", folder / "link")
    os.symlink(tmp_path / "outside.sms", folder / "linked.sms")
    c = client("t")
    read = c.get("/api/file", params={"path": path})
    assert read.status_code in (400, 403) and "secret" not in read.text
    saved = c.post("/api/save", json={"path": path, "text": "x"}, headers={TOKEN_HEADER: TOKEN})
    assert saved.status_code in (400, 403)
    linted = c.post("/api/lint", json={"path": path, "text": "x"})
    assert linted.status_code in (400, 403)
    for bad in ({"path": ["ok.sms"], "text": "x"}, {"path": "ok.sms", "text": 3}, [1, 2]):
        assert c.post("/api/lint", json=bad).status_code in (400, 413)
    assert c.post("/api/lint", json={"path": "ok.sms", "text": "x", "values": [1]}).status_code == 200
    assert (tmp_path / "outside.sms").read_text() == "secret"
    assert (tmp_path / "elsewhere" / "out.sms").read_text() == "secret"
    assert "linked.sms" not in {r["path"] for r in c.get("/api/templates").json()["templates"]}


def test_host_header_must_name_this_server(tmp_path, monkeypatch):
    folder_with(tmp_path, monkeypatch, {"ok.sms": template_source("Acme: hi.")})
    c = client("t")
    assert c.get("/").status_code == 200
    assert c.get("/", headers={"host": "localhost:8765"}).status_code == 200
    for host in ("evil.example:8765", "evil.example", "127.0.0.1.evil.example:8765"):
        answer = c.get("/api/file", params={"path": "ok.sms"}, headers={"host": host})
        assert answer.status_code == 421 and "Acme" not in answer.text


def test_writes_need_the_token_and_the_same_origin(tmp_path, monkeypatch):
    source = template_source("Acme: your order has shipped.")
    folder_with(tmp_path, monkeypatch, {"ok.sms": source})
    c = client("t")
    new_text = source.replace("shipped", "left the warehouse")
    for headers in ({}, {TOKEN_HEADER: "guess"}, {TOKEN_HEADER: TOKEN, "origin": "http://evil.example"}):
        answer = c.post("/api/save", json={"path": "ok.sms", "text": new_text}, headers=headers)
        assert answer.status_code == 403
        assert (tmp_path / "t" / "ok.sms").read_text(encoding="utf-8") == source
    assert TOKEN in c.get("/").text  # the page itself carries the token
    answer = c.post("/api/save", json={"path": "ok.sms", "text": new_text},
                    headers={TOKEN_HEADER: TOKEN, "origin": BASE})
    assert answer.status_code == 200
    assert (tmp_path / "t" / "ok.sms").read_text(encoding="utf-8") == new_text
    assert not [p for p in (tmp_path / "t").iterdir() if p.name.endswith(".tmp")]


def test_save_keeps_the_files_line_ends(tmp_path, monkeypatch):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "crlf.sms").write_bytes(template_source("Acme: hi.").replace("\n", "\r\n").encode())
    monkeypatch.chdir(tmp_path)
    c = client("t")
    text = c.get("/api/file", params={"path": "crlf.sms"}).json()["text"]
    assert "\r" not in text
    c.post("/api/save", json={"path": "crlf.sms", "text": text.replace("hi", "hello")}, headers={TOKEN_HEADER: TOKEN})
    assert (tmp_path / "t" / "crlf.sms").read_bytes().count(b"\r\n") == text.count("\n")


def test_fix_returns_the_safe_fixes_of_lint_fix(tmp_path, monkeypatch):
    source = template_source("Acme: your order’s on its way.   \n")
    folder_with(tmp_path, monkeypatch, {"a.sms": source, "b.sms": source})
    fixed = client("t").post("/api/fix", json={"path": "a.sms", "text": source}).json()
    assert run_cli("lint", "--fix", "t/b.sms").exit_code in (0, 1)
    assert fixed["text"] == (tmp_path / "t" / "b.sms").read_text(encoding="utf-8")
    assert "’" not in fixed["text"] and fixed["applied"]
    assert (tmp_path / "t" / "a.sms").read_text(encoding="utf-8") == source  # fix does not write; save does


def test_new_matches_templater_new_and_never_overwrites(tmp_path, monkeypatch):
    (tmp_path / "cli").mkdir()
    folder_with(tmp_path, monkeypatch)
    c = client("t")
    answer = c.post("/api/new", json={"name": "retail.order-shipped", "language": "fr", "brand": "Acme"},
                    headers={TOKEN_HEADER: TOKEN})
    assert answer.status_code == 200, answer.text
    assert answer.json()["path"] == "order-shipped.fr.sms"
    run_cli("new", "retail.order-shipped", "--language", "fr", "--brand", "Acme", "--out", "cli")
    assert (tmp_path / "t" / "order-shipped.fr.sms").read_text() == (tmp_path / "cli" / "order-shipped.fr.sms").read_text()
    again = c.post("/api/new", json={"name": "retail.order-shipped.fr", "brand": "Other"}, headers={TOKEN_HEADER: TOKEN})
    assert again.status_code == 409 and "Other" not in (tmp_path / "t" / "order-shipped.fr.sms").read_text()
    assert c.post("/api/new", json={"name": "retail.order-shipped.fr", "brand": "Acme",
                                    "folder": "../x"}).status_code == 403


def test_library_is_browsable_and_copyable(tmp_path, monkeypatch):
    folder_with(tmp_path, monkeypatch)
    c = client("t")
    library = c.get("/api/library").json()["templates"]
    assert len(library) == len(list(library_dir().rglob("*.sms")))
    first = library[0]
    copied = c.post("/api/library/copy", json={"id": first["id"]}, headers={TOKEN_HEADER: TOKEN}).json()
    assert (tmp_path / "t" / copied["path"]).read_text(encoding="utf-8") == first["source"]
    assert [r["path"] for r in c.get("/api/templates").json()["templates"]] == [copied["path"]]


def test_a_hanging_request_is_answered_in_time_and_the_server_goes_on(tmp_path, monkeypatch):
    import threading

    source = template_source("Acme: your order has shipped.")
    folder_with(tmp_path, monkeypatch, {"a.sms": source})
    workspace = Workspace("t")
    release = threading.Event()
    monkeypatch.setattr(workspace, "check", lambda *args: release.wait(30))  # a lint that never ends
    c = TestClient(create_app(workspace, token=TOKEN, time_limit=0.5), base_url=BASE)
    try:
        start = time.monotonic()
        answer = c.post("/api/lint", json={"path": "a.sms", "text": source})
        assert answer.status_code == 503 and "longer than 0.5 s" in answer.json()["error"]
        assert time.monotonic() - start < 5
        assert c.get("/api/file", params={"path": "a.sms"}).json()["text"] == source  # still serving
    finally:
        release.set()


def test_a_template_that_loops_is_stopped_by_the_sandbox(tmp_path, monkeypatch):
    body = "Acme: " + "{% for a in range(1000) %}" * 4 + "x" + "{% endfor %}" * 4
    source = template_source(body)
    folder_with(tmp_path, monkeypatch, {"loop.sms": source})
    answer = client("t").post("/api/lint", json={"path": "loop.sms", "text": source})
    assert answer.status_code == 200
    assert "error" in answer.json()["render"]  # the render is refused, as templater render refuses it


def _start(args: list[str], cwd: Path):
    """Start `templater preview ARGS`; returns the process and the URL it prints."""
    proc = subprocess.Popen([sys.executable, "-m", "templater.cli", "preview", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("templater preview of "), line + proc.stderr.read()
    return proc, line.split(": ", 1)[1].split()[0]


def test_the_command_serves_127_0_0_1_on_the_next_free_port(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "ok.sms").write_text(template_source("Acme: hi."), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert free_port("127.0.0.1", port) > port
    proc, url = _start(["t", "--port", str(free_port("127.0.0.1", 20000 + os.getpid() % 20000))], tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        for _ in range(100):
            try:
                page = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except (urllib.error.URLError, ConnectionError):  # not listening yet
                time.sleep(0.1)
        assert "templater preview" in page and "/static/app.js" in page
        request = urllib.request.Request(url + "api/templates", headers={"Host": "rebound.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 421
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_command_refuses_a_missing_folder(tmp_path):
    result = run_cli("preview", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "nowhere" in result.stderr and "Traceback" not in result.output


def test_a_recipients_row_fills_the_variables(tmp_path, monkeypatch):
    (tmp_path / "t" / "lists").mkdir(parents=True)
    source = template_source("Acme: hi {{ first_name }}, order {{ order_id }} has shipped.",
                             variables={"first_name": {"required": True, "example": "Ana"},
                                        "order_id": {"required": True, "example": "A1"}})
    (tmp_path / "t" / "a.sms").write_text(source, encoding="utf-8")
    (tmp_path / "t" / "lists" / "people.csv").write_text("phone;first_name;order_id\n+15550100;Zoé;B22\n"
                                                         "+15550101;Li;C33\n", encoding="utf-8")
    (tmp_path / "t" / "lists" / "people.jsonl").write_text('{"first_name": "Noor", "order_id": 7}\nnot json\n')
    (tmp_path / "secret.csv").write_text("a\nb\n")
    monkeypatch.chdir(tmp_path)
    c = client("t")
    assert c.get("/api/recipients").json()["files"] == ["lists/people.csv", "lists/people.jsonl"]
    rows = c.get("/api/rows", params={"path": "lists/people.csv"}).json()["rows"]
    assert rows == [{"phone": "+15550100", "first_name": "Zoé", "order_id": "B22"},
                    {"phone": "+15550101", "first_name": "Li", "order_id": "C33"}]
    assert c.get("/api/rows", params={"path": "lists/people.jsonl"}).json()["rows"] == [
        {"first_name": "Noor", "order_id": "7"}]
    assert c.get("/api/rows", params={"path": "../secret.csv"}).status_code == 403
    answer = c.post("/api/lint", json={"path": "a.sms", "text": source, "values": rows[0]}).json()
    assert answer["render"]["text"] == "Acme: hi Zoé, order B22 has shipped."
