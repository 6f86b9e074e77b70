"""Broken and hostile template files: each is a finding or error with file and line; the run goes on."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import lint_json, run_cli, template_source
from templater.template import MAX_FILE_BYTES, MAX_YAML_DEPTH

GOOD = template_source("Your order has shipped.")

BILLION_LAUGHS = ("---\ncategory: transactional\n"
                  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                  + "".join(f"{b}: &{b} [" + ", ".join([f"*{a}"] * 9) + "]\n"
                            for a, b in zip("abcdefgh", "bcdefghi"))
                  + "variables:\n  x: {example: *i}\n---\nHi {{ x }}\n")

# name -> (file content, rule, line, words in the message)
HOSTILE = {
    "yaml-bomb": (BILLION_LAUGHS.encode(), "yaml-syntax", 6, "more than 10,000 values"),
    "deep-nesting": (b"---\ncategory: transactional\nx: " + b"[" * 50_000 + b"]" * 50_000 + b"\n---\nHi\n",
                     "yaml-syntax", 3, f"deeper than {MAX_YAML_DEPTH} levels"),
    "recursive-alias": (b"---\ncategory: transactional\nx: &x [1, *x]\n---\nHi\n", "yaml-syntax", 3, "holds it"),
    "oversized": (b"---\ncategory: transactional\n---\n" + b"a" * MAX_FILE_BYTES, "unreadable-file", 1,
                  "byte limit"),
    "binary": (b"---\ncategory: transactional\n---\nHi\x00there\n", "unreadable-file", 4, "binary"),
    "latin-1": ("---\ncategory: transactional\n---\nVotre commande est prête\n".encode("latin-1"),
                "unreadable-file", 4, "not UTF-8"),
    "utf-16": ("---\ncategory: transactional\n---\nHi\n".encode("utf-16"), "unreadable-file", 1, ""),
    "empty": (b"", "front-matter", 1, "does not start"),
    "no-front-matter": (b"Your order has shipped.\n", "front-matter", 1, "does not start"),
    "unterminated": (b"---\ncategory: transactional\nYour order has shipped.\n", "front-matter", 1,
                     "never closed"),
    "tab-indent": (b"---\ncategory: transactional\nvariables:\n\tname: {example: Ana}\n---\nHi\n",
                   "yaml-syntax", 4, "tab"),
    "not-a-mapping": (b"---\n- a\n- b\n---\nHi\n", "front-matter", 2, "not a mapping"),
    "unhashable-key": (b"---\ncategory: transactional\n? [a, b]\n: c\n---\nHi\n", "yaml-syntax", 3, ""),
    "bad-jinja": (b"---\ncategory: transactional\n---\nHi {{ name\n", "jinja-syntax", 4, ""),
    # found by fuzz/fuzz_lint.py: Jinja2's parser recursed until RecursionError, an internal error
    "deep-jinja-dicts": (b"---\ncategory: transactional\n---\nHi {{" + b"{" * 300 + b"\n",
                         "jinja-syntax", 4, "nested too deeply"),
    "unicode-digit-number": ("---\ncategory: transactional\n---\nHi\n{{ 1.5e\u0662 }}\n".encode(),
                             "jinja-syntax", 5, "digit other than 0-9"),  # found by fuzz/fuzz_lint.py
    # Python refuses the code Jinja2 makes for 100 nested ifs: said as such, not as a bad digit
    "deep-jinja-ifs": (b"---\ncategory: transactional\n---\nHi\n" + b"{% if a %}" * 100 + b"x" + b"{% endif %}" * 100,
                       "jinja-syntax", 4, "blocks nested too deeply"),
    "deep-jinja-parens": (b"---\ncategory: transactional\n---\nHi {{ " + b"(" * 400 + b"1" + b")" * 400
                          + b" }}\n", "jinja-syntax", 4, "nested too deeply"),
}


@pytest.fixture
def folder(tmp_path):
    for name, (content, *_rest) in HOSTILE.items():
        (tmp_path / f"{name}.sms").write_bytes(content)
    (tmp_path / "good.sms").write_text(GOOD, encoding="utf-8")
    (tmp_path / "missing-category.sms").write_text(template_source("Hi", category=None), encoding="utf-8")
    return tmp_path


def test_one_lint_run_reports_every_hostile_file_and_goes_on(folder):
    """In a separate process: the deep nesting used to crash the C YAML loader outright."""
    proc = subprocess.run([sys.executable, "-m", "templater.cli", "lint", "--format", "json", "-j", "1",
                           str(folder)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    findings = json.loads(proc.stdout)
    by_file: dict[str, list[dict]] = {}
    for f in findings:
        by_file.setdefault(f["path"].rsplit("/", 1)[-1][:-4], []).append(f)
    for name, (_content, rule, line, words) in HOSTILE.items():
        hits = [f for f in by_file.get(name, []) if f["rule"] == rule]
        assert hits, (name, by_file.get(name))
        assert hits[0]["line"] == line and words in hits[0]["message"], (name, hits[0])
    # The run went on past every broken file: the sound ones are linted as usual.
    assert not [f for f in by_file.get("good", []) if f["severity"] == "error"]
    assert "missing-category" in [f["rule"] for f in by_file["missing-category"]]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_render_of_each_hostile_file_is_one_line_naming_the_file(name, tmp_path):
    path = tmp_path / f"{name}.sms"
    path.write_bytes(HOSTILE[name][0])
    result = run_cli("render", str(path), "--example")
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.output and result.stdout == ""
    if result.exit_code == 1:  # refused as lint refuses it (issue 14): its findings, each naming the file
        assert lines[-1].startswith("not rendered: the template has error-level findings"), lines
        assert lines[0].startswith(f"{path}:") and " error " in lines[0], lines
    else:
        assert result.exit_code == 2, result.output
        assert len(lines) == 1 and lines[0].startswith(f"templater: error: {path}"), lines


def test_byte_order_mark_and_crlf_keep_lines_and_text(write):
    source = template_source("Hi {{ first_name }},\nyour order has shipped.",
                             variables={"first_name": {"example": "Ana"}, "unused": {"example": "x"}})
    path = write("bom.sms", b"\xef\xbb\xbf" + source.replace("\n", "\r\n").encode())
    code, findings = lint_json(str(path))
    unused = [f for f in findings if f["rule"] == "unused-variable"]
    assert unused and unused[0]["line"] == source.splitlines().index("  unused:") + 1
    result = run_cli("render", str(path), "--example")
    assert result.exit_code == 0 and result.stdout == "Hi Ana,\nyour order has shipped.\n"


def test_lone_carriage_returns_are_line_breaks(write):
    path = write("cr.sms", template_source("Your order\nhas shipped.").replace("\n", "\r").encode())
    assert run_cli("render", str(path)).stdout == "Your order\nhas shipped.\n"


def test_aliases_within_the_bounds_still_work(write):
    source = ("---\ncategory: transactional\nvariables:\n  a: &spec {example: Ana}\n  b: *spec\n---\n"
              "Hi {{ a }} and {{ b }}, your order has shipped.\n")
    result = run_cli("render", str(write("ok.sms", source)), "--example")
    assert result.exit_code == 0 and result.stdout.startswith("Hi Ana and Ana")


@pytest.mark.parametrize("reference_run", [False, True], ids=["system calls", "file object"])
def test_a_huge_file_is_not_read_whole(tmp_path, monkeypatch, reference_run):
    """read_source reads at most the cap plus one byte, whatever the file's size, in small reads
    (os.read; with TEMPLATER_REFERENCE=1 a file object's read)."""
    import os

    from templater import reference, template
    monkeypatch.setattr(reference, "ON", reference_run)
    path = tmp_path / "huge.sms"
    with path.open("wb") as handle:
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: big on paper, nothing on disk
    reads: list[int] = []
    if reference_run:
        real_open = type(path).open

        def spy(self, *args, **kwargs):
            handle = real_open(self, *args, **kwargs)
            real_read = handle.read
            handle.read = lambda n=-1: reads.append(n) or real_read(n)  # type: ignore[method-assign]
            return handle

        monkeypatch.setattr(type(path), "open", spy)
    else:
        real_read = os.read
        monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    with pytest.raises(ValueError, match="byte limit"):
        template.read_source(path)
    assert sum(reads) == MAX_FILE_BYTES + 1  # a small first read, then the rest of the cap
    assert reads[0] < MAX_FILE_BYTES


@pytest.mark.parametrize("size", [0, 10, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 40_000, MAX_FILE_BYTES,
                                  MAX_FILE_BYTES + 1])
def test_a_file_reads_the_same_by_system_calls_and_by_a_file_object(size, tmp_path, monkeypatch):
    from templater import reference, template
    path = tmp_path / "t.sms"
    path.write_bytes(("é\r\n" * size)[:size].encode("utf-8", "replace")[:size] if size else b"")
    outcomes = []
    for switch in (False, True):
        monkeypatch.setattr(reference, "ON", switch)
        try:
            outcomes.append(template.read_source(path))
        except ValueError as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
    assert outcomes[0] == outcomes[1]


def test_a_folder_or_a_missing_file_raises_the_same_by_system_calls_and_by_a_file_object(tmp_path, monkeypatch):
    from templater import reference, template
    for target in (tmp_path, tmp_path / "missing.sms"):
        errors = []
        for switch in (False, True):
            monkeypatch.setattr(reference, "ON", switch)
            with pytest.raises(OSError) as caught:
                template.read_source(target)
            errors.append((type(caught.value), str(caught.value), caught.value.filename))
        assert errors[0] == errors[1] and str(target) in errors[0][1]


def test_hostile_vars_files_are_one_line_errors(write):
    template = write("v.sms", template_source("Hi {{ name }}, your order has shipped.",
                                              variables={"name": {"example": "Ana"}}))
    deep = write("deep.yaml", "name: " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run_cli("render", str(template), "--vars", str(deep))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"templater: error: {deep}: invalid JSON or YAML: values "
                                                  "nested too deeply"]
    broken = write("broken.yaml", "brand: Acme\nname: [Ana\n")
    result = run_cli("render", str(template), "--vars", str(broken))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"templater: error: {broken}:3: invalid JSON or YAML: expected "
                                                  "',' or ']', but got '<stream end>'"]
    bomb = write("bomb.yaml", BILLION_LAUGHS.split("---\n")[1].replace("variables:\n  x: {example: *i}\n",
                                                                       "name: *i\n"))
    result = run_cli("render", str(template), "--vars", str(bomb))
    assert result.exit_code == 2 and "over the limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _without_root_overrides(command: list[str]) -> list[str]:
    """The command, run without root's power to read any folder, so that permissions apply as for a
    user (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set)."""
    import os
    import shutil

    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: folder permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


