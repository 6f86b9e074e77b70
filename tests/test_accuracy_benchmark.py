"""The accuracy benchmark's split, maths and plumbing, on tiny in-test corpora (not the real figures)."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, _BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus_split = _load("corpus_split")
accuracy = _load("accuracy")
Message, Outcome = accuracy.Message, accuracy.Outcome


def _msg(id_: str, label: str, base: str | None = None, lang: str = "en", text: str = "x", **kw) -> Message:
    return Message(id_, text, lang, label, base, **kw)


def _frozen_name(prefix: str) -> str:
    """A host whose group falls in the frozen split (one in three by hash) when new in a frozen batch."""
    return next(f"{prefix}{i}.example" for i in range(100)
                if int(hashlib.sha256(f"{prefix}{i}.example".encode()).hexdigest(), 16) % 3 == 0)


def _unfrozen_name(prefix: str) -> str:
    return next(f"{prefix}{i}.example" for i in range(100)
                if int(hashlib.sha256(f"{prefix}{i}.example".encode()).hexdigest(), 16) % 3 != 0)


@pytest.mark.parametrize("url,group", [
    ("https://github.com/Mporzier/smsclient/blob/a81be7c/posts/x.md", "mporzier/smsclient"),
    ("https://raw.githubusercontent.com/Owner/Repo/abc123/file.txt", "owner/repo"),
    ("https://www.Marketing-Revue.fr/sms/exemples", "marketing-revue.fr"),
    ("https://developers.telnyx.com/docs/messaging", "developers.telnyx.com"),
    ("https://github.com/", "github.com"),
])
def test_source_group(url: str, group: str) -> None:
    assert corpus_split.source_group(url) == group


def test_frozen_groups_are_new_in_pass9_and_one_in_three_by_hash() -> None:
    frozen, kept = _frozen_name("new"), _unfrozen_name("new")
    old = _frozen_name("old")  # would hash into the split, but an earlier batch already used it
    rows = [(old, None), (old, "pass9"), (frozen, "pass9"), (kept, "pass9"), ("x.example", "pass8")]
    assert corpus_split.frozen_groups(rows) == {frozen}


@pytest.mark.parametrize("batch", ["pass10", "pass11", "pass12", "pass13"])
def test_groups_first_seen_in_a_later_frozen_batch_are_frozen_by_the_same_rule(batch: str) -> None:
    in9, new, kept = _frozen_name("nine"), _frozen_name(batch), _unfrozen_name(batch)
    old = _frozen_name("older")  # hashes into the split, but a pass8 row makes it not new
    both = _frozen_name("both")  # first seen in pass9, more rows later: still one frozen group
    rows = [(in9, "pass9"), (new, batch), (kept, batch), (old, "pass8"), (old, batch),
            (both, "pass9"), (both, batch)]
    assert corpus_split.frozen_groups(rows) == {in9, new, both}
    # Adding a batch moves no group that was already split: the earlier answer is unchanged.
    before = [r for r in rows if r[1] != batch]
    assert corpus_split.frozen_groups(before) == corpus_split.frozen_groups(rows) - {new}


def test_folds_are_deterministic_balanced_and_never_split_a_group() -> None:
    groups = ["big"] * 10 + ["a"] * 3 + ["b"] * 3 + ["c"] * 2 + ["d"] * 2 + ["e"] + ["f"]
    fold = corpus_split.fold_of(groups, k=3)
    assert fold == corpus_split.fold_of(list(reversed(groups)), k=3)
    sizes = [sum(1 for g in groups if fold[g] == i) for i in range(3)]
    assert sorted(sizes) == [6, 6, 10]  # the big source alone, the rest shared evenly
    assert set(fold) == set(groups)


def test_load_corpus_reads_every_jsonl_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "messages.jsonl").write_text(json.dumps(
        {"id": "a", "text": "t", "language": "en", "label": "conversational", "in_reply_to": "HELP",
         "source": "https://github.com/O/R/blob/c/f", "near_miss": True}) + "\n", encoding="utf-8")
    (tmp_path / "pass9-x.jsonl").write_text(json.dumps(
        {"id": "b", "text": "t", "language": "fr", "label": "transactional", "batch": "pass9",
         "source": "https://www.shop.example/p"}) + "\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a corpus file", encoding="utf-8")
    messages = accuracy.load_corpus(tmp_path)
    assert [(m.id, m.group, m.batch, m.in_reply_to, m.near_miss) for m in messages] == [
        ("a", "o/r", None, "HELP", True), ("b", "shop.example", "pass9", None, False)]


CORPUS = [
    _msg("p1", "promotional"), _msg("p2", "promotional"), _msg("p3", "promotional"),
    _msg("m1", "mixed", "transactional"), _msg("m2", "mixed", "conversational"),
    _msg("t1", "transactional"), _msg("t2", "transactional"), _msg("t3", "transactional", near_miss=True),
    _msg("c1", "conversational"),
]
SAID = {"p1": Outcome("promotional"), "p2": Outcome("promotional"), "p3": Outcome("conversational"),
        "m1": Outcome("promotional", frozenset({"promotional"})),
        "m2": Outcome("transactional", frozenset({"transactional"})),  # a warning of the other variant
        "t1": Outcome("promotional", frozenset({"promotional"})), "t2": Outcome("conversational", frozenset()),
        "t3": Outcome("transactional", frozenset({"promotional"})), "c1": Outcome("conversational", frozenset())}


def test_report_figures() -> None:
    r = accuracy.report("en", CORPUS, SAID)
    p = r.promo
    assert (p.tp, p.fp, p.fn, p.tn) == (3, 1, 2, 3)
    assert p.precision == pytest.approx(3 / 4) and p.recall == pytest.approx(3 / 5)
    assert [m.id for m in p.false_negatives] == ["p3", "m2"] and [m.id for m in p.false_positives] == ["t1"]
    # Only the promotional variant detects a mixed message.
    assert (r.mixed_recall.hits, r.mixed_recall.total, [m.id for m in r.mixed_recall.listed]) == (1, 2, ["m2"])
    # Pure and near-miss false positives are counted apart.
    assert (r.fp_pure.hits, r.fp_pure.total, [m.id for m in r.fp_pure.listed]) == (1, 3, ["t1"])
    assert (r.fp_near.hits, r.fp_near.total) == (1, 1)
    # Mixed counts as promotional in the three-way accuracy: right are p1 p2 m1 t3 c1.
    assert (r.three_way.hits, r.three_way.total) == (5, 9)
    assert [m.id for m in r.transactional_as_conversational.listed] == ["t2"]
    assert r.confusion["transactional"] == {"promotional": 1, "transactional": 1, "conversational": 1}


def test_undefined_figures_are_missed_targets_not_zero() -> None:
    r = accuracy.report("en", [_msg("t", "transactional")], {"t": Outcome("transactional", frozenset())})
    assert r.promo.precision is None and r.promo.recall is None and r.mixed_recall.value is None
    met = {name: ok for name, _v, _op, _t, ok in r.target_results()}
    assert met["promotional recall"] is False and met["mixed-content FP rate, pure"] is True


def test_only_the_frozen_split_requires_no_transactional_called_conversational() -> None:
    r = accuracy.report("en", CORPUS, SAID)
    assert "transactional called conversational" not in {n for n, *_ in r.target_results()}
    assert ("transactional called conversational", 1.0, "<=", 0.0, False) in r.target_results(frozen=True)


@pytest.mark.parametrize("text", [
    "Hi {{name}}, your order {{ order_id }} has shipped! Use code SAVE20 for 20% off your next order.",
    "Hi [Name], your order {first_name} %NAME% has shipped! {% Use code SAVE20 for 20% off your next order.",
])
def test_placeholders_stay_text_and_mixed_content_still_sees_it(text: str) -> None:
    variants = accuracy.mixed_content_variants(_msg("m", "mixed", "transactional", text=text), "transactional")
    assert "promotional" in variants


def test_a_pure_message_with_placeholders_is_not_flagged() -> None:
    text = "Hi {{name}}, your order #{{order_id}} has shipped. Track it: {{url}}"
    assert accuracy.mixed_content_variants(_msg("t", "transactional", text=text), "transactional") == frozenset()


_ORDER_REPLY = "Found it! Your order #{{order_number}} is currently shipped. Anything else I can help with?"


def test_the_linted_template_carries_the_messages_in_reply_to() -> None:
    with_it = replace(_msg("c", "conversational", text=_ORDER_REPLY), in_reply_to="order-status question")
    without = _msg("d", "conversational", text=_ORDER_REPLY)
    assert accuracy.mixed_content_variants(with_it, "conversational") == frozenset()
    assert accuracy.mixed_content_variants(without, "conversational") == {"transactional"}


@pytest.mark.parametrize("value", ["order-status question", "It's: a \"question\" #1 - 'yes'/'no'", "4-5", "null"])
def test_a_conversational_template_declares_in_reply_to_in_its_front_matter(value: str) -> None:
    from templater.template import parse

    template, problems = parse(accuracy.template_source("Thanks!", "conversational", "en", value), "<t>", "t")
    assert problems == [] and template is not None
    assert template.meta["in_reply_to"] == value  # quoted safely: read back as the very string
    assert "in_reply_to" not in accuracy.template_source("Thanks!", "transactional", "en", value)


def test_every_placeholder_style_renders_back_verbatim() -> None:
    texts = ["Hi {{name}} {{ x|upper }} [Name] {first} %NAME% <name> ${id} {% if %} {# c #} 20% off"]
    assert accuracy.not_verbatim([_msg("a", "promotional", text=t) for t in texts]) == []


def _rows(host: str, batch: str | None, prefix: str) -> list[dict]:
    """One message of each kind from one source, each text made distinct by the prefix."""
    source = f"https://{host}/page"
    return [dict(row, source=source, **({"batch": batch} if batch else {})) for row in [
        {"id": f"{prefix}-p", "text": f"{prefix}: flash sale today, 30% off everything in store.",
         "language": "en", "label": "promotional"},
        {"id": f"{prefix}-t", "text": f"Your {prefix} verification code is 482913. It expires in 10 minutes.",
         "language": "en", "label": "transactional"},
        {"id": f"{prefix}-n", "text": f"Your {prefix} receipt for order #A123: total $20, paid by card.",
         "language": "en", "label": "transactional", "near_miss": True},
        {"id": f"{prefix}-m", "text": f"Your {prefix} order has shipped! Use code SAVE20 for 20% off your next order.",
         "language": "en", "label": "mixed", "base_category": "transactional"},
    ]]


def _write_corpus(folder: Path, extra: list[dict] = ()) -> None:
    folder.mkdir(exist_ok=True)
    rows = _rows("a.example", None, "alpha") + _rows("b.example", None, "beta")
    (folder / "messages.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    frozen = _rows(_frozen_name("f"), "pass9", "gamma") + list(extra)
    (folder / "pass9-test.jsonl").write_text("\n".join(json.dumps(r) for r in frozen), encoding="utf-8")


def test_main_headline_first_frozen_misses_hidden_and_exit_status(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _write_corpus(tmp_path / "ok")
    assert accuracy.main([str(tmp_path / "ok"), "--no-scorer"]) == 0
    out = capsys.readouterr().out
    assert out.index("HEADLINE, leave-source-out") < out.index("in-sample, information only")
    assert "frozen split 4 (1 sources)" in out and "all headline targets met" in out and "ran in " in out

    missed = {"id": "secret-1", "text": "Thanks for your visit, see you soon!", "language": "en",
              "label": "promotional", "source": f"https://{_frozen_name('f')}/other", "batch": "pass9"}
    _write_corpus(tmp_path / "bad", [missed])
    assert accuracy.main([str(tmp_path / "bad"), "--no-scorer"]) == 1
    out = capsys.readouterr().out
    assert "frozen en promotional recall" in out and "MISSED" in out
    assert "secret-1" not in out and "see you soon" not in out  # measured, never read
    accuracy.main([str(tmp_path / "bad"), "--no-scorer", "--show-frozen-misses"])
    assert "secret-1 [promotional -> transactional]" in capsys.readouterr().out


def test_main_lists_development_misses_and_records_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _write_corpus(tmp_path)
    assert corpus_split.dev_half("a.example") == "check" and corpus_split.dev_half("b.example") == "study"
    dev_misses = [{"id": f"dev-{i}", "text": "Thanks for your visit, see you soon!", "language": "en",
                   "label": "promotional", "source": f"https://{host}/more"} for i, host in ((1, "b.example"),
                                                                                         (2, "a.example"))]
    with (tmp_path / "messages.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("\n" + "\n".join(json.dumps(m) for m in dev_misses))
    history = tmp_path / "history.md"
    monkeypatch.setattr(accuracy, "HISTORY", history)
    assert accuracy.main([str(tmp_path), "--record", "--no-scorer"]) == 1
    out = capsys.readouterr().out
    assert "dev-1 [promotional -> transactional]" in out  # the study half's misses are listed
    assert "dev-2" not in out  # the check half's are not (they judge a rule change: --halves)
    row = history.read_text(encoding="utf-8")
    assert row.startswith("| ") and "14 messages from 3 sources" in row and "en: P 1.000 R 0.667" in row  # dev-1 and dev-2 missed


def test_every_scorer_is_trained_without_the_messages_it_scores(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _write_corpus(tmp_path, [dict(r, id=f"{r['id']}-2") for r in _rows(_frozen_name("g"), "pass9", "delta")])
    messages = accuracy.load_corpus(tmp_path)
    trained, scored = [], []
    monkeypatch.setattr(accuracy, "train_models", lambda ms: trained.append({m.id for m in ms}) or ms)
    real_outcomes = accuracy.outcomes

    def outcomes(ms, models=accuracy.RULES_ONLY):
        scored.append(({m.id for m in ms}, {m.id for m in models} if isinstance(models, list) else set()))
        return real_outcomes(ms)

    monkeypatch.setattr(accuracy, "outcomes", outcomes)
    measured = accuracy.measure(messages, with_scorer=True)
    development, frozen = accuracy.split(messages)
    assert len(frozen) == 8 and len(trained) == len(scored) == accuracy.corpus_split.FOLDS + 2
    for seen, training in scored[:-1]:  # the folds and the frozen split: never trained on what they score
        assert seen.isdisjoint(training)
    assert scored[-2] == ({m.id for m in frozen}, {m.id for m in development})
    assert scored[-1][1] == {m.id for m in messages}  # in-sample, information only
    assert measured.detector == "rules + scorer" and [r.language for r in measured.frozen] == ["en"]


def test_main_measures_the_rules_alone_and_with_the_scorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("sklearn")
    _write_corpus(tmp_path)
    accuracy.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert "HEADLINE, leave-source-out: rules alone" in out and "HEADLINE, leave-source-out: rules + scorer" in out
    judged = "shipped (scorer" if accuracy.train_scorer.SHIPPED else "rules alone"
    assert f"targets ({judged}" in out


def test_the_exit_status_judges_what_ships(monkeypatch: pytest.MonkeyPatch) -> None:
    def reports(tag):
        return [replace(accuracy.report(lang, [], {}), predicted={"by": tag}) for lang in ("en", "fr")]

    alone = accuracy.Measurement("rules alone", "c", reports("alone"), reports("alone"), reports("alone"))
    scored = accuracy.Measurement("rules + scorer", "c", reports("scorer"), reports("scorer"), reports("scorer"))
    monkeypatch.setattr(accuracy.train_scorer, "SHIPPED", ())
    assert accuracy.shipped([alone, scored]) is alone
    monkeypatch.setattr(accuracy.train_scorer, "SHIPPED", ("en",))
    judged = accuracy.shipped([alone, scored])
    assert [r.predicted["by"] for r in judged.frozen + judged.kfold] == ["scorer", "alone"] * 2
    assert judged.detector == "shipped (scorer: en)"


def test_source_supported_recall_counts_a_detection_only_when_its_pattern_fires_in_another_source() -> None:
    # "flash sale" fires on promotional messages of two sources; "Black Friday" only on one.
    messages = [_msg("a1", "promotional", text="Flash sale today on every candle.", group="a.example"),
                _msg("b1", "promotional", text="Our flash sale ends Sunday.", group="b.example"),
                _msg("c1", "promotional", text="Black Friday starts now at Acme.", group="c.example"),
                _msg("d1", "promotional", text="Come see our garden.", group="d.example"),
                _msg("e1", "transactional", text="Your flash sale order has shipped.", group="e.example")]
    said = {m.id: accuracy.api.classify(m.text, language="en").category for m in messages}
    assert [said[i] for i in ("a1", "b1", "c1", "d1")] == ["promotional", "promotional", "promotional", "transactional"]
    rate = accuracy.source_supported_recall(messages, said)["en"]
    assert (rate.hits, rate.total) == (2, 4)  # a1 and b1 support each other; c1 is alone, d1 missed


def test_what_the_rules_catch_in_an_unseen_source_keeps_their_false_positives() -> None:
    """rule_support.caught, the rules' decisions the scorer's threshold is chosen against: a
    detection of promotional content counts only with a second source; a false positive stays."""
    item = accuracy.rule_support.Item
    items = [item("Flash sale today on every candle.", "en", "a.example", True),
             item("Our flash sale ends Sunday.", "en", "b.example", True),
             item("Black Friday starts now at Acme.", "en", "c.example", True),
             item("Come see our garden.", "en", "d.example", True),
             item("Your flash sale order has shipped.", "en", "e.example", False),
             item("Your order has shipped.", "en", "f.example", False)]
    assert accuracy.rule_support.rules_detect(items[4].text, "en")  # a false positive of the rules
    assert accuracy.rule_support.caught(items) == [True, True, False, False, True, False]


def _host_in_half(half: str, prefix: str) -> str:
    return next(f"{prefix}{i}.example" for i in range(100) if corpus_split.dev_half(f"{prefix}{i}.example") == half)


def test_halves_show_the_study_half_misses_and_only_figures_of_the_check_half(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_corpus(tmp_path)
    missed = [{"id": f"{half}-1", "text": "Thanks for your visit, see you soon!", "language": "en",
               "label": "promotional", "source": f"https://{_host_in_half(half, half)}/x"} for half in ("study", "check")]
    with (tmp_path / "messages.jsonl").open("a", encoding="utf-8") as fh:
        fh.write("\n" + "\n".join(json.dumps(r) for r in missed))
    assert accuracy.main([str(tmp_path), "--halves"]) == 0
    out = capsys.readouterr().out
    assert "study-1 [promotional -> transactional]" in out  # the half one reads
    assert "check-1" not in out and out.count("see you soon") == 1  # the half one judges by, never reads
    assert "check half" in out and "promotional recall" in out.split("check half")[1]
    assert "gamma" not in out  # the frozen split is in neither half



def test_derived_mixed_messages_count_in_the_mixed_recall_only_and_apart_from_the_real_ones() -> None:
    messages = CORPUS + [_msg("d1", "mixed", "transactional", derived=True),
                         _msg("d2", "mixed", "conversational", derived=True)]
    said = {**SAID, "d1": Outcome("transactional", frozenset({"promotional"})),
            "d2": Outcome("transactional", frozenset())}
    r, real = accuracy.report("en", messages, said), accuracy.report("en", CORPUS, SAID)
    assert (r.mixed_recall.hits, r.mixed_recall.total, [m.id for m in r.mixed_recall.listed]) == (2, 4, ["m2", "d2"])
    assert [(x.hits, x.total) for x in (r.mixed_real, r.mixed_derived)] == [(1, 2), (1, 2)]
    # Every other figure is the real messages' (d1, called transactional, would be a false negative).
    assert (r.promo, r.three_way.total, r.confusion) == (real.promo, real.three_way.total, real.confusion)
    line = next(x for x in accuracy.format_figures(r) if "of which real / derived mixed" in x)
    assert line.split()[-5:] == ["0.500", "(1/2)", "/", "0.500", "(1/2)"]


def test_main_counts_derived_rows_and_never_trains_on_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _write_corpus(tmp_path)
    derived = {"id": "en-d0001", "text": "Your alpha order has shipped. Use code SAVE20 for 20% off your next order.",
               "language": "en", "label": "mixed", "base_category": "transactional",
               "source": "https://a.example/page", "labelled_by": "derived", "near_miss": False,
               "derived_from": ["alpha-t", "alpha-p"]}
    (tmp_path / "derived-mixed.jsonl").write_text(json.dumps(derived) + "\n", encoding="utf-8")
    assert accuracy.main([str(tmp_path), "--no-scorer"]) == 0
    out = capsys.readouterr().out
    assert "of them 1 derived mixed messages from 1 sources (development part 1)" in out
    assert "of which real / derived mixed      1.000 (2/2) / 1.000 (1/1)" in out
    messages = accuracy.load_corpus(tmp_path)
    trained = []
    monkeypatch.setattr(accuracy.train_scorer, "train", lambda examples, lang: trained.extend(examples) or (None, ""))
    accuracy.train_models(messages)
    assert len(trained) == 2 * (len(messages) - 1) and derived["text"] not in {e.text for e in trained}
    # The folds are those of the real messages: a derived row moves no group.
    real = [m for m in messages if not m.derived]
    assert [[m.id for m in f] for f in accuracy.folds(accuracy.split(real)[0])] == \
        [[m.id for m in f if not m.derived] for f in accuracy.folds(accuracy.split(messages)[0])]
