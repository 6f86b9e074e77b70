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


def test_a_huge_file_is_not_read_whole(tmp_path, monkeypatch):
    """read_source reads at most the cap plus one byte, whatever the file's size."""
    from templater import template
    path = tmp_path / "huge.sms"
    with path.open("wb") as handle:
        handle.truncate(50 * MAX_FILE_BYTES)  # sparse: big on paper, nothing on disk
    reads: list[int] = []
    real_open = type(path).open

    def spy(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        real_read = handle.read
        handle.read = lambda n=-1: reads.append(n) or real_read(n)  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(type(path), "open", spy)
    with pytest.raises(ValueError, match="byte limit"):
        template.read_source(path)
    assert reads == [MAX_FILE_BYTES + 1]


def test_hostile_vars_files_are_one_line_errors(write):
    template = write("v.sms", template_source("Hi {{ name }}, your order has shipped.",
                                              variables={"name": {"example": "Ana"}}))
    deep = write("deep.yaml", "name: " + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run_cli("render", str(template), "--vars", str(deep))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"templater: error: {deep}: invalid JSON or YAML: values "
                                                  "nested too deeply"]
    bomb = write("bomb.yaml", BILLION_LAUGHS.split("---\n")[1].replace("variables:\n  x: {example: *i}\n",
                                                                       "name: *i\n"))
    result = run_cli("render", str(template), "--vars", str(bomb))
    assert result.exit_code == 2 and "over the limit" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
