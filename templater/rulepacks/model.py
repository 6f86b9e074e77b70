"""What a loaded rule pack holds: signals (content markers) and rules (checks with findings)."""
from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

from templater.records import dataclass
from templater.findings import Severity

if TYPE_CHECKING:
    from templater.rulepacks.patterns import LazyPattern

SIGNAL_KINDS = ("promotional", "transactional", "conversational")  # conversational: evidence of a reply
RULE_KINDS = ("builtin", "requirement", "existence")
# How far a covering signal's evidence reaches: its own span, the sentence it is in, from its
# sentence to the end of the message, or the whole message.
REACHES = ("match", "sentence", "after", "message")


@dataclass
class Example:
    """One example from a pack: a body (or whole file) that must fail or pass the rule."""

    body: str
    category: str | None = None
    language: str = "en"
    meta: dict = field(default_factory=dict)
    source: str | None = None  # a whole .sms file, for metadata rules
    # What a failing example's lint must give (tests/test_rule_examples.py asserts each given):
    # where the rule's first finding is - line counted in the body (1: its first line) for a body
    # example, in the file for a source example; column 1-based - how many findings the rule
    # makes (1 when line is given and count is not), and the body (or file) after `lint --fix`.
    # A signal's failing example gives line and column only: where its first evidence in the body starts.
    line: int | None = None
    column: int | None = None
    count: int | None = None
    fixed: str | None = None


@dataclass
class Signal:
    """A named marker of promotional or transactional content, matched per language."""

    id: str
    kind: str
    label: str
    doc: str
    patterns: dict[str, LazyPattern] = field(default_factory=dict)
    variables: LazyPattern | None = None
    mixes: bool = True
    # Per language: the kinds of customer question (in_reply_to) this marker answers rather than mixes into.
    answers: dict[str, LazyPattern] = field(default_factory=dict)
    # The promotional signals whose evidence this signal's evidence shows to be the customer's own
    # (a reward redeemed "for: 10% Off Coupon", "Book now" for a waitlist spot that opened up), and
    # how far from it: REACHES.
    covers: frozenset[str] = frozenset()
    reach: str = "match"
    fail: list[Example] = field(default_factory=list)
    passes: list[Example] = field(default_factory=list)
    packs: list[str] = field(default_factory=list)


@dataclass
class Variant:
    """A named outcome of a rule with its own severity and message."""

    severity: Severity
    message: str


@dataclass
class Rule:
    """A check that produces findings: its id, level, message, documentation and examples."""

    id: str
    kind: str
    severity: Severity
    message: str
    summary: str
    doc: str
    applies_to: tuple[str, ...] | None = None
    patterns: dict[str, LazyPattern] = field(default_factory=dict)
    suggestion: dict[str, str] = field(default_factory=dict)
    variants: dict[str, Variant] = field(default_factory=dict)
    check: str | None = None
    options: dict = field(default_factory=dict)
    markets: tuple[str, ...] | None = None  # where the law asks for it (markets.yaml); None: every market
    fail: list[Example] = field(default_factory=list)
    passes: list[Example] = field(default_factory=list)
    packs: list[str] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        """The languages this rule has wording for ('any' when it is language-neutral)."""
        return sorted(self.patterns) or ["any"]

    def pattern_for(self, language: str) -> LazyPattern | None:
        """The rule's patterns for a language, else its language-neutral ('any') ones."""
        found = self.patterns.get(language)
        return found if found is not None else self.patterns.get("any")

    def runs_in(self, markets: tuple[str, ...]) -> bool:
        """Whether the rule applies to a template for these markets."""
        return self.markets is None or not set(self.markets).isdisjoint(markets)

    def severity_of(self, variant: str | None) -> Severity:
        return self.variants[variant].severity if variant else self.severity

    def message_of(self, variant: str | None) -> str:
        return self.variants[variant].message if variant else self.message
