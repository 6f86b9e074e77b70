"""The accuracy benchmark's maths and plumbing, on a tiny in-test corpus (not the real figures)."""
from __future__ import annotations

import importlib.util
import json
import sys
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
