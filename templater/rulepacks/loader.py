"""Load rule packs from YAML, validate every field, compile patterns, merge languages."""
from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path
from typing import Any, Iterable

import yaml

from templater.records import dataclass
from templater.errors import RulePackError
from templater.findings import Severity
from templater.matching import fold_pattern
from templater.cache import cached
from templater.rulepacks.patterns import LazyPattern
from templater.rulepacks.regex_safety import backtracking_risk
from templater.rulepacks.model import REACHES, RULE_KINDS, SIGNAL_KINDS, Example, Rule, Signal, Variant
from templater.template import CATEGORIES, LANGUAGES, SafeLoader

# What a loaded rule set depends on besides the packs, for the cache's key: the code that loads
# them, the market ids 'markets:' may name, matching.py (signal patterns are folded as its view
# reads text) and the inflected forms a pattern's {lemma:...} stands for (data/lemmas.<language>.json).
_HERE = Path(__file__).resolve().parent
CODE = [*(_HERE / n for n in ("loader.py", "model.py", "patterns.py", "literals.py", "regex_safety.py")),
        _HERE.parent / "markets.yaml", _HERE.parent / "matching.py",
        *sorted((_HERE.parent / "data").glob("lemmas.*.json"))]

LINE = "__line__"
PACK_KEYS = {"pack", "language", "description", "signals", "rules"}
SIGNAL_KEYS = {"id", "signal", "label", "doc", "patterns", "variables", "mixes", "answers", "covers", "examples"}
EXAMPLE_KEYS = {"body", "category", "language", "meta", "source", "line", "column", "count", "fixed"}


class _Line(int):
    """A mapping's line, carrying the lines of its keys."""

    keys: dict[str, int]


