"""The learned scorer: how it reads text, how classify and mixed-content use it, and that the shipped
weights leave the library and the rule examples alone."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from templater import api, scorer
from templater.linter import Linter, LintOptions
from templater.template import parse
from conftest import example_source, lint_json, run_cli, template_source

ROOT = Path(__file__).resolve().parents[1]
# A made-up word no rule knows, so that only the scorer can call these texts promotional.
TOY = scorer.Model({"language": "en", "threshold": 0.5, "intercept": -1.0, "features": {
    "w:zorblax": [1.0, 6.0], "w:friday": [1.0, 1.0], "w:shipped": [1.0, -1.0], " zo": [2.0, 0.5]}})
TEXT = "Your order has shipped. Zorblax sale on Friday!"
SENTENCE = "Zorblax sale on Friday!"


@pytest.fixture
def toy_model():
    with scorer.using({"en": TOY, "fr": None}):
        yield TOY


def test_placeholders_of_every_syntax_read_as_one_slot_and_the_length_is_kept() -> None:
    text = "Hi {{ name }}, {first} [First Name] %CODE% #CODE# ${code} :code \x00\x00 got 20% at 9am"
    prepared = scorer.prepare(text)
    assert len(prepared) == len(text)
    assert prepared.split() == ["hi", "§", ",", "§", "§", "§", "§", "§", "§", "§", "got", "00%", "at", "0am"]


def test_features_fold_accents_and_links_and_stay_within_a_sentence() -> None:
    found = scorer.features("Découvrez www.shop.example/x. Merci")
    assert "w:decouvrez" in found and "w:url" in found and " url " in found and " dec" in found
    assert "w:decouvrez url" in found and "w:url merci" not in found  # no pair across the sentence end
    assert scorer.sentence_spans("One. Two!  Three\nFour") == [(0, 4), (5, 9), (11, 16), (17, 21)]


def test_prices_percentages_and_codes_read_as_classes_and_a_glued_dash_as_a_space() -> None:
    text = "Lunch menu\u201415% off, only $9.99 or 12,50\u20ac. Code 123456 \u2013 see you at 9"
    prepared = scorer.prepare(text)
    assert len(prepared) == len(text) and "menu 00%" in prepared and " - see" in prepared
    found = scorer.features(text)
    assert {"w:0pct", "w:0price", "w:0code", "w:menu 0pct", "w:0"} <= set(found)
    assert not {"w:00%", "w:$0.00", "w:000000"} & set(found)


def test_classify_names_the_scorers_sentence_and_words(toy_model) -> None:
    result = run_cli("classify", "--format", "json", "--language", "en", "--text", TEXT)
    [item] = json.loads(result.stdout)
    assert item["category"] == "promotional"
    [ev] = [e for e in item["evidence"] if e["kind"] == "promotional"]
    assert ev["signal"] == "scorer" and ev["text"] == SENTENCE == TEXT[ev["start"]:ev["end"]]
    assert ev["words"][0] == "zorblax" and "shipped" not in ev["words"]
    text = run_cli("classify", "--language", "en", "--text", TEXT).stdout
    assert f"promotional scorer: '{SENTENCE}'" in text


def test_mixed_content_warns_where_only_the_scorer_sees_promotion(toy_model, write) -> None:
    path = write("t.sms", template_source("Acme: " + TEXT + " Reply STOP to opt out.", category="transactional"))
    code, findings = lint_json("--select", "mixed-content", str(path))
    [finding] = findings
    assert code == 0 and finding["severity"] == "warning"
    assert "statistical second opinion" in finding["message"] and "zorblax" in finding["message"]
    assert f"'{SENTENCE}'" in finding["message"]
    assert (finding["line"], finding["column"]) == (5, 1 + len("Acme: Your order has shipped. "))


def test_the_scorer_is_not_asked_when_a_rule_found_promotion(toy_model, write) -> None:
    text = TEXT + " Use code SAVE20 for 20% off your next order."
    [item] = json.loads(run_cli("classify", "--format", "json", "--language", "en", "--text", text).stdout)
    assert "scorer" not in {e["signal"] for e in item["evidence"]} and item["category"] == "promotional"
    path = write("t.sms", template_source("Acme: " + text, category="transactional"))
    _code, findings = lint_json("--select", "mixed-content", str(path))
    assert findings and all(f["severity"] == "error" for f in findings)


def test_rendering_does_not_ask_the_scorer(toy_model) -> None:
    template, _problems = parse(template_source("Acme: " + TEXT, category="transactional"), "t.sms", "t")
    linter = Linter(api.ruleset(), LintOptions(select=("mixed-content",)))
    assert linter.lint_message(template, "Acme: " + TEXT) == []
    assert [str(f.severity) for f in linter.lint_parsed(template, [], "t.sms").findings] == ["warning"]


def test_lint_imports_the_scorer_only_where_a_template_needs_it_and_a_model_ships(write) -> None:
    promo = write("p.sms", template_source("Acme: flash sale, 30% off today. Reply STOP to opt out.",
                                           category="promotional"))
    shipped = write("t.sms", template_source("Acme: your order has shipped.", category="transactional"))
    # lint leaves by os._exit (cli._exit_at_once): here it raises SystemExit instead, so that the
    # child can say what it imported.
    code = ("import os, sys, runpy\nos._exit = sys.exit\nsys.argv = ['templater', 'lint', sys.argv[1]]\n"
            "try:\n    runpy.run_module('templater.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('templater.scorer' in sys.modules)")
    seen = [subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True).stdout.split()[-1]
            for p in (promo, shipped)]
    any_model = any((ROOT / "templater" / "data").glob("scorer.*.json"))
    assert seen == ["False", str(any_model)]


def _train_scorer():
    if "train_scorer" not in sys.modules:
        spec = importlib.util.spec_from_file_location("train_scorer", ROOT / "benchmarks" / "train_scorer.py")
        module = sys.modules["train_scorer"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["train_scorer"]


def test_no_rule_pass_example_or_library_template_gets_a_scorer_warning() -> None:
    """With the shipped weights (the trainer keeps the threshold above these templates' scores)."""
    linter = Linter(api.ruleset(), LintOptions(select=("mixed-content",)))
    guarded = _train_scorer().guarded()
    warned = [f"{name}: {finding.message}" for name, source in guarded
              for finding in linter.lint_source(source, "x.sms", "x").findings if "learned scorer" in finding.message]
    assert len(guarded) > 250 and warned == []


def test_the_mixed_content_examples_that_must_fire_still_fire_as_errors() -> None:
    rule = api.ruleset().rules["mixed-content"]
    linter = Linter(api.ruleset(), LintOptions(select=("mixed-content",)))
    for example in rule.fail:
        severities = {str(f.severity) for f in linter.lint_source(example_source(example), "x.sms", "x").findings}
        assert severities, example


def test_the_shipped_models_are_those_the_trainer_ships_and_small() -> None:
    shipped = sorted((ROOT / "templater" / "data").glob("scorer.*.json"))
    assert [p.name.split(".")[1] for p in shipped] == sorted(_train_scorer().SHIPPED)
    for path in shipped:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert path.stat().st_size < 200_000 and 0 < len(data["features"]) <= 3000
        assert data["language"] == path.name.split(".")[1] and isinstance(data["threshold"], float)
    for language in ("en", "fr"):  # without a shipped model the scorer says nothing
        assert (scorer.model(language) is None) == (language not in _train_scorer().SHIPPED)


def test_the_trainer_ships_what_scikit_learn_fitted(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    train_scorer = _train_scorer()
    promo = [f"Flash sale at shop {i}: {10 + i}% off everything this weekend, shop now!" for i in range(12)]
    other = [f"Your order #{100 + i} has shipped and arrives {['today', 'tomorrow'][i % 2]}." for i in range(12)]
    # fit() raises when the pure-Python evaluation differs from scikit-learn's decision function.
    data = train_scorer.fit(promo + other, [True] * 12 + [False] * 12, "en")
    model = scorer.Model(data)
    assert min(model.score(t) for t in promo) > max(model.score(t) for t in other)


def _examples(train_scorer, promo: list[str], other: list[str], near: tuple[str, ...] = ()) -> list:
    return [train_scorer.Example(t, "en", t in promo, f"g{i % 6}", t in near) for i, t in enumerate(promo + other)]


def test_the_trainer_keeps_a_model_only_for_what_it_adds_to_the_rules() -> None:
    """The threshold is chosen on what the scorer adds, held out by source, to what the rules
    catch in sources they were not written from: a scorer that only repeats the rules is not kept."""
    pytest.importorskip("sklearn")
    train_scorer = _train_scorer()
    caught = [f"Flash sale at shop {i}: {10 + i}% off everything this weekend, shop now!" for i in range(12)]
    missed = [f"Zorblax tasting at store {i} this {['Friday', 'Sunday'][i % 2]}." for i in range(12)]
    other = [f"Your order #{100 + i} has shipped and arrives {['today', 'tomorrow'][i % 2]}." for i in range(12)]
    assert {api.classify(t, language="en").category for t in missed} == {"transactional"}  # no rule sees them
    data, summary = train_scorer.train(_examples(train_scorer, caught + missed, other), "en")
    assert data is not None and data["threshold"] < float("inf")
    assert "the scorer adds 12 (12 promotional, 0 near misses), together recall 1.000 at precision 1.000" in summary
    with scorer.using({"en": scorer.Model(data), "fr": None}):
        assert {api.classify(t, language="en").category for t in missed} == {"promotional"}
    # What the rules already catch is no reason to ship a model.
    data, summary = train_scorer.train(_examples(train_scorer, caught, other), "en")
    assert data is None and "the scorer adds 0" in summary and summary.endswith(": no model")


def test_the_threshold_stops_before_the_scorer_adds_near_misses() -> None:
    train_scorer = _train_scorer()
    texts = ["offer a", "offer b", "points earned", "offer c", "receipt"]
    examples = [train_scorer.Example(t, "en", t.startswith("offer"), "g", t == "points earned") for t in texts]
    scores, caught = [3.0, 2.5, 2.0, 1.5, 1.0], [False] * 5
    # Above the near miss: two additions, both promotional.
    assert train_scorer.choose_threshold(examples, scores, caught, least=1) == 2.5
    # With the near miss caught by the rules anyway (a false positive they make), the scorer goes on.
    assert train_scorer.choose_threshold(examples, scores, [False, False, True, False, False], least=1) == 1.5
    # A precision measured on fewer additions than asked for says too little.
    assert train_scorer.choose_threshold(examples, scores, caught, least=3) == float("inf")
    # With room for the near miss and 0.75 precision, it may pass it.
    assert train_scorer.choose_threshold(examples, scores, caught, precision=0.75, near_misses=1.0, least=1) == 1.5


def test_study_lists_the_top_additions_of_the_study_half_only() -> None:
    """`train_scorer.py --study N` shows what the scorer would add, best first, with its rank among
    every addition; the check half's messages are counted in the ranks and never shown."""
    train_scorer = _train_scorer()
    halves = {train_scorer.corpus_split.dev_half(f"site{i}.example"): f"site{i}.example" for i in range(20)}
    study, check = halves["study"], halves["check"]
    examples = [train_scorer.Example("Zorblax tasting Friday.", "en", True, check, id="en-1"),
                train_scorer.Example("Your points were added.", "en", False, study, True, "en-2"),
                train_scorer.Example("Flash sale, 20% off!", "en", True, study, id="en-3"),
                train_scorer.Example("Your order shipped.", "en", False, study, id="en-4")]
    lines = train_scorer.study(examples, [3.0, 2.0, 5.0, 1.0], [False, False, True, False], 5)
    assert lines == ["  #2 2.00 en-2 [near miss] 'Your points were added.'",
                     "  #3 1.00 en-4 [other] 'Your order shipped.'"]
    assert "Zorblax" not in "".join(lines)  # the check half's addition: ranked first, not shown
    ranked = train_scorer.ranked_additions(examples, [3.0, 2.0, 5.0, 1.0], [False, False, True, False])
    assert train_scorer.ranking(ranked, (2,)) == "its 2 highest-scoring additions hold 1/2 (1 near misses) promotional"
