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


@pytest.mark.parametrize("signal_id", sorted(RULESET.signals))
def test_signal_examples(signal_id: str, tmp_path: Path) -> None:
    signal = RULESET.signals[signal_id]
    assert signal.fail and signal.passes, f"{signal_id} needs fail and pass examples"
    for kind, examples in (("fail", signal.fail), ("pass", signal.passes)):
        paths = _write_examples(tmp_path / kind, examples, signal_id, "promotional")
        result = run_cli("classify", "--format", "json", *map(str, paths))
        assert result.exit_code == 0, result.output
        for example, item in zip(examples, json.loads(result.stdout)):
            _expect(kind, signal_id in {e["signal"] for e in item["evidence"]}, signal_id, example.body)


def test_every_rule_is_documented() -> None:
    for rule in RULESET.rules.values():
        assert rule.doc and rule.summary and rule.message, rule.id
    for signal in RULESET.signals.values():
        assert signal.doc and signal.label, signal.id
