"""`templater classify` and `templater lint` decide the same way on the same text: a message is
promotional for classify exactly when mixed-content (its promotional variant, an error) fires on it
in a transactional template, and both name the same evidence."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from templater import api
from conftest import lint_json, run_cli, template_source

RULESET = api.ruleset()
LIBRARY = Path(__file__).resolve().parent.parent / "template_library"


def _texts() -> list[tuple[str, str]]:
    """(text, language) of every signal example of every pack, without Jinja (a plain message)."""
    out = []
    for signal in RULESET.signals.values():
        for example in signal.fail + signal.passes:
            if example.body and "endraw" not in example.body:
                out.append((example.body, example.language))
    return out


def _classified(args: list[str]) -> list[dict]:
    result = run_cli("classify", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _mixed(findings: list[dict]) -> dict[str, list[str]]:
    """path -> the messages of the error-level mixed-content findings."""
    out: dict[str, list[str]] = {}
    for f in findings:
        if f["rule"] == "mixed-content" and f["severity"] == "error":
            out.setdefault(Path(f["path"]).name, []).append(f["message"])
    return out


def test_plain_text_decides_as_its_template_does(tmp_path: Path) -> None:
    texts = _texts()
    assert len(texts) > 300
    paths = []
    for i, (text, language) in enumerate(texts):
        # the text as written, in a transactional template: {% raw %} keeps placeholders as text
        path = tmp_path / f"m{i}.sms"
        path.write_text(template_source("{% raw %}" + text + "{% endraw %}", "transactional", language),
                        encoding="utf-8")
        paths.append(path)
    classified = []
    for language in ("en", "fr"):
        chosen = [t for t, lang in texts if lang == language]
        classified += _classified(["--language", language, *[a for t in chosen for a in ("--text", t)]])
    order = [t for lang in ("en", "fr") for t, l2 in texts if l2 == lang]
    by_text = dict(zip(order, classified))
    _code, findings = lint_json("--select", "mixed-content", str(tmp_path))
    fired = _mixed(findings)
    for (text, _language), path in zip(texts, paths):
        item = by_text[text]
        assert (item["category"] == "promotional") == (path.name in fired), (text, item, fired.get(path.name))
        # and both name the same promotional signals (lint by their label), each with a span of the text
        labels = {f"({RULESET.signals[e['signal']].label})" for e in item["evidence"] if e["kind"] == "promotional"}
        named = {label for message in fired.get(path.name, []) for label in labels if label in message}
        assert named == labels, (text, labels, fired.get(path.name))
        for e in item["evidence"]:
            assert text[e["start"]:e["end"]].strip() == e["text"]


def test_library_templates_decide_alike(tmp_path: Path) -> None:
    files = sorted(LIBRARY.glob("*/*.sms"))
    assert files
    classified = _classified([str(p) for p in files])
    for path, item in zip(files, classified):
        source = path.read_text(encoding="utf-8")
        _, head, body = source.split("---\n", 2)
        meta = yaml.safe_load(head)
        meta.update(category="transactional", consent="express")
        meta.pop("in_reply_to", None)
        copy = tmp_path / path.name
        copy.write_text("---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body,
                        encoding="utf-8")
        _code, findings = lint_json("--select", "mixed-content", str(copy))
        assert (item["category"] == "promotional") == bool(_mixed(findings)), (path, item, findings)