def test_a_folder_lint_cannot_read_is_a_finding() -> None:
    """Issue 20 item 19: a folder without read permission was skipped in silence."""
    import os
    import shutil
    import tempfile
    from pathlib import Path

    root = Path(tempfile.mkdtemp(prefix="templater-perm-"))
    try:
        (root / "ok").mkdir()
        (root / "locked").mkdir()
        (root / "ok" / "a.sms").write_text(template_source("Your order shipped!!! Call now", category=None))
        (root / "locked" / "b.sms").write_text(GOOD)
        for folder in (root, root / "ok"):
            folder.chmod(0o755)
        (root / "ok" / "a.sms").chmod(0o644)
        (root / "locked").chmod(0o000)
        command = [sys.executable, "-m", "templater.cli", "lint", "--format", "json", str(root)]
        result = subprocess.run(_without_root_overrides(command), capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        found = {(Path(f["path"]).name, f["rule"]): f["message"] for f in json.loads(result.stdout)}
        assert "cannot list this folder (Permission denied)" in found[("locked", "unreadable-file")]
        assert ("a.sms", "missing-category") in found
    finally:
        (root / "locked").chmod(0o755)
        shutil.rmtree(root)


def test_a_library_id_is_never_shadowed_by_a_local_file(tmp_path, monkeypatch) -> None:
    """Issue 20 item 16: `render retail.order-shipped.en` rendered a local file of that name."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "retail.order-shipped.en").write_text(template_source("Acme: LOCAL COPY, your parcel waits."))
    values = ["--var", "brand=Acme", "--var", "first_name=Ana", "--var", "order_id=7"]
    result = run_cli("render", "retail.order-shipped.en", *values)
    assert result.exit_code == 0 and "your order #7 has shipped" in result.stdout, result.output
    assert "LOCAL COPY" not in result.stdout
    # A path says it is one: './x' or the .sms extension.
    local = run_cli("render", "./retail.order-shipped.en")
    assert local.exit_code == 0 and "LOCAL COPY" in local.stdout, local.output
    (tmp_path / "promo").write_text(template_source("Big SALE today!"))
    missing = run_cli("render", "promo")
    assert missing.exit_code == 2 and "no library id 'promo' (for the file of that name, write ./promo)" in missing.stderr
    assert run_cli("render", "nope.sms").stderr.strip() == "templater: error: nope.sms: no such template file"


def _people(tmp_path, rows: int = 3):
    people = tmp_path / "people.csv"
    people.write_text("phone,name,consent,consent_scope\n" + "".join(
        f"+1212555{i:04d},Ana,express,t\n" for i in range(rows)))
    template = tmp_path / "t.sms"
    template.write_text(template_source("Acme: Hi {{ name }}, your order shipped.",
                                        variables={"name": {"example": "Ana"}}))
    return template, people


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
@pytest.mark.parametrize("option", ["--out", "--rejects"])
def test_special_files_are_refused_before_any_row(kind: str, option: str, tmp_path) -> None:
    """Issue 20 item 18: a device node was replaced by a regular file, a folder found after the run."""
    import os
    import stat

    template, people = _people(tmp_path)
    special = tmp_path / "special"
    if kind == "folder":
        special.mkdir()
    elif kind == "fifo":
        os.mkfifo(special)
    else:
        try:
            os.mknod(special, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
        except PermissionError:
            pytest.skip("cannot make a device node here")
    mode = os.stat(special).st_mode
    paths = {"--out": str(tmp_path / "out.jsonl"), "--rejects": str(tmp_path / "rej.jsonl")}
    paths[option] = str(special)
    result = run_cli("render", str(template), "--recipients", str(people), "--out", paths["--out"],
                     "--rejects", paths["--rejects"], "--send-at", "2025-05-06T16:00:00Z")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"templater: error: {special}: {option} is a {kind.replace('fifo', 'FIFO')}, " \
        "not a file: give the path of a regular file to write"
    assert os.stat(special).st_mode == mode  # still what it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["people.csv", "special", "t.sms"]


def test_a_full_disk_leaves_no_part_file(tmp_path) -> None:
    """A write that fails (here: RLIMIT_FSIZE, as a full disk would) leaves nothing behind, one line."""
    import os
    import resource

    template, people = _people(tmp_path, rows=2000)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (128 * 1024, 128 * 1024))

    out = tmp_path / "out" / "messages.jsonl"
    out.parent.mkdir()
    result = subprocess.run([sys.executable, "-m", "templater.cli", "render", str(template), "--recipients",
                             str(people), "--out", str(out), "--send-at", "2025-05-06T16:00:00Z", "--jobs", "1"],
                            capture_output=True, text=True, preexec_fn=small_files, timeout=120,
                            env={**os.environ, "TEMPLATER_NO_CACHE": "1"})
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (f"templater: error: {out}: cannot write the output: File too large; "
                                     "nothing was written")
    assert list(out.parent.iterdir()) == []


def test_the_rejects_file_is_committed_after_the_output(tmp_path, monkeypatch) -> None:
    from templater.render import outputs

    template, people = _people(tmp_path)
    order = []
    commit = outputs.AtomicFile.commit
    monkeypatch.setattr(outputs.AtomicFile, "commit", lambda self: (order.append(os.path.basename(self.path)),
                                                                    commit(self)))
    import os

    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(tmp_path / "o.jsonl"),
                     "--send-at", "2025-05-06T16:00:00Z")
    assert result.exit_code == 0, result.output
    assert order == ["o.jsonl", "o.rejects.jsonl"]


def test_lint_jobs_ends_with_one_line_when_a_worker_dies(tmp_path) -> None:
    """Issue 20 item 7: `lint --jobs N` waited for ever for a worker killed by SIGKILL (the OOM killer)."""
    import os
    import signal
    import time
    from pathlib import Path

    for i in range(1500):
        (tmp_path / f"t{i:04d}.sms").write_text(template_source(f"Acme: order {i} shipped. Get 20% off next time!"))
    proc = subprocess.Popen([sys.executable, "-m", "templater.cli", "lint", "--jobs", "2", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "TEMPLATER_NO_CACHE": "1"})
    give_up = time.monotonic() + 120  # a hang detector, not a speed target
    try:
        workers: list[int] = []
        while not workers:
            assert proc.poll() is None, "the run finished before a worker could be killed"
            assert time.monotonic() < give_up, "no worker process ever started"
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
            time.sleep(0.01)
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=max(1.0, give_up - time.monotonic()))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 2, stderr
    assert stderr.strip().splitlines() == [
        "templater: error: a worker process died (killed by signal 9; the system may be out of memory), so "
        "some files were not linted: run again, with fewer --jobs if memory is short"]
    assert stdout == ""
