"""GSM 03.38 and UCS-2 accounting: encoding, septets or code units, and segments."""
from __future__ import annotations

from dataclasses import dataclass, field

# GSM 03.38 default alphabet (the escape code 0x1B is not a character of its own).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# Characters that force UCS-2 and the GSM-7 character a writer usually meant.
LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ",
    "\u2003": " ", "\u2026": "...", "\u00e7": "c", "\u00e2": "a", "\u00ea": "e", "\u00ee": "i",
    "\u00f4": "o", "\u00fb": "u", "\u00eb": "e", "\u00ef": "i", "\u00e1": "a", "\u00ed": "i",
    "\u00f3": "o", "\u00fa": "u", "\u00c0": "A", "\u00c2": "A", "\u00c8": "E", "\u00ca": "E",
    "\u00ce": "I", "\u00d4": "O", "\u00db": "U", "\u0153": "oe", "\u0152": "OE", "\u00b0": "o",
    "\u2022": "-", "\u00b7": ".", "\u2122": "TM", "\u00ae": "(R)", "\u00a9": "(C)", "\t": " ",
    "\u200b": "",
}

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class NonGsm:
    """A character that forces UCS-2: what it is, where, and what GSM-7 text could replace it."""

    char: str
    index: int
    codepoint: str
    replacement: str | None

    def to_dict(self) -> dict:
        return {"char": self.char, "index": self.index, "codepoint": self.codepoint,
                "replacement": self.replacement}


@dataclass(frozen=True)
class Encoding:
    """The encoding facts of one message."""

    encoding: str            # "GSM-7" | "UCS-2"
    characters: int          # characters as the handset counts them (UTF-16 units in UCS-2)
    units: int               # septets in GSM-7, 16-bit code units in UCS-2
    segments: int
    non_gsm: tuple[NonGsm, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"encoding": self.encoding, "segments": self.segments, "characters": self.characters,
                "units": self.units, "non_gsm": [c.to_dict() for c in self.non_gsm]}


def is_gsm(char: str) -> bool:
    return char in GSM_BASIC or char in GSM_EXTENSION


def _segments(costs: list[int], single: int, multi: int) -> int:
    """Segments needed when no character (escape pair, surrogate pair) may be split across two."""
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments += 1
            used = 0
        used += cost
    return segments


def analyze(text: str) -> Encoding:
    """Encoding, character count, units and segments of a message, as a carrier counts them."""
    non_gsm = tuple(NonGsm(ch, i, f"U+{ord(ch):04X}", LOOKALIKES.get(ch))
                    for i, ch in enumerate(text) if not is_gsm(ch))
    if not non_gsm:
        costs = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        return Encoding("GSM-7", len(text), sum(costs), _segments(costs, GSM_SINGLE, GSM_MULTI))
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    units = sum(costs)
    return Encoding("UCS-2", units, units, _segments(costs, UCS2_SINGLE, UCS2_MULTI), non_gsm)
