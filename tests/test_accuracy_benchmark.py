"""The accuracy benchmark's maths and plumbing, on a tiny in-test corpus (not the real figures)."""
from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from templater.findings import Severity

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "accuracy.py"
_SPEC = importlib.util.spec_from_file_location("accuracy_benchmark", _PATH)
accuracy = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = accuracy
_SPEC.loader.exec_module(accuracy)
Message = accuracy.Message


def _msg(id_: str, label: str, base: str | None = None, lang: str = "en", text: str = "x") -> Message:
    return Message(id_, text, lang, label, base)


CORPUS = [
    _msg("p1", "promotional"), _msg("p2", "promotional"), _msg("p3", "promotional"),
    _msg("m1", "mixed", "transactional"), _msg("t1", "transactional"), _msg("t2", "transactional"),
    _msg("c1", "conversational"),
]
PREDICTED = {"p1": "promotional", "p2": "promotional", "p3": "conversational", "m1": "promotional",
             "t1": "promotional", "t2": "transactional", "c1": "conversational"}


def test_promo_scores_counts_mixed_as_promotional_content() -> None:
    scores = accuracy.promo_scores(CORPUS, PREDICTED)
    assert (scores.tp, scores.fp, scores.fn, scores.tn) == (3, 1, 1, 2)
    assert scores.precision == pytest.approx(3 / 4)
    assert scores.recall == pytest.approx(3 / 4)
    assert scores.f1 == pytest.approx(0.75)
    assert [m.id for m in scores.false_negatives] == ["p3"]
    assert [m.id for m in scores.false_positives] == ["t1"]


def test_scores_without_predictions_are_undefined_not_zero() -> None:
    scores = accuracy.promo_scores([_msg("t", "transactional")], {"t": "transactional"})
    assert scores.precision is None and scores.recall is None and scores.f1 is None


def test_confusion_matrix_rows_are_labels_columns_predictions() -> None:
    matrix = accuracy.confusion_matrix(CORPUS, PREDICTED)
    assert matrix["promotional"] == {"promotional": 2, "transactional": 0, "conversational": 1}
    assert matrix["transactional"] == {"promotional": 1, "transactional": 1, "conversational": 0}
    assert matrix["mixed"]["promotional"] == 1
    assert sum(sum(row.values()) for row in matrix.values()) == len(CORPUS)


def test_mixed_rates_declare_base_category_and_own_label() -> None:
    declared = {}

    def flag(cases):
        declared.update({m.id: category for m, category in cases})
        return {"m1": [Severity.ERROR], "t1": [], "t2": [Severity.WARNING], "c1": []}

    recall, fp_rate = accuracy.mixed_rates(CORPUS, flag)
    assert declared == {"m1": "transactional", "t1": "transactional", "t2": "transactional",
                        "c1": "conversational"}
    assert (recall.hits, recall.total, recall.value) == (1, 1, 1.0)
    # Any mixed-content finding on a pure message is a false positive, a warning included.
    assert (fp_rate.hits, fp_rate.total) == (1, 3)
    assert [m.id for m in fp_rate.misses] == ["t2"]


def test_only_an_error_counts_as_detecting_a_mixed_message() -> None:
    recall, _ = accuracy.mixed_rates([_msg("m", "mixed", "conversational")], lambda cases: {"m": [Severity.WARNING]})
    assert recall.hits == 0 and [m.id for m in recall.misses] == ["m"]


@pytest.mark.parametrize("text", [
    "Hi {{name}}, your order {{ order_id }} has shipped! Use code SAVE20 for 20% off your next order.",
    "Hi [Name], your order {first_name} %NAME% has shipped! {% Use code SAVE20 for 20% off your next order.",
])
def test_placeholders_stay_text_and_mixed_content_still_sees_it(text: str) -> None:
    found = accuracy.mixed_content_severities([(_msg("m", "mixed", "transactional", text=text), "transactional")])
    assert Severity.ERROR in found["m"]


def test_a_pure_message_with_placeholders_is_not_flagged() -> None:
    text = "Hi {{name}}, your order #{{order_id}} has shipped. Track it: {{url}}"
    found = accuracy.mixed_content_severities([(_msg("t", "transactional", text=text), "transactional")])
    assert found["t"] == []


def test_raw_body_renders_to_the_text_itself() -> None:
    source = accuracy.template_source("Use {{code}} now", "transactional", "fr")
    assert source.endswith("---\n{% raw %}Use {{code}} now{% endraw %}")
    assert "category: transactional" in source and "language: fr" in source


