"""Detection accuracy of templater on the real-SMS corpus (benchmarks/corpus/*.jsonl), leave-source-out.

Run `python benchmarks/accuracy.py` from the repository root. Messages are grouped by source
(benchmarks/corpus_split.py: GitHub owner/repo, else the site) and every headline figure scores a
group with nothing built from it:

* the frozen test split (new sources of batches pass9 to pass13, 1 in 3 by hash): measured, never read.
  Only its aggregate figures are printed. `--show-frozen-misses` prints its misses: whoever uses it
  may no longer write rules or tune the scorer, so nobody working on detection does;
* grouped 5-fold cross-validation over the development part (every other row) by source group:
  what is trained is retrained without the fold it scores. The rules are fixed and were written
  from this part, so for the rules alone only the frozen split is unseen.

Then the in-sample figures (every row, as the rules were tuned on it): information only.

`--halves`, for work on the rules: the development part cut in two by source (corpus_split.dev_half),
the study half's figures and misses (read them, write rules from them) and the check half's figures
only (judge a change there, on sources it was not written from), rules alone, in a few seconds.

Per language and split it prints: precision, recall and F1 of promotional detection (`classify`
says promotional; truth: label promotional or mixed); `mixed-content` recall on mixed messages
declared with their base category (the promotional variant, an error, counts), on every mixed
message and on the real and the derived ones apart (benchmarks/derive_mixed.py: a real notice plus
a real promotional sentence of the same source; a derived message counts in that recall only, and
no scorer is trained on one); the `mixed-content`
false-positive rate (any finding of the rule) on pure transactional/conversational messages
declared with their own label (a conversational one with the `in_reply_to` its row records, as a
user following `missing-in-reply-to` writes it), separately for the near misses
(`near_miss: true`); three-way category accuracy (mixed counts as promotional); and the
transactional messages `classify` calls conversational (none allowed in the frozen split). Each
figure is printed beside its target, then the misses of the development part's study half (corpus_split.dev_half), then the running time.

It exits 1 when a headline target is missed (or cannot be measured for lack of messages), else 0.
Everything runs in-process through the Python API. `--record` appends the headline to
benchmarks/accuracy-history.md.
"""
from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus_split  # noqa: E402  (a sibling module, also used by train_scorer.py)
import rule_support  # noqa: E402
import train_scorer  # noqa: E402

from templater import api, scorer  # noqa: E402
from templater.context import LintContext  # noqa: E402
from templater.checks.kinds import run  # noqa: E402
from templater.template import parse  # noqa: E402

HISTORY = Path(__file__).resolve().parent / "accuracy-history.md"
LABELS = ("promotional", "transactional", "conversational", "mixed")
PREDICTED = ("promotional", "transactional", "conversational")
RULE = "mixed-content"
# The mixed-content variants that detect promotional content: the rules' error, the scorer's warning.
DETECTS = frozenset({"promotional", "scorer"})
Models = dict  # language -> templater.scorer.Model, or None for no scorer
RULES_ONLY: Models = {lang: None for lang in train_scorer.LANGUAGES}
TARGETS = {"precision": 0.97, "recall": 0.95, "mixed_recall": 0.95, "fp_pure": 0.02, "fp_near": 0.05,
           "three_way": 0.95}


@dataclass(frozen=True)
class Message:
    """One corpus message: what the accuracy figures need of a JSONL row."""

    id: str
    text: str
    language: str
    label: str
    base_category: str | None = None
    batch: str | None = None
    in_reply_to: str | None = None
    group: str = ""
    near_miss: bool = False
    derived: bool = False  # benchmarks/derive_mixed.py's: counted in the mixed-content recall only


@dataclass(frozen=True)
class Outcome:
    """What templater said of one message: classify's category and, for a mixed or pure message
    linted under its declared category, the variants of the mixed-content hits (None: not linted)."""

    category: str
    variants: frozenset[str] | None = None


@dataclass
class Rate:
    """A count of hits out of a total, with the messages behind the hits or the misses."""

    hits: int = 0
    total: int = 0
    listed: list[Message] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def add(self, hit: bool, message: Message, list_it: bool) -> None:
        self.total += 1
        self.hits += hit
        if list_it:
            self.listed.append(message)


