"""Text preparation shared by every rule: same-length normalization and Jinja masking."""
from __future__ import annotations

import re

# One character in, one character out, so that match offsets stay valid in the original text.
_NORMALIZE = str.maketrans({
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ",
    "\u2003": " ", "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201b": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-",
    "\u2212": "-", "\u2011": "-", "\u2010": "-",
})

_JINJA_BLOCK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_STRING_LITERAL = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'", re.S)


_NEEDS_NORMALIZE = re.compile("[%s]" % re.escape("".join(chr(c) for c in _NORMALIZE)))


_FOLDED = {chr(k): v for k, v in _NORMALIZE.items()}


def _fold(match: re.Match) -> str:
    return _FOLDED[match.group()]


def normalize(text: str) -> str:
    """Fold typographic spaces, quotes and dashes to ASCII without changing the length."""
    # Most texts hold none of these characters, and the others a few: a C-speed search, then a
    # replacement of each one found, spares translate's lookup of every character.
    return _NEEDS_NORMALIZE.sub(_fold, text) if _NEEDS_NORMALIZE.search(text) else text


# --- folding: invisible characters and look-alikes, before matching ------------------------------
#
# An offer can hide from a pattern behind characters a reader never sees (a zero-width space, a
# soft hyphen, a word joiner, Unicode tag characters, combining marks) or behind letters that only
# look Latin (a Cyrillic 'о', full-width 'ｃｏｄｅ', mathematical bold, small capitals). fold()
# removes the first and maps the second to the Latin letters they imitate: NFKC for compatibility
# forms, then a table of Latin look-alikes from other scripts (after Unicode's confusables.txt,
# restricted to letters that pass for a Latin one in a message). Accented letters stay as they are:
# French patterns spell them.

# Latin look-alikes that NFKC leaves alone: Cyrillic, Greek, IPA and small capitals.
_LOOKALIKES = dict(zip(
    "аеорсухіјѕԁһӏԛԝɡѵАВЕКМНОРСТХУІЈЅԌԜοαινρκτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧıɑɩℓᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ",
    "aeopcyxijsdhlqwgvABEKMHOPCTXYIJSGWoaivpktuxABEZHIKMNOPTYXiailabcdefghijklmnoprstuvwyz"))
# Characters that are never seen: format characters (Cf), variation selectors, fillers, tags.
_INVISIBLE = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
              "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001d173-\U0001d17a"
              "\U000e0000-\U000e0fff")
INVISIBLE = f"[{_INVISIBLE}]"  # a pattern: re compiles (and caches) it on first use, not at start-up
# Accented letters French (and GSM-7) write: they stay. Other accented Latin letters ('ó', 'ć', a
# mark combined onto a letter) read as their base letter, so 'códe' is 'code'.
_KEPT = frozenset("éèêëàâäîïôöùûüçÿñæœÉÈÊËÀÂÄÎÏÔÖÙÛÜÇŸÑÆŒß")
_OTHER_LATIN = "".join(chr(c) for c in range(0xC0, 0x250) if chr(c) not in _KEPT and c not in (0xD7, 0xF7))
_COMBINING = "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
# Where the characters fold() changes live: the quick test that spares other texts the walk.
# Compiled on first use (a non-ASCII text), so that starting templater does not pay for it.
_FOLDS_CLASS = (_INVISIBLE + _COMBINING + "\u00aa\u00b2\u00b3\u00b5\u00b9\u00ba\u00bc-\u00be\u02b0-\u02ff"
                "\u1d00-\u1dbf\u2000-\u200a\u2024-\u2026\u2070-\u209f\u2100-\u214f\u2460-\u24ff\u3000"
                "\ufb00-\ufb06\ufe50-\ufe6f\uff01-\uffef\U0001d400-\U0001d7ff\U0001f100-\U0001f1ff")
_folds: re.Pattern | None = None


def _ranges(chars: str) -> str:
    """A character class body for the characters, consecutive code points as ranges."""
    codes = sorted(set(map(ord, chars)))
    out, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        out.append(re.escape(chr(codes[i])) + (f"-{re.escape(chr(codes[j]))}" if j > i else ""))
        i = j + 1
    return "".join(out)


def _needs_fold(text: str) -> bool:
    global _folds
    if _folds is None:
        _folds = re.compile(f"[{_FOLDS_CLASS}"
                            f"{_ranges(''.join(_LOOKALIKES) + _OTHER_LATIN + ''.join(chr(c) for c in _NORMALIZE))}]")
    return _folds.search(text) is not None


