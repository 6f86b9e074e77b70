"""Builtin checks of what a message says and costs: encoding, segments, links, readability, spam."""
from __future__ import annotations

import re
from typing import Iterator, TypeVar

from templater import reference
from templater.context import Hit, LintContext
from templater.encoding import NonGsm, analyze, non_gsm_characters, with_lookalikes
from templater.errors import RulePackError
from templater.findings import Edit, Fix
from templater.graphemes import graphemes, is_pictographic
from templater.rulepacks.model import Rule
from templater.rulepacks.patterns import LazyPattern
from templater.checks.registry import check
from templater.text import HOLE, INVISIBLE, expression_spans

URL = LazyPattern(  # compiled on first use: lint start-up does not pay for it
    r"(?<![\w@.-])(?:(?:https?://|www\.)[^\s\x00/?#]+|"
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|io|co|fr|us|uk|ca|de|eu|be|ch|app|shop|store|"
    r"info|biz|me|ly|gl|gd|ai|link|site|online|club|xyz)(?![\w-]))[^\s\x00]*", re.IGNORECASE)
_HOST = re.compile(r"^(?:https?://)?([^/?#:\s]+)", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_CAPS_GAP = re.compile(r"[^\w\n\x00]{1,3}")
T = TypeVar("T")


def option(rule: Rule, name: str, default: T) -> T:
    """A rule option, or its default; a value not of the default's type is a rule-pack error."""
    value = rule.options.get(name, default)
    kind = type(default)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        wanted = {int: "a whole number", list: "a list", dict: "a mapping", str: "a string"}.get(kind, "another type")
        raise RulePackError(f"rule '{rule.id}': option '{name}' must be {wanted}, not {value!r}",
                            rule.packs[0] if rule.packs else None)
    return value


def message_text(ctx: LintContext) -> str | None:
    """The text as it would be sent: the message itself, or the template rendered with its examples."""
    text = ctx.render_result[0]
    return text.strip() if text is not None else None


def where(ctx: LintContext, offset: int) -> str:
    """'at line:column' of a body offset in the file, or 'at character N' in a rendered message."""
    if ctx.is_message:
        return f"at character {offset + 1}"
    line, column = ctx.template.position(offset)
    return f"at {line}:{column}"


def carrier(ctx: LintContext, snippet: str) -> tuple[str, int]:
    """The variable whose example value holds a snippet of the rendered text, and its use offset."""
    examples = ctx.template.examples()
    for name, offset in ctx.used.items():
        if snippet and snippet in str(examples.get(name, "")):
            return name, offset
    return "", 0


def _describe(chars: list[tuple[NonGsm, str]]) -> str:
    """"'’' U+2019 at 3:12 (GSM-7: "'"), ..." with each distinct character once."""
    seen: dict[str, list] = {}
    for c, place in chars:
        seen.setdefault(c.char, [c, place, 0])[2] += 1
    parts = []
    for c, place, count in list(seen.values())[:8]:
        hint = f"GSM-7: {c.replacement!r}" if c.replacement is not None else "no GSM-7 look-alike"
        more = f", {count} times" if count > 1 else ""
        shown = c.char if c.char[0].isprintable() and not c.char[0].isspace() else c.codepoint
        parts.append(f"'{shown}' {c.codepoint} {place} ({hint}{more})")
    if len(seen) > 8:
        parts.append(f"and {len(seen) - 8} more")
    return ", ".join(parts)


def _safe(c: NonGsm) -> bool:
    # Only punctuation and spaces for punctuation and spaces: a curly quote becomes a straight one,
    # but 'ç' never becomes 'c' (that would misspell French) and '°' never becomes 'o'.
    return c.replacement is not None and not any(ch.isalnum() for ch in c.char + c.replacement)


def _lookalikes(ctx: LintContext, chars: list[NonGsm]) -> Fix | None:
    """The fix of ucs2-encoding: each safe look-alike put in, in the body's text (never in a tag)."""
    spans = expression_spans(ctx.template.body)
    safe = [c for c in chars if _safe(c) and not any(s <= c.index < e for s, e in spans)]
    if not safe:
        return None
    n = len(safe)
    return Fix(f"{n} character{'s' if n != 1 else ''} that force{'s' if n == 1 else ''} UCS-2 replaced by "
               "GSM look-alikes", tuple(ctx.edit(c.index, c.index + len(c.char), c.replacement or "") for c in safe))


@check("ucs2_characters", on_messages=True)
def ucs2_characters(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """One hit listing every character (in the body, then in example values) that forces UCS-2."""
    own = non_gsm_characters(ctx.literal.replace(HOLE, " "))
    found = [(c, where(ctx, c.index)) for c in own]
    first = found[0][0].index if found else None
    rendered = message_text(ctx)
    if rendered is not None and not ctx.is_message:
        known = {c.char for c, _ in found}
        for c in non_gsm_characters(rendered):
            if c.char not in known:
                name, offset = carrier(ctx, c.char)
                found.append((c, f"in the example value of {{{{ {name} }}}}" if name else "in the rendered example"))
                first = offset if first is None else first
    if found:
        variant = "lookalike" if any(c.replacement is not None for c, _ in found) else "deliberate"
        count = len({c.char for c, _ in found})
        yield Hit(rule.id, {"count": count, "s": "" if count == 1 else "s", "chars": _describe(found)},
                  offset=first, variant=variant, fix=None if ctx.is_message else _lookalikes(ctx, own))


@check("segment_count", needs_body=True, on_messages=True)
def segment_count(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires when the message as sent takes more segments than the rule's max_segments."""
    limit = option(rule, "max_segments", 3)
    text = message_text(ctx)
    if text is None:
        return
    facts = analyze(text)
    if facts.segments > limit:
        fixed = with_lookalikes(text, facts.non_gsm) if facts.non_gsm else None
        hint = f", or replace the characters that force UCS-2 ({analyze(fixed).segments} in GSM-7)" if fixed else ""
        yield Hit(rule.id, {"segments": facts.segments, "characters": facts.characters, "encoding": facts.encoding,
                            "max_segments": limit, "hint": hint}, line=ctx.template.body_line)


def _domains(value: object) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return [str(d).lower().strip().lstrip(".") for d in items if str(d).strip()]


@check("link_domains", on_messages=True)
def link_domains(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Links whose host is not one of the brand's domains (rule option or template metadata)."""
    brands = _domains(option(rule, "brand_domains", [])) + _domains(ctx.template.meta.get("brand_domains"))
    if not brands:
        return  # nothing to compare with: every link would be reported
    seen = set()
    sources = [(ctx.masked, False)]
    rendered = message_text(ctx)
    if rendered is not None and not ctx.is_message:
        sources.append((rendered, True))
    for text, in_example in sources:
        for m in URL.finditer(text):
            found = _HOST.match(m.group(0))
            assert found is not None  # a link starts with its host (or a scheme, then the host)
            host = found.group(1).lower().rstrip(".")
            if HOLE in host or host in seen or any(host == d or host.endswith("." + d) for d in brands):
                continue
            seen.add(host)
            offset = carrier(ctx, m.group(0))[1] if in_example else ctx.origin(m.start())
            yield Hit(rule.id, {"host": host, "brands": ", ".join(brands),
                                "where": " (in the rendered example)" if in_example else ""}, offset=offset)


@check("readability", needs_body=True)
def readability(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Flesch reading ease (Kandel-Moles in French) of the message as sent, below the threshold."""
    thresholds = option(rule, "min_score", {"en": 50, "fr": 40})
    minimum = thresholds.get(ctx.language)
    text = message_text(ctx)
    if minimum is None or text is None:
        return
    from templater import readability as scores  # deferred: pyphen loads only when this rule runs

    links = URL.for_text(text)  # None when no link can be in the text: most messages
    prose = links.sub(" ", text) if links is not None else text
    n_words = len(scores.words(prose))
    if n_words < option(rule, "min_words", 10):
        return  # too short for the formula to mean anything
    score = scores.flesch_reading_ease(prose, ctx.language, n_words)
    if score < minimum:
        yield Hit(rule.id, {"score": round(score), "minimum": minimum, "language": ctx.language},
                  line=ctx.template.body_line)


# A capitalised word is a run of two letters or more without a lower-case one: a text with no run
# of word characters that are neither digits, '_' nor a-z has none, and most texts have none.
_MAYBE_CAPS = re.compile(r"(?<!\w)[^\W\d_a-z]{2,}(?!\w)")


def _caps_runs(text: str, keywords: set[str], intros: set[str], minimum: int) -> Iterator[tuple[int, str]]:
    if reference.ON:
        if _MAYBE_CAPS.search(text) is None:
            return
    # Every capitalised word is one of _MAYBE_CAPS's matches, whole: when they hold fewer than
    # `minimum` letters together, no run can ("Reply HELP", "STOP au 36111").
    elif sum(map(len, _MAYBE_CAPS.findall(text))) < minimum:
        return
    run: list[re.Match] = []
    previous = ""
    for m in [*_WORD.finditer(text), None]:
        word = m.group(0) if m else ""
        # A keyword to text back or a code to type ("Reply RESCHEDULE", "code WELCOMEBACK") is not shouting.
        caps = (m is not None and len(word) >= 2 and word.isupper() and word.isalpha() and word not in keywords
                and not (not run and previous.lower() in intros))
        previous = word
        joined = bool(run) and m is not None and _CAPS_GAP.fullmatch(text, run[-1].end(), m.start()) is not None
        if m is not None and caps and (not run or joined):
            run.append(m)
            continue
        if run and sum(len(r.group(0)) for r in run) >= minimum:
            yield run[0].start(), text[run[0].start():run[-1].end()]
        run = [m] if m is not None and caps else []


@check("caps_runs", on_messages=True)
def caps_runs(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Runs of ALL-CAPS words with at least min_letters letters (keywords and codes excepted)."""
    minimum = option(rule, "min_letters", 10)
    keywords = {str(k).upper() for k in option(rule, "keywords", list[object]())}
    intros = {str(k).lower() for k in option(rule, "keyword_after", list[object]())}
    seen = set()
    for offset, run in _caps_runs(ctx.masked, keywords, intros, minimum):
        seen.add(run)
        yield Hit(rule.id, {"run": run, "where": ""}, offset=ctx.origin(offset))
    rendered = message_text(ctx)
    if rendered is not None and not ctx.is_message:
        for _offset, run in _caps_runs(rendered, keywords, intros, minimum):
            if run not in seen:
                seen.add(run)
                yield Hit(rule.id, {"run": run, "where": " (in the rendered example)"},
                          offset=carrier(ctx, run.split()[0])[1])


_MAYBE_EMOJI = re.compile("[\u20e3\u2300-\u2bff\U0001F000-\U0001FAFF]")


def _emoji(text: str) -> list[int]:
    if not _MAYBE_EMOJI.search(text):
        return []
    return [i for i, c in graphemes(text) if is_pictographic(c[0]) or "\u20e3" in c]


@check("emoji_count", on_messages=True)
def emoji_count(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Fires when the message as sent holds more than max_emoji emoji."""
    limit = option(rule, "max_emoji", 3)
    text = message_text(ctx)
    count = len(_emoji(text if text is not None else ctx.literal))
    if count > limit:
        literal = _emoji(ctx.literal)
        yield Hit(rule.id, {"count": count, "max_emoji": limit},
                  offset=literal[0] if literal else None, line=ctx.template.body_line)


_NAMES = {"\u00ad": "soft hyphen", "\u200b": "zero-width space", "\u200c": "zero-width non-joiner",
          "\u200d": "zero-width joiner", "\u2060": "word joiner", "\ufeff": "zero-width no-break space",
          "\u200e": "left-to-right mark", "\u200f": "right-to-left mark", "\u034f": "combining grapheme joiner"}


def _emoji_part(text: str, i: int) -> bool:
    """Whether the invisible character at i belongs to an emoji: a joiner between two pictographs
    (👨‍👩), a variation selector after a symbol (❤️), a tag after a black flag (🏴 + tags: Scotland)."""
    ch = text[i]
    before = text[i - 1] if i else ""
    if ch == "\u200d":
        after = text[i + 1] if i + 1 < len(text) else ""
        return bool(before and after and _MAYBE_EMOJI.match(before) and _MAYBE_EMOJI.match(after))
    if ch in "\ufe0e\ufe0f":
        return bool(before) and not before.isascii() and not before.isalnum()
    if "\U000e0020" <= ch <= "\U000e007f":
        start = i
        while start and "\U000e0020" <= text[start - 1] <= "\U000e007f":
            start -= 1
        return start > 0 and text[start - 1] == "\U0001f3f4"
    return False


_TRAILING = re.compile(r"[ \t\u00a0\u202f]+$", re.M)


@check("trailing_whitespace")
def trailing_whitespace(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Each line of the file that ends with spaces or tabs; the fix deletes them."""
    source = ctx.template.source
    if (not reference.ON and " \n" not in source and "\t\n" not in source and not source.endswith((" ", "\t"))
            and "\u00a0" not in source and "\u202f" not in source):
        return  # the usual case, told without the regular expression (which scans every space)
    for m in _TRAILING.finditer(source):
        line = source.count("\n", 0, m.start()) + 1
        column = m.start() - source.rfind("\n", 0, m.start())
        yield Hit(rule.id, {}, line=line, column=column,
                  fix=Fix("trailing whitespace deleted", (Edit(m.start(), m.end(), ""),)))


@check("invisible_characters")
def invisible_characters(rule: Rule, ctx: LintContext) -> Iterator[Hit]:
    """Each invisible character in the body's text (zero-width, soft hyphen, word joiner, tags...)."""
    text = ctx.literal
    if text.isascii():
        return
    for m in re.finditer(INVISIBLE, text):
        if _emoji_part(text, m.start()):
            continue
        ch = m.group()
        name = _NAMES.get(ch) or ("a Unicode tag character" if ch >= "\U000e0000" else "an invisible character")
        yield Hit(rule.id, {"name": name, "codepoint": f"U+{ord(ch):04X}"}, offset=m.start())
