"""User-perceived characters (grapheme clusters), close to the splitter carriers' calculators use."""
from __future__ import annotations

import unicodedata

# A simplified UAX #29 (what Twilio's calculator uses, through the grapheme-splitter package):
# marks, joiners, variation selectors, skin tones, tags, flag pairs and Hangul syllables stay
# attached to the character before them, so no emoji or accented letter is split across segments.
ZWJ = "\u200d"
_CONTROL_CATEGORIES = {"Cc", "Zl", "Zp"}
_EXTEND_CATEGORIES = {"Mn", "Me", "Mc"}


def _is_extend(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) in _EXTEND_CATEGORIES or ch in "\u200c\u200d"
            or 0xE0020 <= cp <= 0xE007F or 0xFE00 <= cp <= 0xFE0F)


def _is_modifier(ch: str) -> bool:
    return 0x1F3FB <= ord(ch) <= 0x1F3FF


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def is_pictographic(ch: str) -> bool:
    """Whether a character is an emoji-like pictograph (what a ZWJ sequence glues together)."""
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or 0x2300 <= cp <= 0x23FF) and unicodedata.category(ch) == "So"


def _hangul(ch: str) -> str:
    cp = ord(ch)
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _joins(cluster: str, ch: str) -> bool:
    """Whether `ch` continues the cluster that currently ends with `cluster[-1]`."""
    prev = cluster[-1]
    if prev in "\r\n" or ch in "\r\n" or unicodedata.category(prev) in _CONTROL_CATEGORIES:
        return False  # CR LF counts as two characters, as carriers and Twilio count it
    if unicodedata.category(ch) in _CONTROL_CATEGORIES:
        return False
    if _is_extend(ch):
        return True
    if _is_modifier(ch):
        return is_pictographic(cluster[0])
    if prev == ZWJ:
        return is_pictographic(ch)
    if _is_regional(ch) and _is_regional(prev):
        return sum(1 for c in cluster if _is_regional(c)) % 2 == 1
    h_prev, h_next = _hangul(prev), _hangul(ch)
    if h_prev and h_next:
        return (h_prev == "L" and h_next in ("L", "V", "LV", "LVT")
                or h_prev in ("LV", "V") and h_next in ("V", "T")
                or h_prev in ("LVT", "T") and h_next == "T")
    return False


def joins_others(ch: str) -> bool:
    """Whether a character may join the one before it, or the one after it join it (the only
    characters _joins can answer True for, as `ch` or as the cluster's last: extenders, which
    include the joiners, and Hangul jamo and syllables; emoji modifiers and flags are beyond U+FFFF)."""
    return _is_extend(ch) or bool(_hangul(ch)) or _is_modifier(ch) or _is_regional(ch)


def graphemes(text: str) -> list[tuple[int, str]]:
    """(offset, cluster) for every user-perceived character of a text, in order."""
    out: list[tuple[int, str]] = []
    for i, ch in enumerate(text):
        # Below U+0300 nothing joins the character before it (marks, joiners and emoji come later).
        if out and ch >= "\u0300" and _joins(out[-1][1], ch):
            out[-1] = (out[-1][0], out[-1][1] + ch)
        else:
            out.append((i, ch))
    return out


def utf16_units(cluster: str) -> int:
    """How many UTF-16 code units a string takes (characters beyond U+FFFF take two)."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in cluster)