@dataclass
class PromoScores:
    """Promotional detection counts and the messages behind the errors."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    false_positives: list[Message] = field(default_factory=list)
    false_negatives: list[Message] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)


@dataclass
class Report:
    """Every figure for one language of one split."""

    language: str
    promo: PromoScores
    mixed_recall: Rate  # listed: the misses
    fp_pure: Rate  # listed: the false positives
    fp_near: Rate  # listed: the false positives
    three_way: Rate  # listed: the misses
    transactional_as_conversational: Rate  # listed: those messages
    confusion: dict[str, dict[str, int]]
    predicted: dict[str, str]
    mixed_real: Rate = field(default_factory=Rate)  # mixed_recall's real messages
    mixed_derived: Rate = field(default_factory=Rate)  # and its derived ones (derive_mixed.py)

    def target_results(self, frozen: bool = False) -> list[tuple[str, float | None, str, float, bool]]:
        """(name, value, op, target, met) for each figure with a target; no value means not met."""
        rows = [("promotional precision", self.promo.precision, ">=", TARGETS["precision"]),
                ("promotional recall", self.promo.recall, ">=", TARGETS["recall"]),
                (f"{RULE} recall on mixed", self.mixed_recall.value, ">=", TARGETS["mixed_recall"]),
                (f"{RULE} FP rate, pure", self.fp_pure.value, "<=", TARGETS["fp_pure"]),
                (f"{RULE} FP rate, near misses", self.fp_near.value, "<=", TARGETS["fp_near"]),
                ("three-way category accuracy", self.three_way.value, ">=", TARGETS["three_way"])]
        out = []
        for name, value, op, target in rows:
            met = value is not None and (value >= target if op == ">=" else value <= target)
            out.append((name, value, op, target, met))
        if frozen:  # no transactional message of the frozen split may be called conversational
            count = self.transactional_as_conversational.hits
            out.append(("transactional called conversational", float(count), "<=", 0.0, count == 0))
        return out


def load_corpus(source: Path = corpus_split.CORPUS_DIR) -> list[Message]:
    """The corpus messages (a .jsonl file, or every .jsonl of a folder in name order), in file order."""
    return [Message(row["id"], row["text"], row["language"], row["label"], row.get("base_category"),
                    row.get("batch"), row.get("in_reply_to"), row["group"], bool(row.get("near_miss")),
                    corpus_split.derived(row))
            for row in corpus_split.load_rows(source)]


def split(messages: list[Message]) -> tuple[list[Message], list[Message]]:
    """(development part, frozen test split), each in corpus order."""
    frozen = corpus_split.frozen_groups((m.group, m.batch) for m in messages)
    return [m for m in messages if m.group not in frozen], [m for m in messages if m.group in frozen]


def folds(development: list[Message], k: int = corpus_split.FOLDS) -> list[list[Message]]:
    """The development part cut into k folds by source group (no group in two folds), balanced on the
    real messages (a derived one is in its base's group: it moves no group to another fold)."""
    fold = corpus_split.fold_of(m.group for m in development if not m.derived)
    out: list[list[Message]] = [[] for _ in range(k)]
    for m in development:
        out[fold[m.group]].append(m)
    return out


def has_promotional_content(message: Message) -> bool:
    """The truth for promotional detection: promotional messages and mixed ones."""
    return message.label in ("promotional", "mixed")


def raw_body(text: str) -> str:
    """The message as a Jinja body that renders to itself: placeholders such as {{name}} stay text."""
    if "endraw" in text:
        raise ValueError("a corpus text holds 'endraw' and cannot be wrapped in a raw block")
    return "{% raw %}" + text + "{% endraw %}"


def template_source(text: str, category: str, language: str, in_reply_to: str | None = None) -> str:
    """A whole .sms file declaring a category and a language around a literal message.

    A conversational template also declares `in_reply_to` when one is given (ignored otherwise).
    """
    meta = {"category": category, "language": language}
    if in_reply_to is not None and category == "conversational":
        meta["in_reply_to"] = in_reply_to
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=float("inf"))
    return "---\n" + head + "---\n" + raw_body(text)


def not_verbatim(messages: Iterable[Message]) -> list[Message]:
    """Messages whose .sms form does not render back to their exact text (the linter would not see it)."""
    out = []
    for m in messages:
        template, _problems = parse(template_source(m.text, "transactional", m.language), "<corpus>", m.id)
        rendered = LintContext(template, api.ruleset()).render_result[0] if template else None
        if rendered != m.text:
            out.append(m)
    return out


