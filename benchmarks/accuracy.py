"""Detection accuracy of templater on the real-SMS corpus (benchmarks/corpus/messages.jsonl).

Run `python benchmarks/accuracy.py` from the repository root. Per language it prints:

* precision, recall and F1 of promotional detection: `classify` says promotional or not, and a
  message is truly promotional when its label is `promotional` or `mixed` (promotional content is
  present);
* recall of the `mixed-content` lint rule on `mixed` messages declared with their base category
  (only the promotional variant of the rule, an error, counts as a detection);
* the false-positive rate of `mixed-content` on pure transactional and conversational messages
  declared with their own label (any finding of the rule counts, the transactional-variant
  warning on conversational messages included); a conversational message is declared with the
  `in_reply_to` its corpus row records (what the customer sent, in the source's words), as a user
  following the linter's `missing-in-reply-to` advice would write it;
* for information, the same false-positive rate when no template declares `in_reply_to` (the
  measurement before the corpus recorded it; no target);
* classify's confusion matrix (rows = true label, columns = predicted category);

each figure beside its target, then every miss with its id and text. It exits with status 1
when a target is missed (or cannot be measured for lack of messages), 0 otherwise.
Everything runs in-process through the Python API.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import yaml

from templater import api
from templater.context import LintContext
from templater.findings import Severity
from templater.linter import Linter, LintOptions
from templater.template import parse

CORPUS = Path(__file__).resolve().parent / "corpus" / "messages.jsonl"
LABELS = ("promotional", "transactional", "conversational", "mixed")
PREDICTED = ("promotional", "transactional", "conversational")
RULE = "mixed-content"
TARGETS = {"precision": 0.97, "recall": 0.97, "mixed_recall": 0.95, "fp_rate": 0.02}


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


@dataclass
class Rate:
    """A count of hits out of a total, with the messages that were missed."""

    hits: int = 0
    total: int = 0
    misses: list[Message] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None


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
    """Every figure for one language."""

    language: str
    promo: PromoScores
    mixed_recall: Rate
    fp_rate: Rate
    confusion: dict[str, dict[str, int]]
    predicted: dict[str, str]
    # Information only (no target): the false-positive rate when no template declares in_reply_to.
    fp_rate_without_in_reply_to: Rate = field(default_factory=Rate)

    def target_results(self) -> list[tuple[str, float | None, float, bool]]:
        """(name, value, target, met) for each figure with a target; no value means not met."""
        rows = [("promotional precision", self.promo.precision, TARGETS["precision"], ">="),
                ("promotional recall", self.promo.recall, TARGETS["recall"], ">="),
                (f"{RULE} recall on mixed", self.mixed_recall.value, TARGETS["mixed_recall"], ">="),
                (f"{RULE} false-positive rate", self.fp_rate.value, TARGETS["fp_rate"], "<=")]
        out = []
        for name, value, target, op in rows:
            met = value is not None and (value >= target if op == ">=" else value <= target)
            out.append((name, value, target, met))
        return out


def load_corpus(path: Path = CORPUS) -> list[Message]:
    """The corpus messages, in file order."""
    messages = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                messages.append(Message(row["id"], row["text"], row["language"], row["label"],
                                        row.get("base_category"), row.get("batch"), row.get("in_reply_to")))
    return messages


def has_promotional_content(message: Message) -> bool:
    """The truth for promotional detection: promotional messages and mixed ones."""
    return message.label in ("promotional", "mixed")


def classify_all(messages: Iterable[Message]) -> dict[str, str]:
    """classify's category for every message (id -> category), in the message's own language."""
    return {m.id: api.classify(m.text, language=m.language).category for m in messages}


def promo_scores(messages: Iterable[Message], predicted: dict[str, str]) -> PromoScores:
    """Precision/recall counts of 'classify says promotional' against the labels."""
    scores = PromoScores()
    for m in messages:
        truth, said = has_promotional_content(m), predicted[m.id] == "promotional"
        if truth and said:
            scores.tp += 1
        elif said:
            scores.fp += 1
            scores.false_positives.append(m)
        elif truth:
            scores.fn += 1
            scores.false_negatives.append(m)
        else:
            scores.tn += 1
    return scores


def confusion_matrix(messages: Iterable[Message], predicted: dict[str, str]) -> dict[str, dict[str, int]]:
    """Counts of (true label -> predicted category), every label and category present."""
    matrix = {label: {cat: 0 for cat in PREDICTED} for label in LABELS}
    for m in messages:
        matrix[m.label][predicted[m.id]] += 1
    return matrix


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


# Lints (message, declared category) pairs; returns message id -> severities of the mixed-content findings.
Flagger = Callable[[list[tuple[Message, str]]], dict[str, list[Severity]]]


def mixed_content_severities(cases: list[tuple[Message, str]]) -> dict[str, list[Severity]]:
    """Lint each (message, declared category) as a temporary .sms with only mixed-content selected.

    Returns message id -> severities of the mixed-content findings (empty when it did not fire).
    """
    linter = Linter(api.ruleset(), LintOptions(select=(RULE,)))
    out: dict[str, list[Severity]] = {}
    with tempfile.TemporaryDirectory(prefix="templater-accuracy-") as tmp:
        for i, (message, category) in enumerate(cases):
            path = Path(tmp) / f"m{i}.sms"
            path.write_text(template_source(message.text, category, message.language, message.in_reply_to),
                            encoding="utf-8")
            result = linter.lint_file(path, str(path), path.stem)
            out[message.id] = [f.severity for f in result.findings if f.rule == RULE]
    return out


def mixed_rates(messages: list[Message], flag: Flagger = mixed_content_severities) -> tuple[Rate, Rate]:
    """(recall on mixed messages, false-positive rate on pure transactional/conversational ones)."""
    mixed = [(m, m.base_category or "transactional") for m in messages if m.label == "mixed"]
    pure = pure_cases(messages)
    severities = flag(mixed + pure)
    recall = Rate()
    for m, _category in mixed:
        recall.total += 1
        if any(s >= Severity.ERROR for s in severities[m.id]):
            recall.hits += 1
        else:
            recall.misses.append(m)
    return recall, false_positive_rate(pure, severities)


def pure_cases(messages: Iterable[Message]) -> list[tuple[Message, str]]:
    """The pure transactional/conversational messages, each declared with its own label."""
    return [(m, m.label) for m in messages if m.label in ("transactional", "conversational")]


def false_positive_rate(pure: list[tuple[Message, str]], severities: dict[str, list[Severity]]) -> Rate:
    """Any mixed-content finding on a pure message is a false positive."""
    fp_rate = Rate()
    for m, _category in pure:
        fp_rate.total += 1
        if severities[m.id]:
            fp_rate.hits += 1
            fp_rate.misses.append(m)
    return fp_rate


def fp_rate_without_in_reply_to(messages: list[Message], flag: Flagger = mixed_content_severities) -> Rate:
    """The false-positive rate on pure messages when no template declares in_reply_to (information only)."""
    pure = pure_cases(replace(m, in_reply_to=None) for m in messages)
    return false_positive_rate(pure, flag(pure))


def evaluate(messages: list[Message], classify: Callable[[Iterable[Message]], dict[str, str]] = classify_all,
             flag: Flagger = mixed_content_severities) -> list[Report]:
    """One report per language present in the messages (in order of first appearance)."""
    reports = []
    for lang in dict.fromkeys(m.language for m in messages):
        subset = [m for m in messages if m.language == lang]
        predicted = classify(subset)
        recall, fp_rate = mixed_rates(subset, flag)
        reports.append(Report(lang, promo_scores(subset, predicted), recall, fp_rate,
                              confusion_matrix(subset, predicted), predicted,
                              fp_rate_without_in_reply_to(subset, flag)))
    return reports


def fmt(value: float | None) -> str:
    """A figure with three decimals, or n/a when there is nothing to measure."""
    return "n/a" if value is None else f"{value:.3f}"


def format_report(report: Report) -> list[str]:
    """The figures of one language, each beside its target, the confusion matrix, then the misses."""
    p = report.promo
    lines = [f"== {report.language} ==",
             f"promotional detection: tp={p.tp} fp={p.fp} fn={p.fn} tn={p.tn}  F1 {fmt(p.f1)}"]
    for name, value, target, met in report.target_results():
        op = "<=" if "false-positive" in name else ">="
        detail = ""
        if "recall on mixed" in name:
            detail = f" ({report.mixed_recall.hits}/{report.mixed_recall.total})"
        elif "false-positive" in name:
            detail = f" ({report.fp_rate.hits}/{report.fp_rate.total})"
        lines.append(f"  {name:34} {fmt(value):>6} {detail:10} target {op} {target:.2f}  "
                     f"{'ok' if met else 'MISSED'}")
    plain = report.fp_rate_without_in_reply_to
    lines.append(f"  {RULE} false-positive rate without in_reply_to {fmt(plain.value):>6} "
                 f"({plain.hits}/{plain.total})  (info: the corpus before in_reply_to was recorded; no target)")
    lines.append("confusion matrix (rows = true label, columns = classify):")
    lines.append(f"  {'':15}" + "".join(f"{c:>15}" for c in PREDICTED))
    for label, row in report.confusion.items():
        lines.append(f"  {label:15}" + "".join(f"{row[c]:>15}" for c in PREDICTED))
    sections = [("promotional false negatives (promotional content, classify says otherwise)",
                 p.false_negatives),
                ("promotional false positives (classify says promotional, no promotional content)",
                 p.false_positives),
                (f"{RULE} misses on mixed messages (declared with their base category)",
                 report.mixed_recall.misses),
                (f"{RULE} false positives on pure transactional/conversational messages",
                 report.fp_rate.misses)]
    for title, missed in sections:
        lines.append(f"{title}: {len(missed)}")
        for m in missed:
            said = report.predicted.get(m.id, "?")
            lines.append(f"  {m.id} [{m.label} -> {said}] {m.text!r}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print every figure and miss; 1 when a target is missed or cannot be measured, else 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=CORPUS, help="JSONL corpus (default: %(default)s)")
    parser.add_argument("--batch", help="only the messages of one collection batch (e.g. pass4: the held-out "
                                        "messages added after the rules were last tuned)")
    args = parser.parse_args(argv)
    messages = load_corpus(args.corpus)
    if args.batch:
        messages = [m for m in messages if m.batch == args.batch]
    reports = evaluate(messages)
    print(f"{len(messages)} messages from {args.corpus}" + (f" (batch {args.batch})" if args.batch else ""))
    broken = not_verbatim(messages)
    for m in broken:
        print(f"NOT SEEN AS WRITTEN: {m.id} does not render back to its text as a .sms body: {m.text!r}")
    for report in reports:
        print("\n".join(format_report(report)))
        print()
    missed = [(r.language, name) for r in reports for name, _v, _t, met in r.target_results() if not met]
    if broken:
        print(f"{len(broken)} messages could not be linted as written: the mixed-content figures are not valid")
        return 1
    if missed:
        print("targets missed: " + "; ".join(f"{lang} {name}" for lang, name in missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