class _LineLoader(SafeLoader):
    """A YAML loader that records the line of every mapping and of its keys, for errors that name it."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        line = mapping[LINE] = _Line(node.start_mark.line + 1)
        line.keys = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k.value, str)}
        return mapping


@dataclass
class RuleSet:
    """Every signal and rule of the loaded packs, by id."""

    signals: dict[str, Signal] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    packs: list[str] = field(default_factory=list)

    def signals_for(self, language: str | None) -> list[tuple[Signal, LazyPattern]]:
        """(signal, pattern) pairs for one language, or for every language when None."""
        out = []
        for signal in self.signals.values():
            for lang, pattern in signal.patterns.items():
                if language is None or lang == language:
                    out.append((signal, pattern))
        return out


class _Pack:
    """Validation helpers bound to one pack file, so every error names it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.stem

    @staticmethod
    def line(where: dict | None, key: str | None = None) -> int | None:
        """The line of a mapping, or of one of its keys."""
        line = (where or {}).get(LINE)
        return getattr(line, "keys", {}).get(key) or line

    def where(self, mapping: dict, key: str | None = None) -> str:
        return f"{self.path}:{self.line(mapping, key)}"

    def fail(self, message: str, where: dict | None = None, key: str | None = None) -> RulePackError:
        return RulePackError(message, str(self.path), self.line(where, key))

    def keys(self, mapping: dict, allowed: set[str], what: str) -> None:
        unknown = sorted(k for k in mapping if k != LINE and k not in allowed)
        if unknown:
            raise self.fail(f"{what}: unknown field '{unknown[0]}' (allowed: {', '.join(sorted(allowed))})", mapping)

    def text(self, mapping: dict, key: str, what: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{what}: field '{key}' must be a non-empty string", mapping)
        return value.strip()

    def compile(self, patterns: Any, what: str, where: dict) -> LazyPattern | None:
        if patterns is None:
            return None
        if isinstance(patterns, str):
            patterns = [patterns]
        if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
            raise self.fail(f"{what}: 'patterns' must be a list of regular expressions", where)
        source = "|".join(f"(?:{p})" for p in patterns)
        try:
            compiled = re.compile(source, re.IGNORECASE)
        except re.error:
            for p in patterns:  # name the pattern at fault
                try:
                    re.compile(p)
                except re.error as exc:
                    raise self.fail(f"{what}: invalid regular expression {p!r}: {exc}", where) from None
            raise self.fail(f"{what}: the patterns do not combine into one regular expression", where) from None
        for p in patterns:  # one user's pack must not be able to hang a CI job
            risk = backtracking_risk(p)
            if risk:
                raise self.fail(f"{what}: the regular expression {p!r} {risk}", where)
        return LazyPattern.of(patterns, re.IGNORECASE, compiled)

    def examples(self, mapping: dict, what: str, language: str) -> tuple[list[Example], list[Example]]:
        raw = mapping.get("examples")
        if raw is None:
            raise self.fail(f"{what}: 'examples' with 'fail' and 'pass' lists is required", mapping)
        if not isinstance(raw, dict):
            raise self.fail(f"{what}: 'examples' must map 'fail' and 'pass' to lists", mapping)
        self.keys(raw, {"fail", "pass"}, f"{what} examples")
        out: list[list[Example]] = []
        for key in ("fail", "pass"):
            items = raw.get(key)
            if not isinstance(items, list) or not items:
                raise self.fail(f"{what}: examples need a non-empty '{key}' list", raw)
            out.append([self.example(item, what, language) for item in items])
        return out[0], out[1]

    def example(self, item: Any, what: str, language: str) -> Example:
        lang = language if language in LANGUAGES else "en"
        if isinstance(item, str):
            return Example(body=item, language=lang)
        if not isinstance(item, dict):
            raise self.fail(f"{what}: an example must be a string or a mapping with 'body'", None)
        self.keys(item, EXAMPLE_KEYS, f"{what} example")
        if not isinstance(item.get("body", item.get("source")), str):
            raise self.fail(f"{what}: an example needs a 'body' (or a whole-file 'source') string", item)
        meta = item.get("meta") or {}
        meta = {k: v for k, v in meta.items() if k != LINE} if isinstance(meta, dict) else {}
        for key, kind in (("line", int), ("column", int), ("count", int), ("fixed", str)):
            if key in item and (not isinstance(item[key], kind) or isinstance(item[key], bool)):
                raise self.fail(f"{what} example: '{key}' must be {'a whole number' if kind is int else 'a string'}",
                                item, key)
        return Example(body=item.get("body", ""), category=item.get("category"),
                       language=item.get("language", lang), meta=_strip_lines(meta), source=item.get("source"),
                       line=item.get("line"), column=item.get("column"), count=item.get("count"),
                       fixed=item.get("fixed"))


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _entry(pack: _Pack, raw: Any, noun: str, allowed: set[str]) -> tuple[str, str]:
    """The id of one entry of a pack's 'signals' or 'rules' list, and how errors name it."""
    if not isinstance(raw, dict):
        raise pack.fail(f"each entry of '{noun}s' must be a mapping")
    entry_id = pack.text(raw, "id", noun)
    what = f"{noun} '{entry_id}'"
    pack.keys(raw, allowed, what)
    return entry_id, what


def _load_signal(pack: _Pack, raw: Any, language: str, ruleset: RuleSet) -> None:
    sid, what = _entry(pack, raw, "signal", SIGNAL_KEYS)
    kind = raw.get("signal")
    if kind not in SIGNAL_KINDS:
        raise pack.fail(f"{what}: 'signal' must be one of {', '.join(SIGNAL_KINDS)}", raw)
    # Signals read the matching view of a text, without accents (matching.py): so do their patterns,
    # once each {lemma:...} is replaced by the word's inflected forms.
    patterns = pack.compile(_folded(_inflected(pack, raw, raw.get("patterns"), language, what)), what, raw)
    variables = pack.compile(raw.get("variables"), what, raw)
    if patterns is None and variables is None:
        raise pack.fail(f"{what}: give 'patterns', 'variables' or both", raw)
    fail, passes = pack.examples(raw, what, language)
    signal = ruleset.signals.get(sid)
    if signal is None:
        signal = Signal(sid, kind, pack.text(raw, "label", what), pack.text(raw, "doc", what),
                        mixes=bool(raw.get("mixes", kind != "conversational")))
        ruleset.signals[sid] = signal
    elif signal.kind != kind:
        raise pack.fail(f"{what}: declared '{kind}' here but '{signal.kind}' in {signal.packs[0]}", raw)
    if patterns is not None:
        if language not in LANGUAGES:
            raise pack.fail(f"{what}: text patterns need the pack's 'language' ({', '.join(LANGUAGES)})", raw)
        if language in signal.patterns:
            raise pack.fail(f"{what}: defined twice for language '{language}'", raw)
        signal.patterns[language] = patterns
    if variables is not None:
        signal.variables = variables
    answers = pack.compile(raw.get("answers"), what, raw)
    if answers is not None:
        if not signal.mixes or language not in LANGUAGES:
            raise pack.fail(f"{what}: 'answers' needs 'mixes: true' and the pack's 'language'", raw)
        signal.answers[language] = answers
    if "covers" in raw:
        _load_covers(pack, raw, signal, what)
    signal.fail += fail
    signal.passes += passes
    signal.packs.append(str(pack.path))


def _load_covers(pack: _Pack, raw: dict, signal: Signal, what: str) -> None:
    """covers: {signals: [promotional signal ids], reach: match|sentence|after|message}, the same in every
    language's pack of the signal (checked against the loaded signals by _check_covers)."""
    value = raw["covers"]
    if not isinstance(value, dict) or set(value) - {"signals", "reach", LINE}:
        raise pack.fail(f"{what}: 'covers' maps 'signals' (a list of promotional signal ids) and 'reach'", raw, "covers")
    ids, reach = value.get("signals"), value.get("reach", "match")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise pack.fail(f"{what}: 'covers' needs 'signals', a list of promotional signal ids", raw, "covers")
    if reach not in REACHES:
        raise pack.fail(f"{what}: 'covers' 'reach' must be one of {', '.join(REACHES)}", raw, "covers")
    if signal.covers and (signal.covers != frozenset(ids) or signal.reach != reach):
        raise pack.fail(f"{what}: 'covers' differs from the one in {signal.packs[0]}: give the same in every pack",
                        raw, "covers")
    signal.covers, signal.reach = frozenset(ids), reach


def _check_covers(ruleset: RuleSet) -> None:
    """Every signal a 'covers' names exists and is promotional."""
    for signal in ruleset.signals.values():
        for sid in sorted(signal.covers):
            covered = ruleset.signals.get(sid)
            if covered is None or covered.kind != "promotional":
                raise RulePackError(f"signal '{signal.id}': 'covers' names '{sid}', which is not a promotional signal",
                                    signal.packs[-1], None)


LEMMA = re.compile(r"\{lemma:([^\W\d_][^{}\s]*)\}")
LEMMAS = Path(__file__).resolve().parent.parent / "data"


def _inflected(pack: _Pack, raw: dict, patterns: Any, language: str, what: str) -> Any:
    """The patterns with each {lemma:word} replaced by a group of the word's inflected forms
    (templater/data/lemmas.<language>.json, made by benchmarks/build_lemmas.py from simplemma's
    dictionary): '{lemma:offrir}' matches 'offert', 'offertes', 'offrons'... Read when the rule
    set is loaded (the rule cache keeps the result), never while linting."""
    items = [patterns] if isinstance(patterns, str) else patterns
    if not isinstance(items, list) or not any(isinstance(p, str) and "{lemma:" in p for p in items):
        return patterns
    import json  # only a pack that uses lemmas, on a rule-cache miss

    path = LEMMAS / f"lemmas.{language}.json"
    try:
        forms = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise pack.fail(f"{what}: {{lemma:...}} needs {path.name}: run python benchmarks/build_lemmas.py", raw) from None

    def group(match: re.Match) -> str:
        words = forms.get(match.group(1))
        if not words:
            raise pack.fail(f"{what}: no forms of '{match.group(1)}' in {path.name}: run "
                            "python benchmarks/build_lemmas.py", raw)
        return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"

    out = [LEMMA.sub(group, p) if isinstance(p, str) else p for p in items]
    return out[0] if isinstance(patterns, str) else out


def _folded(patterns: Any) -> Any:
    if isinstance(patterns, str):
        return fold_pattern(patterns)
    if isinstance(patterns, list):
        return [fold_pattern(p) if isinstance(p, str) else p for p in patterns]
    return patterns


# A rule's definition: what it is, how severe, where it applies and what it says. It lives in one
# place (one pack entry, usually the English pack); any other entry for the same id - a language
# pack, a project pack - adds only LANGUAGE_KEYS. Repeating a definition key with the same value is
# tolerated; a different value is a load error naming both places.
DEFINITION_KEYS = ("kind", "severity", "applies_to", "message", "summary", "doc", "variants", "check", "options",
                   "markets")
LANGUAGE_KEYS = ("patterns", "suggestion", "examples")
RULE_KEYS = {"id", *DEFINITION_KEYS, *LANGUAGE_KEYS}


@dataclass
class _Draft:
    """One rule as its pack entries are read: its definition and its per-language additions."""

    first: tuple[_Pack, dict]
    definition: dict[str, tuple[Any, Any, str]] = field(default_factory=dict)  # key -> (value, raw, "file:line")
    patterns: dict[str, Any] = field(default_factory=dict)
    suggestion: dict[str, str] = field(default_factory=dict)
    fail: list[Example] = field(default_factory=list)
    passes: list[Example] = field(default_factory=list)
    packs: list[str] = field(default_factory=list)


def _definition_value(pack: _Pack, raw: dict, key: str, what: str) -> Any:
    """One definition key's value, validated where it is written so errors name that line."""
    value = raw[key]
    if key == "kind":
        if value not in RULE_KINDS:
            raise pack.fail(f"{what}: 'kind' must be one of {', '.join(RULE_KINDS)}", raw, key)
        return value
    if key == "severity":
        try:
            return Severity.parse(str(value or ""))
        except ValueError as exc:
            raise pack.fail(f"{what}: {exc}", raw, key) from None
    if key == "applies_to":
        if not isinstance(value, list) or any(a not in CATEGORIES for a in value):
            raise pack.fail(f"{what}: 'applies_to' must list categories among {', '.join(CATEGORIES)}", raw, key)
        return tuple(value)
    if key in ("message", "summary", "doc"):
        return pack.text(raw, key, what)
    if key == "markets":  # the markets whose law asks for the rule; absent: every market
        from templater import markets

        try:
            return markets.parse(value)
        except ValueError as exc:
            raise pack.fail(f"{what}: 'markets' {exc}", raw, key) from None
    if key == "variants":
        variants = {}
        for name, spec in (value or {}).items():
            if name == LINE:
                continue
            if not isinstance(spec, dict):
                raise pack.fail(f"{what}: variant '{name}' must map 'severity' and 'message'", raw, key)
            pack.keys(spec, {"severity", "message"}, f"{what} variant '{name}'")
            try:
                variants[name] = Variant(Severity.parse(str(spec.get("severity", ""))),
                                         pack.text(spec, "message", f"{what} variant '{name}'"))
            except ValueError as exc:
                raise pack.fail(f"{what} variant '{name}': {exc}", spec) from None
        return variants
    if key == "options":
        return _strip_lines(value or {})
    return value  # check: validated against the check registry when the linter is built


def _load_rule(pack: _Pack, raw: Any, language: str, drafts: dict[str, _Draft]) -> None:
    rid, what = _entry(pack, raw, "rule", RULE_KEYS)
    draft = drafts.get(rid)
    if draft is None:
        draft = drafts[rid] = _Draft((pack, raw))
    for key in DEFINITION_KEYS:
        if key not in raw:
            continue
        value = _strip_lines(raw[key])
        known = draft.definition.get(key)
        if known is None:
            draft.definition[key] = (_definition_value(pack, raw, key, what), value, pack.where(raw, key))
        elif known[1] != value:
            raise pack.fail(f"{what}: '{key}' differs from the rule's definition at {known[2]}; a rule is "
                            f"defined once, and other packs add only {', '.join(LANGUAGE_KEYS)}", raw, key)
    patterns = pack.compile(raw.get("patterns"), what, raw)
    fail, passes = pack.examples(raw, what, language)
    if patterns is not None:  # a 'language: any' pack's patterns apply to every language without its own
        if language in draft.patterns:
            raise pack.fail(f"{what}: defined twice for language '{language}'", raw, "patterns")
        draft.patterns[language] = patterns
    if raw.get("suggestion"):
        draft.suggestion[language] = pack.text(raw, "suggestion", what)
    draft.fail += fail
    draft.passes += passes
    draft.packs.append(str(pack.path))


def _finish_rule(rid: str, draft: _Draft) -> Rule:
    """The rule a draft defines, once every pack is read; errors name the rule's first entry."""
    pack, raw = draft.first
    what = f"rule '{rid}'"
    missing = [k for k in ("kind", "severity", "message", "summary", "doc") if k not in draft.definition]
    if missing:
        raise pack.fail(f"{what}: no pack defines its '{missing[0]}' (a rule's {', '.join(DEFINITION_KEYS[:6])} "
                        "are written once, in one pack)", raw)
    value = {k: v[0] for k, v in draft.definition.items()}
    kind = value["kind"]
    if kind == "builtin" and not isinstance(value.get("check"), str):
        raise pack.fail(f"{what}: a builtin rule names its 'check'", raw)
    if kind in ("requirement", "existence") and not draft.patterns:
        raise pack.fail(f"{what}: a {kind} rule needs 'patterns'", raw)
    return Rule(rid, kind, value["severity"], value["message"], value["summary"], value["doc"],
                value.get("applies_to"), patterns=draft.patterns, suggestion=draft.suggestion,
                variants=value.get("variants") or {}, check=value.get("check"), options=value.get("options") or {},
                markets=value.get("markets"), fail=draft.fail, passes=draft.passes, packs=draft.packs)


def load_pack(path: Path, ruleset: RuleSet, drafts: dict[str, _Draft]) -> None:
    """Read one pack file into a rule set (signals) and drafts (rules), or raise RulePackError
    naming the file, line and field."""
    pack = _Pack(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_LineLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise pack.fail(f"cannot read the rule pack: {exc}") from None
    except yaml.YAMLError as exc:
        raise RulePackError.from_yaml(exc, str(path), text) from None
    if not isinstance(data, dict):
        raise pack.fail("a rule pack is a mapping with 'signals' and/or 'rules'")
    pack.keys(data, PACK_KEYS, "pack")
    language = data.get("language", "any")
    if language not in (*LANGUAGES, "any"):
        raise pack.fail(f"pack: 'language' must be one of {', '.join(LANGUAGES)} or any", data)
    for key in ("signals", "rules"):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise pack.fail(f"pack: '{key}' must be a list", data)
        for raw in entries:
            if key == "signals":
                _load_signal(pack, raw, language, ruleset)
            else:
                _load_rule(pack, raw, language, drafts)
    ruleset.packs.append(str(path))


def load_ruleset(folders: Iterable[Path]) -> RuleSet:
    """Load every *.yaml pack of the given folders, in name order, into one rule set (cached)."""
    files = [path for folder in folders for path in sorted(Path(folder).glob("*.yaml"))]

    def load() -> RuleSet:
        ruleset, drafts = RuleSet(), dict[str, _Draft]()
        for path in files:
            load_pack(path, ruleset, drafts)
        ruleset.rules = {rid: _finish_rule(rid, draft) for rid, draft in drafts.items()}
        _check_covers(ruleset)
        return ruleset

    return cached([*CODE, *files], load)