def declared_category(message: Message) -> str | None:
    """The category a mixed or pure message is linted under (its base category, or its own label)."""
    if message.label == "mixed":
        return message.base_category or "transactional"
    if message.label in ("transactional", "conversational"):
        return message.label
    return None


def mixed_content_variants(message: Message, category: str) -> frozenset[str]:
    """The variants of the mixed-content hits on the message as a .sms of the given category."""
    rules = api.ruleset()
    source = template_source(message.text, category, message.language, message.in_reply_to)
    template, _problems = parse(source, f"<{message.id}>", message.id)
    ctx = LintContext(template, rules)
    return frozenset(hit.variant or "" for hit in run(rules.rules[RULE], ctx))


def outcomes(messages: Iterable[Message], models: Models = RULES_ONLY) -> dict[str, Outcome]:
    """What templater says of every message (id -> Outcome), in the message's own language, with
    these scorer models (by default none: the rules alone)."""
    out = {}
    with scorer.using(models):
        for m in messages:
            category = api.classify(m.text, language=m.language).category
            declared = declared_category(m)
            out[m.id] = Outcome(category, None if declared is None else mixed_content_variants(m, declared))
    return out


def train_models(messages: list[Message]) -> Models:
    """Scorer models trained on these messages alone (benchmarks/train_scorer.py), every language's
    (whether its model ships or not: the figures decide); never on derived messages."""
    examples = [train_scorer.Example(m.text, m.language, has_promotional_content(m), m.group,
                                     m.near_miss) for m in messages if not m.derived]
    models: Models = {}
    for lang in train_scorer.LANGUAGES:
        data = train_scorer.train(examples, lang)[0]
        models[lang] = scorer.Model(data) if data else None
    return models


def report(language: str, messages: list[Message], said: dict[str, Outcome]) -> Report:
    """The figures of one language from what templater said of its messages. A derived mixed message
    (benchmarks/derive_mixed.py) counts in the mixed-content recall only, apart from the real ones
    too: every other figure is on real messages alone."""
    promo, mixed, pure, near = PromoScores(), Rate(), Rate(), Rate()
    three_way, t_as_c, mixed_real, mixed_derived = Rate(), Rate(), Rate(), Rate()
    confusion = {label: {cat: 0 for cat in PREDICTED} for label in LABELS}
    for m in messages:
        outcome = said[m.id]
        if m.label == "mixed" and outcome.variants is not None:
            detected = bool(outcome.variants & DETECTS)
            mixed.add(detected, m, not detected)
            (mixed_derived if m.derived else mixed_real).add(detected, m, False)
        if m.derived:
            continue
        truth, flagged = has_promotional_content(m), outcome.category == "promotional"
        if truth and flagged:
            promo.tp += 1
        elif flagged:
            promo.fp += 1
            promo.false_positives.append(m)
        elif truth:
            promo.fn += 1
            promo.false_negatives.append(m)
        else:
            promo.tn += 1
        confusion[m.label][outcome.category] += 1
        expected = "promotional" if m.label == "mixed" else m.label
        three_way.add(outcome.category == expected, m, outcome.category != expected)
        if m.label == "transactional":
            t_as_c.add(outcome.category == "conversational", m, outcome.category == "conversational")
        if outcome.variants is None:
            continue
        if m.label != "mixed":
            rate = near if m.near_miss else pure
            rate.add(bool(outcome.variants), m, bool(outcome.variants))
    return Report(language, promo, mixed, pure, near, three_way, t_as_c, confusion,
                  {m.id: said[m.id].category for m in messages}, mixed_real, mixed_derived)


def reports(messages: list[Message], said: dict[str, Outcome]) -> list[Report]:
    """One report per language present in the messages (in order of first appearance)."""
    return [report(lang, [m for m in messages if m.language == lang], said)
            for lang in dict.fromkeys(m.language for m in messages)]


@dataclass
class Measurement:
    """The reports of one detector: the headline (frozen split, k-fold) and the in-sample run."""

    detector: str
    counts: str
    frozen: list[Report]
    kfold: list[Report]
    in_sample: list[Report]


