"""Every rule's and signal's own pass/fail examples, run through the CLI with only that rule on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from templater import api
from conftest import example_source, lint_json, run_cli

RULESET = api.ruleset()


def _write_examples(folder: Path, examples, rule_id: str, default_category: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, example in enumerate(examples):
        source = example_source(example, default_category)
        path = folder / f"example{i}.sms"
        path.write_bytes(source.encode("utf-8"))
        paths.append(path)
        if rule_id == "duplicate-id" and folder.name == "fail":
            (folder / f"example{i}-copy.sms").write_bytes(source.encode("utf-8"))
    return paths


def _expect(kind: str, hit: bool, what: str, text: str) -> None:
    """A 'fail' example must be hit by the rule or signal, a 'pass' example must not."""
    if kind == "fail":
        assert hit, f"{what} should fire on: {text!r}"
    else:
        assert not hit, f"{what} should not fire on: {text!r}"


def _body_line(example, source: str) -> int:
    """The file line that a body example's line 1 is (1 for a whole-file source example)."""
    return 1 if example.source is not None else source[: len(source) - len(example.body)].count("\n") + 1


def _expect_place(example, source: str, found: list[dict], rule_id: str) -> None:
    """A failing example's first finding is where it says, and the rule fires as often as it says."""
    text = example.source or example.body
    if example.count is not None or example.line is not None:
        assert len(found) == (example.count or 1), f"{rule_id}: {len(found)} findings on {text!r}"
    if example.line is not None:
        first = min((f["line"], f["column"]) for f in found)
        at = (first[0] - _body_line(example, source) + 1, first[1])
        assert at == (example.line, example.column), f"{rule_id} at {at}, not ({example.line}, {example.column}) on {text!r}"


@pytest.mark.parametrize("rule_id", sorted(RULESET.rules))
def test_rule_examples(rule_id: str, tmp_path: Path) -> None:
    rule = RULESET.rules[rule_id]
    assert rule.fail and rule.passes, f"{rule_id} needs fail and pass examples"
    for kind, examples in (("fail", rule.fail), ("pass", rule.passes)):
        paths = _write_examples(tmp_path / kind, examples, rule_id, "transactional")
        _code, findings = lint_json("--select", rule_id, str(tmp_path / kind))
        fired = {Path(f["path"]).name for f in findings if f["rule"] == rule_id}
        assert all(f["rule"] == rule_id for f in findings)
        for path, example in zip(paths, examples):
            _expect(kind, path.name in fired, rule_id, example.source or example.body)
            if kind == "fail":
                assert example.line is not None and example.column is not None, \
                    f"{rule_id}: a failing example gives the position of its finding: {example.source or example.body!r}"
                _expect_place(example, example_source(example), [f for f in findings if Path(f["path"]).name == path.name],
                              rule_id)
    _expect_fixed(rule_id, tmp_path / "fail", rule.fail)


def _expect_fixed(rule_id: str, folder: Path, examples) -> None:
    """`lint --fix`, with only the rule on, turns each failing example that says so into its fixed text."""
    wanted = {f"example{i}.sms": e for i, e in enumerate(examples) if e.fixed is not None}
    if not wanted:
        return
    result = run_cli("lint", "--fix", "--select", rule_id, *(str(folder / name) for name in wanted))
    for name, example in wanted.items():
        source, after = example_source(example), (folder / name).read_text(encoding="utf-8")
        got = after if example.source is not None else after[len(source) - len(example.body):]
        assert got == example.fixed, f"{rule_id}: --fix gave {got!r} ({result.stderr})"


@pytest.mark.parametrize("signal_id", sorted(RULESET.signals))
def test_signal_examples(signal_id: str, tmp_path: Path) -> None:
    signal = RULESET.signals[signal_id]
    assert signal.fail and signal.passes, f"{signal_id} needs fail and pass examples"
    for kind, examples in (("fail", signal.fail), ("pass", signal.passes)):
        paths = _write_examples(tmp_path / kind, examples, signal_id, "promotional")
        result = run_cli("classify", "--format", "json", *map(str, paths))
        assert result.exit_code == 0, result.output
        for example, item in zip(examples, json.loads(result.stdout)):
            found = [e for e in item["evidence"] if e["signal"] == signal_id]
            _expect(kind, bool(found), signal_id, example.body)
            if kind == "fail":
                _expect_evidence_place(example, found, signal_id)


def _expect_evidence_place(example, found: list[dict], signal_id: str) -> None:
    """A firing signal example gives where its first evidence in the body starts (line counted in
    the body, column 1-based), as a rule example gives its finding's place. Evidence found only in
    the rendered message has no place in the body."""
    starts = [e["start"] for e in found if e["where"] != "rendered"]
    if not starts:
        assert example.line is None, f"{signal_id}: its evidence is only in the rendered message: {example.body!r}"
        return
    body, start = example.body, min(starts)
    at = (body.count("\n", 0, start) + 1, start - body.rfind("\n", 0, start))
    assert (example.line, example.column) == at, (
        f"{signal_id}: its first evidence starts at line {at[0]}, column {at[1]} of {body!r}"
        + (f", not at ({example.line}, {example.column})" if example.line is not None else
           f": give it as {{body: ..., line: {at[0]}, column: {at[1]}}} if that is where the evidence a reader"
           " would name starts (else the signal's pattern is what to fix)"))


def test_every_rule_is_documented() -> None:
    for rule in RULESET.rules.values():
        assert rule.doc and rule.summary and rule.message, rule.id
    for signal in RULESET.signals.values():
        assert signal.doc and signal.label, signal.id
