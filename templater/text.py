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


def fold(text: str) -> str:
    """The text as matching reads it (see normalize; look-alike folding joins it here)."""
    return normalize(text)


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
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Text safe to print on a terminal: each control character shown as its escape (\\x1b, \\u202e)."""
    if text.isascii() and text.isprintable():
        return text
    return _TERMINAL_CONTROLS.sub(_escaped, text)
