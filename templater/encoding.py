"""GSM 03.38 and UCS-2 accounting: encoding, characters, septets or code units, and segments."""
from __future__ import annotations

import unicodedata
from dataclasses import field

from templater.records import dataclass
from templater.graphemes import graphemes, utf16_units

# GSM 03.38 default alphabet (the escape code 0x1B is not a character of its own). 0x09 is the
# capital Ç, as in the 3GPP table and Twilio's calculator: a lowercase ç forces UCS-2.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM_ALL = GSM_BASIC | GSM_EXTENSION

# Characters that force UCS-2 and the GSM-7 text a writer usually meant, where decomposing the
# character (NFKD, accents dropped) would not find it or would find something worse.
LOOKALIKES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u02bc": "'", "\u00b4": "'",
    "\u2032": "'", "\u0060": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2033": '"', "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
    "\u2010": "-", "\u2011": "-", "\u2015": "-", "\u00a0": " ", "\u202f": " ", "\u2007": " ",
    "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u2026": "...", "\u0153": "oe",
    "\u0152": "OE", "\u00b0": "o", "\u2022": "-", "\u00b7": ".", "\u00ae": "(R)", "\u00a9": "(C)",
    "\t": " ", "\u200b": "", "\ufeff": "", "\u00d7": "x", "\u00f7": "/",
}

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class NonGsm:
    """A character that forces UCS-2: what it is, where, and what GSM-7 text could replace it."""

    char: str                # one user-perceived character (an emoji with its modifiers, a flag)
    index: int               # 0-based offset of its first code point in the text
    codepoint: str           # "U+2019", or "U+1F1EB U+1F1F7" for a sequence
    replacement: str | None  # GSM-7 look-alike, None when there is none (emoji, other scripts)

    def to_dict(self) -> dict:
        return {"char": self.char, "index": self.index, "codepoint": self.codepoint,
                "replacement": self.replacement}


@dataclass(frozen=True)
class Encoding:
    """The encoding facts of one message, counted as Twilio's segment calculator counts them."""

    encoding: str            # "GSM-7" | "UCS-2"
    characters: int          # GSM-7: septets (extension characters count 2); UCS-2: characters
    units: int               # septets in GSM-7, 16-bit code units in UCS-2 (emoji count 2)
    segments: int
    non_gsm: tuple[NonGsm, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"encoding": self.encoding, "segments": self.segments, "characters": self.characters,
                "units": self.units, "non_gsm": [c.to_dict() for c in self.non_gsm]}


def is_gsm(char: str) -> bool:
    """Whether one character is in the GSM 03.38 default alphabet or its extension table."""
    return char in GSM_BASIC or char in GSM_EXTENSION


def is_gsm_text(text: str) -> bool:
    """Whether a whole text can be sent in GSM-7."""
    return GSM_ALL.issuperset(text)


def lookalike(cluster: str) -> str | None:
    """GSM-7 text that reads like a character outside GSM-7, or None when there is none."""
    if cluster in LOOKALIKES:
        return LOOKALIKES[cluster]
    composed = unicodedata.normalize("NFC", cluster)
    if is_gsm_text(composed):
        return composed  # a decomposed é (e + U+0301) is the GSM-7 é
    stripped = "".join(c for c in unicodedata.normalize("NFKD", cluster) if not unicodedata.combining(c))
    stripped = "".join(LOOKALIKES.get(c, c) for c in stripped)
    return stripped if stripped and is_gsm_text(stripped) else None


def _codepoints(cluster: str) -> str:
    return " ".join(f"U+{ord(ch):04X}" for ch in cluster)


def non_gsm_characters(text: str) -> list[NonGsm]:
    """Every user-perceived character of a text that GSM-7 cannot carry, with its look-alike."""
    if GSM_ALL.issuperset(text):
        return []  # the usual case, without splitting the text into characters
    return [NonGsm(cluster, i, _codepoints(cluster), lookalike(cluster))
            for i, cluster in graphemes(text) if not is_gsm_text(cluster)]


def with_lookalikes(text: str, non_gsm: tuple[NonGsm, ...] | list[NonGsm]) -> str | None:
    """The text with every character outside GSM-7 replaced by its look-alike; None if one has none."""
    if any(c.replacement is None for c in non_gsm):
        return None
    for c in sorted(non_gsm, key=lambda c: c.index, reverse=True):
        text = text[: c.index] + (c.replacement or "") + text[c.index + len(c.char):]
    return text


def segment_count(costs: list[int], single: int, multi: int) -> int:
    """Segments needed when no character (escape pair, surrogate pair, emoji sequence) may be split."""
    total = sum(costs)
    if total <= single:  # an empty message still takes one segment, as Twilio counts it
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
    if GSM_ALL.issuperset(text):  # GSM-7 characters never combine, so each is its own character
        costs = [2 if ch in GSM_EXTENSION else 1 for ch in text]
        units = sum(costs)
        return Encoding("GSM-7", units, units, segment_count(costs, GSM_SINGLE, GSM_MULTI))
    clusters = [c for _i, c in graphemes(text)]
    non_gsm = tuple(non_gsm_characters(text))
    costs = [utf16_units(c) for c in clusters]
    return Encoding("UCS-2", len(clusters), sum(costs), segment_count(costs, UCS2_SINGLE, UCS2_MULTI),
                    non_gsm)