def measure(messages: list[Message], batch: str | None = None, with_scorer: bool = False) -> Measurement:
    """Leave-source-out and in-sample figures of the rules alone, or of the rules and a scorer
    retrained for each part on what that part may see; with a batch, only its messages are scored."""
    development, frozen = split(messages)
    scored = (lambda ms: [m for m in ms if m.batch == batch]) if batch else (lambda ms: ms)
    train = train_models if with_scorer else (lambda _ms: RULES_ONLY)
    kfold_said: dict[str, Outcome] = {}
    parts = folds(development)
    for i, fold in enumerate(parts):
        others = [m for j, part in enumerate(parts) if j != i for m in part]
        kfold_said.update(outcomes(scored(fold), train(others)))
    frozen_said = outcomes(scored(frozen), train(development))
    # In-sample: a scorer trained on every row (the rules were written from the development part).
    in_sample_said = outcomes(scored(messages), train(messages)) if with_scorer else {**kfold_said, **frozen_said}
    counts = (f"{len(messages)} messages from {len({m.group for m in messages})} sources: development part "
              f"{len(development)} ({len({m.group for m in development})} sources, {corpus_split.FOLDS} folds), "
              f"frozen split {len(frozen)} ({len({m.group for m in frozen})} sources)")
    derived = [m for m in messages if m.derived]
    if derived:
        counts += (f"; of them {len(derived)} derived mixed messages from {len({m.group for m in derived})} "
                   f"sources (development part {sum(m in development for m in derived)}), counted in the "
                   f"{RULE} recall only")
    return Measurement("rules + scorer" if with_scorer else "rules alone", counts, reports(scored(frozen), frozen_said),
                       reports(scored(development), kfold_said), reports(scored(messages), in_sample_said))


def source_supported_recall(development: list[Message], said: dict[str, str]) -> dict[str, Rate]:
    """Per language, the rules' recall on the development part counting a detection only where a
    pattern that made it also matches promotional content from another source.

    The rules were written from the development part, so their 5-fold figures are in-sample: a
    pattern fitted to one source's phrasing catches that source and nothing else. Asking each
    detection for a second source is a leave-source-out estimate of the rules' recall (the frozen
    split stays the measure). Information only.
    """
    development = [m for m in development if not m.derived]
    items = [rule_support.Item(m.text, m.language, m.group, has_promotional_content(m)) for m in development]
    support = rule_support.supported(items, (said[m.id] == "promotional" for m in development))
    out: dict[str, Rate] = {}
    for m, ok in zip(development, support):
        if has_promotional_content(m):
            out.setdefault(m.language, Rate()).add(ok, m, False)
    return out


def fmt(value: float | None) -> str:
    """A figure with three decimals, or n/a when there is nothing to measure."""
    return "n/a" if value is None else f"{value:.3f}"


def format_figures(report: Report, frozen: bool = False) -> list[str]:
    """The figures of one language, each beside its target, and the confusion matrix."""
    p = report.promo
    lines = [f"  [{report.language}] promotional detection: tp={p.tp} fp={p.fp} fn={p.fn} tn={p.tn}  "
             f"F1 {fmt(p.f1)}"]
    counts = {f"{RULE} recall on mixed": report.mixed_recall, f"{RULE} FP rate, pure": report.fp_pure,
              f"{RULE} FP rate, near misses": report.fp_near, "three-way category accuracy": report.three_way}
    for name, value, op, target, met in report.target_results(frozen):
        rate = counts.get(name)
        detail = f"({rate.hits}/{rate.total})" if rate else ""
        shown = f"{int(value)}" if name.startswith("transactional called") else fmt(value)
        lines.append(f"    {name:36} {shown:>6} {detail:11} target {op} {target:.2f}  {'ok' if met else 'MISSED'}")
        if rate is report.mixed_recall:
            lines.append(f"      {'of which real / derived mixed':34} " + " / ".join(
                f"{fmt(r.value)} ({r.hits}/{r.total})" for r in (report.mixed_real, report.mixed_derived)))
    if not frozen:
        t_as_c = report.transactional_as_conversational
        lines.append(f"    {'transactional called conversational':36} {t_as_c.hits:>6} ({t_as_c.total} transactional)")
    lines.append("    confusion (rows = true label, columns = classify): "
                 + "; ".join(f"{label} " + "/".join(str(row[c]) for c in PREDICTED)
                             for label, row in report.confusion.items())
                 + f"  [{'/'.join(PREDICTED)}]")
    return lines