def test_main_exit_status_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "en-1", "text": "Flash sale today: 30% off everything in store.", "language": "en",
         "label": "promotional", "base_category": None},
        {"id": "en-2", "text": "Your verification code is 482913. It expires in 10 minutes.", "language": "en",
         "label": "transactional", "base_category": None},
        {"id": "en-3", "text": "Your order has shipped! Use code SAVE20 for 20% off your next order.",
         "language": "en", "label": "mixed", "base_category": "transactional"},
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert accuracy.main([str(corpus)]) == 0
    assert "all targets met" in capsys.readouterr().out

    rows.append({"id": "en-4", "text": "Thanks for your visit, see you soon!", "language": "en",
                 "label": "promotional", "base_category": None})
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert accuracy.main([str(corpus)]) == 1
    out = capsys.readouterr().out
    assert "en-4 [promotional -> conversational]" in out and "MISSED" in out


def test_every_placeholder_style_renders_back_verbatim() -> None:
    texts = ["Hi {{name}} {{ x|upper }} [Name] {first} %NAME% <name> ${id} {% if %} {# c #} 20% off"]
    assert accuracy.not_verbatim([_msg("a", "promotional", text=t) for t in texts]) == []


_ORDER_REPLY = "Found it! Your order #{{order_number}} is currently shipped. Anything else I can help with?"


@pytest.mark.parametrize("value", ["order-status question", "It's: a \"question\" #1 - 'yes'/'no'", "❓ = I have questions",
                                   "4-5", "null"])
def test_a_conversational_template_declares_in_reply_to_in_its_front_matter(value: str) -> None:
    from templater.template import parse

    source = accuracy.template_source("Thanks!", "conversational", "en", value)
    template, problems = parse(source, "<t>", "t")
    assert problems == [] and template is not None
    assert template.meta["in_reply_to"] == value  # quoted safely: read back as the very string
    assert template.category == "conversational"
    # Other categories and messages without one declare nothing.
    assert "in_reply_to" not in accuracy.template_source("Thanks!", "transactional", "en", value)
    assert "in_reply_to" not in accuracy.template_source("Thanks!", "conversational", "en")


def test_load_corpus_reads_in_reply_to(tmp_path: Path) -> None:
    rows = [{"id": "c", "text": "t", "language": "en", "label": "conversational", "in_reply_to": "HELP"},
            {"id": "t", "text": "t", "language": "en", "label": "transactional"}]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    assert [m.in_reply_to for m in accuracy.load_corpus(corpus)] == ["HELP", None]


def test_the_linted_template_carries_the_messages_in_reply_to() -> None:
    with_it = _msg("c", "conversational", text=_ORDER_REPLY)
    with_it = replace(with_it, in_reply_to="order-status question")
    without = _msg("d", "conversational", text=_ORDER_REPLY)
    found = accuracy.mixed_content_severities([(with_it, "conversational"), (without, "conversational")])
    assert found["c"] == []  # the reply says what it answers: no transactional warning
    assert found["d"] == [Severity.WARNING]


def test_the_rate_without_in_reply_to_lints_pure_messages_with_none_declared() -> None:
    seen = {}

    def flag(cases):
        seen.update({m.id: (m.in_reply_to, category) for m, category in cases})
        return {m.id: ([Severity.WARNING] if m.id == "c1" else []) for m, _ in cases}

    messages = [replace(_msg("c1", "conversational"), in_reply_to="order question"),
                _msg("t1", "transactional"), _msg("m1", "mixed", "conversational"), _msg("p1", "promotional")]
    rate = accuracy.fp_rate_without_in_reply_to(messages, flag)
    assert seen == {"c1": (None, "conversational"), "t1": (None, "transactional")}
    assert (rate.hits, rate.total, [m.id for m in rate.misses]) == (1, 2, ["c1"])


def test_main_prints_the_rate_without_in_reply_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"id": "en-1", "text": "Flash sale today: 30% off everything in store.", "language": "en",
         "label": "promotional"},
        {"id": "en-2", "text": _ORDER_REPLY, "language": "en", "label": "conversational",
         "in_reply_to": "order-status question"},
        {"id": "en-3", "text": "Your verification code is 482913. It expires in 10 minutes.", "language": "en",
         "label": "transactional"},
    ]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    accuracy.main([str(corpus)])
    lines = capsys.readouterr().out.splitlines()
    primary = [line for line in lines if "mixed-content false-positive rate" in line and "without" not in line]
    extra = [line for line in lines if "false-positive rate without in_reply_to" in line]
    assert len(primary) == 1 and "0.000" in primary[0] and "(0/2)" in primary[0]
    assert len(extra) == 1 and "0.500" in extra[0] and "(1/2)" in extra[0] and "info" in extra[0]