_FOLDED_CHAR: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    """What one character reads as: '' for an invisible one, its Latin look-alike, its NFKC form."""
    found = _FOLDED_CHAR.get(ch)
    if found is None:
        import unicodedata  # only texts that hold such characters pay for it

        if ch in _FOLDED:
            found = _FOLDED[ch]
        elif ch in _LOOKALIKES:
            found = _LOOKALIKES[ch]
        elif re.match(INVISIBLE, ch) or unicodedata.category(ch) == "Cf":
            found = ""
        else:
            nfkc = unicodedata.normalize("NFKC", ch)
            if nfkc != ch and (ch.isspace() or not any(c.isspace() for c in nfkc)):  # '¨' is ' ' + U+0308: kept
                found = "".join(_LOOKALIKES.get(c, _FOLDED.get(c, c)) for c in nfkc if not unicodedata.combining(c))
            else:
                found = ch
            if found == ch and ch not in _KEPT and "\u00c0" <= ch <= "\u024f":
                base = unicodedata.normalize("NFD", ch)[0]
                found = base if base.isascii() else ch
        _FOLDED_CHAR[ch] = found
    return found


def fold_map(text: str) -> tuple[str, list[int] | None]:
    """The text as matching reads it, and for each of its characters (plus one past the end) the
    offset in `text` it comes from; None when the text is only normalized (same length, same offsets).

    Besides normalize(): invisible characters go, look-alikes become the Latin letters they imitate,
    and a combining mark joins the letter before it when that makes a letter French writes
    ('e' + U+0301 is 'é'), and goes otherwise ('c' + U+0336 or U+0301 is 'c').
    """
    if text.isascii() or not _needs_fold(text):
        return normalize(text), None
    import unicodedata

    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.combining(ch) or "\u20d0" <= ch <= "\u20ff":
            if out:
                joined = unicodedata.normalize("NFC", out[-1] + ch)
                if len(joined) == 1 and joined in _KEPT:
                    out[-1] = joined
            continue
        folded = _fold_char(ch)
        for c in folded:
            out.append(c)
            origin.append(i)
    origin.append(len(text))
    return "".join(out), origin


def fold(text: str) -> str:
    """fold_map's text alone (see there); the text itself when it is ASCII."""
    return text if text.isascii() else fold_map(text)[0]


# An expression's value is unknown: a character that is neither a word nor a space stands for it,
# so that patterns neither match across it as if it were blank nor take it for a word.
HOLE = "\x00"


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(chunk: str, fill: str = " ") -> str:
    if "\n" not in chunk:
        return fill * len(chunk)
    return _NOT_NEWLINE.sub(fill, chunk)


def _mask_block(match: re.Match) -> str:
    block = match.group(0)
    if block.startswith("{#"):
        return _blank(block)
    # String literals in expressions and statements are message text too: keep them in place.
    fill = HOLE if block.startswith("{{") else " "
    out, last = [], 0
    for lit in _STRING_LITERAL.finditer(block):
        out.append(_blank(block[last:lit.start()], fill))
        out.append(" " + (lit.group(1) if lit.group(1) is not None else lit.group(2)) + " ")
        last = lit.end()
    out.append(_blank(block[last:], fill))
    return "".join(out)


def mask_jinja(body: str) -> str:
    """The literal text of every branch of a Jinja body, with tags blanked to spaces in place."""
    if "{" not in body:
        return body
    return _JINJA_BLOCK.sub(_mask_block, body)


def expression_spans(body: str) -> list[tuple[int, int]]:
    """Start and end offsets of every {{ ... }} and {% ... %} block in a body."""
    return [(m.start(), m.end()) for m in _JINJA_BLOCK.finditer(body) if not m.group(0).startswith("{#")]


# Characters a terminal acts on rather than shows: C0 controls but the line break and tab, DEL, C1
# controls (ESC [ and OSC 8 hyperlinks, BEL, NUL ...), and the bidirectional overrides and isolates
# that reorder what follows (a message or value could rewrite the screen, hide text or fake a link).
_TERMINAL_CONTROLS = "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]"


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text safe to print on a terminal: each control character shown as its escape (\\x1b, \\u202e)."""
    if text.isascii() and text.isprintable():
        return text
    return re.sub(_TERMINAL_CONTROLS, _escaped, text)