def format_misses(report: Report, keep: Callable[[Message], bool] = lambda m: True) -> list[str]:
    """Every miss of one language that `keep` accepts, with its id and text."""
    sections = [("promotional false negatives (promotional content, classify says otherwise)",
                 report.promo.false_negatives),
                ("promotional false positives (classify says promotional, no promotional content)",
                 report.promo.false_positives),
                (f"{RULE} misses on mixed messages (declared with their base category)", report.mixed_recall.listed),
                (f"{RULE} false positives on pure messages", report.fp_pure.listed),
                (f"{RULE} false positives on near misses", report.fp_near.listed),
                ("transactional messages called conversational", report.transactional_as_conversational.listed)]
    lines = [f"[{report.language}]"]
    for title, missed in sections:
        missed = [m for m in missed if keep(m)]
        lines.append(f"{title}: {len(missed)}")
        for m in missed:
            lines.append(f"  {m.id} [{m.label} -> {report.predicted.get(m.id, '?')}] {m.text!r}")
    return lines


def missed_targets(measurement: Measurement) -> list[str]:
    """The headline targets missed, as 'split language figure'."""
    out = []
    for name, reps, frozen in (("frozen", measurement.frozen, True), ("5-fold", measurement.kfold, False)):
        if not reps:
            out.append(f"{name}: no messages")
        out += [f"{name} {r.language} {figure}" for r in reps
                for figure, _v, _op, _t, met in r.target_results(frozen) if not met]
    return out


def history_row(measurement: Measurement) -> str:
    """One markdown row of benchmarks/accuracy-history.md for this measurement."""
    def cell(reps: list[Report]) -> str:
        parts = []
        for r in reps:
            parts.append(f"{r.language}: P {fmt(r.promo.precision)} R {fmt(r.promo.recall)} "
                         f"mixed R {fmt(r.mixed_recall.value)} (real {fmt(r.mixed_real.value)}, derived "
                         f"{fmt(r.mixed_derived.value)}) FP {fmt(r.fp_pure.value)}/{fmt(r.fp_near.value)} "
                         f"3-way {fmt(r.three_way.value)} T→C {r.transactional_as_conversational.hits}")
        return "<br>".join(parts) or "no messages"

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    return (f"| {date} | {commit} | {measurement.counts} | {measurement.detector} | {cell(measurement.frozen)} | "
            f"{cell(measurement.kfold)} | {cell(measurement.in_sample)} |")


def comparison(measurements: list[Measurement]) -> list[str]:
    """The headline figures of every detector side by side."""
    lines = [f"  {'detector':15} {'split':7} {'lang':4} {'P':>6} {'R':>6} {'F1':>6} {'mixR':>6} {'FPpure':>6} "
             f"{'FPnear':>6} {'3-way':>6} {'T->C':>5}"]
    for ms in measurements:
        for split_name, reps in (("frozen", ms.frozen), ("5-fold", ms.kfold)):
            for r in reps:
                lines.append(f"  {ms.detector:15} {split_name:7} {r.language:4} {fmt(r.promo.precision):>6} "
                             f"{fmt(r.promo.recall):>6} {fmt(r.promo.f1):>6} {fmt(r.mixed_recall.value):>6} "
                             f"{fmt(r.fp_pure.value):>6} {fmt(r.fp_near.value):>6} {fmt(r.three_way.value):>6} "
                             f"{r.transactional_as_conversational.hits:>5}")
    return lines


def shipped(measurements: list[Measurement]) -> Measurement:
    """What templater runs: per language, the rules with the scorer where its model ships
    (train_scorer.SHIPPED), else the rules alone. The exit status judges these figures."""
    rules, scored = measurements[0], measurements[-1]
    if scored is rules or not train_scorer.SHIPPED:
        return rules

    def pick(alone: list[Report], with_scorer: list[Report]) -> list[Report]:
        return [w if w.language in train_scorer.SHIPPED else a for a, w in zip(alone, with_scorer)]

    return Measurement(f"shipped (scorer: {', '.join(train_scorer.SHIPPED)})", scored.counts,
                       pick(rules.frozen, scored.frozen), pick(rules.kfold, scored.kfold),
                       pick(rules.in_sample, scored.in_sample))


def halves(messages: list[Message], started: float) -> int:
    """The rules alone on the development part's two halves (corpus_split.dev_half): the study half's
    figures and misses, the check half's figures only. Exit 0 (information, no targets)."""
    development = split(messages)[0]
    said = outcomes(development)
    for half in ("study", "check"):
        part = [m for m in development if corpus_split.dev_half(m.group) == half]
        print(f"-- development part, {half} half: {len(part)} messages from {len({m.group for m in part})} sources"
              + (" (read its misses, write rules from them)" if half == "study" else
                 " (figures only: judge a rule change here, never read its messages)") + " --")
        for r in reports(part, said):
            print("\n".join(format_figures(r)))
            if half == "study":
                print("\n".join(format_misses(r)))
    print(f"ran in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Print every figure; 1 when a headline target is missed or cannot be measured, else 0."""
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=corpus_split.CORPUS_DIR,
                        help="a JSONL corpus file or a folder of them (default: %(default)s)")
    parser.add_argument("--batch", help="score only the messages of one collection batch (e.g. pass9); "
                                        "the splits and folds stay those of the whole corpus")
    parser.add_argument("--no-scorer", action="store_true",
                        help="measure the rules alone (no scorer training: faster, no scikit-learn needed)")
    parser.add_argument("--show-frozen-misses", action="store_true",
                        help="also print the frozen split's misses. Whoever reads them may no longer write "
                             "rules or tune the scorer: never use it while working on detection")
    parser.add_argument("--record", action="store_true", help=f"append the headline to {HISTORY.name}")
    parser.add_argument("--halves", action="store_true",
                        help="for work on the rules: the development part's study half (figures and misses, to "
                             "read) and its check half (figures only, never read), then exit")
    args = parser.parse_args(argv)
    messages = load_corpus(args.corpus)
    if args.halves:
        return halves(messages, started)
    broken = not_verbatim(messages)
    for m in broken:
        print(f"NOT SEEN AS WRITTEN: {m.id} does not render back to its text as a .sms body: {m.text!r}")
    measurements = [measure(messages, args.batch)]
    rules_said = {i: c for r in measurements[0].kfold for i, c in r.predicted.items()}
    supported = source_supported_recall([m for m in split(messages)[0] if m.id in rules_said], rules_said)
    if not args.no_scorer:
        try:
            import sklearn  # noqa: F401  (training needs it; templater itself does not)
        except ImportError:
            print("scikit-learn is not installed (pip install -e '.[test]'): the rules alone are measured")
        else:
            measurements.append(measure(messages, args.batch, with_scorer=True))
    judged = shipped(measurements)
    print(judged.counts + (f"; scoring batch {args.batch} only" if args.batch else ""))
    for ms in measurements:
        print(f"\n== HEADLINE, leave-source-out: {ms.detector} ==")
        print("-- frozen test split (new sources of pass9 to pass13; measured, never read) --")
        for r in ms.frozen:
            print("\n".join(format_figures(r, frozen=True)))
        print(f"-- grouped {corpus_split.FOLDS}-fold cross-validation over the development part by source (the "
              "scorer is retrained without the fold it scores; the rules were written from this part: for them "
              "only the frozen split is unseen) --")
        for r in ms.kfold:
            print("\n".join(format_figures(r)))
    print("\n== the rules' recall on the development part, source-supported (information only: a detection "
          "counts only where a pattern that made it also matches promotional content from another source) ==")
    for lang, rate in supported.items():
        print(f"  [{lang}] {fmt(rate.value)} ({rate.hits}/{rate.total})")
    print("\n== headline side by side ==")
    print("\n".join(comparison(measurements)))
    for ms in measurements:
        print(f"\n== in-sample, information only: {ms.detector} (every row; the rules were written from the "
              "development part, the scorer trained on every row) ==")
        for r in ms.in_sample:
            print("\n".join(format_figures(r)))
    print(f"\n== misses of the development part's study half (5-fold, {judged.detector}; the check half's are "
          "not printed, so that a rule change can be judged there: --halves) ==")
    for r in judged.kfold:
        print("\n".join(format_misses(r, keep=lambda m: corpus_split.dev_half(m.group) == "study")))
    if args.show_frozen_misses:
        print(f"\n== misses of the FROZEN split ({judged.detector}): whoever reads these may no longer work on "
              "detection ==")
        for r in judged.frozen:
            print("\n".join(format_misses(r)))
    if args.record:
        with HISTORY.open("a", encoding="utf-8") as fh:
            fh.writelines(history_row(ms) + "\n" for ms in measurements)
    missed = missed_targets(judged)
    if broken:
        print(f"{len(broken)} messages could not be linted as written: the mixed-content figures are not valid")
    print(f"targets ({judged.detector}): " + ("missed: " + "; ".join(missed) if missed else "all headline targets met"))
    print(f"ran in {time.perf_counter() - started:.1f} s")
    return 1 if broken or missed else 0


if __name__ == "__main__":
    sys.exit(main())
