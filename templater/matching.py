"""The text that signal patterns read: accents, glued dashes, SMS abbreviations and placeholders
folded, with a map from every match back to the text as written.

Signals (promotional, transactional and reply markers) are matched on a view of the normalized
text (text.normalize has already folded typographic spaces, quotes and dashes):

* accents are removed (``é`` reads ``e``; signal patterns are folded the same way when loaded, so
  a pattern written with or without accents matches text written with or without them);
* a dash glued between a letter and a number ("menu—15% off") reads as a space;
* SMS abbreviations of the text's language read as the word ("reduc" reads "reduction");
* every placeholder, a masked Jinja expression or one of another tool's (``{x}``, ``{{x}}``,
  ``${x}``, ``[X]``, ``#X#``, ``%X%``, ``:x``, ``<x>``, ``<%= x %>``, ``%(x)s``, ``$x``, ``@x``,
  ``__X__``; ``*x*`` loses its asterisks), reads as one slot
  character, SLOT: a digit (``\\d``), hence a word character (``\\w``, ``\\b``), so that a pattern
  expecting a number or a word reads a placeholder there; a pattern may also name it (``\\u0660``).

A match's offsets in the view are mapped back to the text as written (View.span), so evidence
points at the original characters, placeholders and abbreviations included.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Callable

from templater.text import HOLE

SLOT = "\u0660"  # ARABIC-INDIC DIGIT ZERO: \d, \w; no message writer types it next to Latin text

# SMS abbreviations, by language: the word each one stands for (matched whole, any case).
ABBREVIATIONS: dict[str, dict[str, str]] = {
    "en": {
        "u": "you", "ur": "your", "pls": "please", "plz": "please", "thx": "thanks", "thnx": "thanks",
        "msg": "message", "txt": "text", "2day": "today", "2nite": "tonight", "2night": "tonight",
        "tonite": "tonight", "b4": "before", "appt": "appointment", "appts": "appointments",
        "xtra": "extra", "ur's": "yours", "w/": "with",
    },
    "fr": {
        "reduc": "reduction", "reducs": "reductions", "promos": "promotions", "nvx": "nouveaux",
        "nvelle": "nouvelle", "nvelles": "nouvelles", "nouv": "nouveau", "vs": "vous", "ts": "tous",
        "tt": "tout", "tte": "toute", "ttes": "toutes", "pr": "pour", "ds": "dans", "bcp": "beaucoup",
        "jsq": "jusqu'", "jusq": "jusqu'", "dispo": "disponible", "dispos": "disponibles",
        "qd": "quand", "pdt": "pendant", "tjs": "toujours", "tjrs": "toujours",
        "liv": "livraison", "cmd": "commande", "cde": "commande", "msg": "message",
        "slt": "salut", "stp": "s'il te plait", "svp": "s'il vous plait",
        "mag": "magasin", "mags": "magasins", "we": "week-end", "kdo": "cadeau", "kdos": "cadeaux",
        "ptit": "petit", "ptits": "petits", "ptite": "petite", "ptites": "petites", "qq": "quelques",
        "qqs": "quelques", "auj": "aujourd'hui", "ajd": "aujourd'hui", "aujd": "aujourd'hui", "jrs": "jours",
        "nvo": "nouveau", "nouvo": "nouveau", "nveau": "nouveau", "nvl": "nouvelle", "nvle": "nouvelle",
        "nvlle": "nouvelle", "gratos": "gratuit", "exclu": "exclusivite", "mnt": "maintenant",
    },
}

# Placeholders of other tools, and masked Jinja expressions (runs of text.HOLE). Every branch opens
# with a literal character, so that the regex engine skips to those characters (a fast scan).
_PLACEHOLDER = (
    r"\{\{[^{}\n]{1,60}\}\}"                  # {{x}} (a corpus text, a {% raw %} body)
    r"|\$\{[^{}\n]{1,60}\}"                   # ${x}
    r"|\{[^{}\s][^{}\n]{0,40}\}"              # {x}
    r"|\[[^\[\]\n]{1,40}\]"                   # [X]
    r"|#[A-Za-z_][\w.]{0,40}#"                # #X#
    r"|%[A-Za-z_][\w.]{0,40}%"                # %X%
    r"|:(?<![\w:/]:)[A-Za-z_]\w{0,40}"        # :x (not in 'http://' nor after a word)
    r"|<%=?[^%\n]{1,60}%>"                    # <%= x %> (ERB, EJS)
    r"|<[A-Za-z_][\w .-]{0,40}>"              # <x>
    r"|%\([A-Za-z_]\w{0,40}\)[sd]"            # %(x)s (Python)
    r"|\$[A-Za-z_]\w{0,40}"                   # $x (PHP, shell); "$5" stays a price
    r"|@(?<![\w.]@)[A-Za-z_]\w{0,40}"         # @x (not in an e-mail address)
    r"|__[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__"  # __X__
    r"|" + HOLE + "+"                         # a Jinja expression, masked
)
_TRIGGERS = "{[#%:<$@_" + HOLE  # a text holding none of these holds no placeholder
_NOT_WORD = str.maketrans({c: " " for c in ".,;:!?()[]{}<>\"/\\|*+=~^`&@#%$\n\t\r"})


def _lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A regular expression compiled on first use, so that importing this module costs nothing."""
    return lru_cache(maxsize=None)(lambda: re.compile(pattern, flags))


_PLACEHOLDERS = _lazy(_PLACEHOLDER)
_EMPHASIS = _lazy(r"(?<![\w*])\*([A-Za-z_][\w.]{0,40})\*(?![\w*])")  # *x*: a placeholder or emphasis
# "menu-15%" after normalize() folded the em dash; also a dash glued to a placeholder on either side
# ("menu—{pct}% off", "{{ item }}—20% off")
_GLUED_DASH = _lazy(r"(?:(?<=[^\W\d_])|(?<=[}\]#%" + HOLE + r"]))-(?=\d|\{|\[|\$\{|[#%][A-Za-z_]|" + HOLE + ")")
_NAME = _lazy(r"[\W_]+")
_PLAIN_NAME = _lazy(r"[A-Za-z_][\w ./-]{0,40}")
_CAMEL = _lazy(r"(?<=[a-z0-9])(?=[A-Z])")

_COMBINING = _lazy("[\u0300-\u036f]")
_FOLD: dict[int, str] = {}  # accented Latin letter -> its base letter; built on the first non-ASCII text


def _fold_table() -> dict[int, str]:
    if not _FOLD:
        import unicodedata  # deferred: most texts are ASCII, and lint start-up should not pay for it

        for code in range(0xC0, 0x250):
            base = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if not unicodedata.combining(c))
            if len(base) == 1 and base != chr(code):
                _FOLD[code] = base
    return _FOLD


_COMPILED: dict[str, re.Pattern[str]] = {}


def _abbreviations(language: str, table: dict[str, str]) -> re.Pattern[str]:
    """The regex of a language's abbreviations, compiled the first time a text holds one."""
    regex = _COMPILED.get(language)
    if regex is None:
        words = "|".join(re.escape(w) for w in sorted(table, key=len, reverse=True))
        regex = _COMPILED[language] = re.compile(rf"(?<![\w'])(?:{words})(?![\w'])", re.IGNORECASE)
    return regex


def _changes(text: str, language: str | None) -> list[tuple[int, int, str | None]]:
    """(start, end, abbreviation or None for a placeholder) of every length-changing step, in order."""
    found: list[tuple[int, int, str | None]] = []
    if any(c in text for c in _TRIGGERS):
        found = [(m.start(), m.end(), None) for m in _PLACEHOLDERS().finditer(text)]
    table = ABBREVIATIONS.get(language or "")
    if table and not table.keys().isdisjoint(text.lower().translate(_NOT_WORD).split()):
        taken = found[:]
        for m in _abbreviations(language or "", table).finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in taken):
                found.append((m.start(), m.end(), m.group(0).lower()))
        found.sort()
    return found


def _names(placeholder: str) -> list[str]:
    """A placeholder's name as variable names: its last part ('{{ params.couponCode }}' ->
    'coupon_code') and, for a dotted name, the whole path ('{{offer.title}}' -> 'offer_title', as
    'title' alone says nothing); none for a masked expression or an expression that is not a plain
    name (a call, an operator)."""
    inner = placeholder.strip("{}[]#%:$<>=@_ ")
    if not _PLAIN_NAME().fullmatch(inner):
        return []
    out = []
    for part in (inner.rsplit(".", 1)[-1], inner) if "." in inner else (inner,):
        name = _NAME().sub("_", _CAMEL().sub("_", part)).strip("_").lower()
        if name and name not in out:
            out.append(name)
    return out


def replace_placeholders(text: str, replace: Callable[[re.Match], str]) -> str:
    """The text with every placeholder of another tool and every masked expression replaced (the
    learned scorer reads each as one slot token)."""
    return _PLACEHOLDERS().sub(replace, text) if any(c in text for c in _TRIGGERS) else text


def fold_accents(text: str) -> str:
    """Latin letters without their accents, one character for one (combining marks removed)."""
    if text.isascii():
        return text
    text = text.translate(_fold_table())
    return _COMBINING().sub("", text) if _COMBINING().search(text) else text


class View:
    """The text signal patterns read, and how to map its offsets back to the text as written."""

    __slots__ = ("text", "pieces", "names", "holes_only")

    def __init__(self, text: str, pieces: tuple = (), names: tuple = (), holes_only: bool = False) -> None:
        self.text = text
        # True when the view differs from the (ASCII) text written only where a run of HOLE (a
        # masked Jinja expression) became SLOT: then both hold the same rule literals, which are
        # ASCII and hold no HOLE (patterns.PatternGroup.finditer's `like`).
        self.holes_only = holes_only
        # (view start, original start, view length, original length, replaced) of each piece;
        # empty when the view lines up with the original character for character.
        self.pieces: tuple[tuple[int, int, int, int, bool], ...] = pieces
        # Each placeholder of another tool: its name (for the signals' variable-name patterns) and span.
        self.names: tuple[tuple[str, int, int], ...] = names

    def __repr__(self) -> str:
        return f"View({self.text!r}, {self.pieces!r}, {self.names!r})"

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the view's text[start:end]."""
        if not self.pieces:
            return start, end
        starts = [p[0] for p in self.pieces]
        return self._at(starts, start, False), self._at(starts, max(end - 1, start), True)

    def _at(self, starts: list[int], offset: int, end: bool) -> int:
        i = max(bisect_right(starts, offset) - 1, 0)
        v, o, _vlen, olen, replaced = self.pieces[i]
        if replaced:
            return o + olen if end else o
        return o + min(offset - v, olen) + (1 if end else 0)


def view(text: str, language: str | None = None) -> View:
    """The view of a normalized text that signal patterns read (see the module's docstring)."""
    folded = fold_accents(text)
    same_length = len(folded) == len(text)
    if "-" in folded:
        folded = _GLUED_DASH().sub(" ", folded)
    if "*" in folded:
        folded = _EMPHASIS().sub(lambda m: " " + m.group(1) + " ", folded)
    if not same_length:  # combining marks were removed: map offsets through the original text
        return _rebuild(text, language)
    pieces: list[tuple[int, int, int, int, bool]] = []
    names: list[tuple[str, int, int]] = []
    out: list[str] = []
    last = vpos = 0
    for start, end, abbreviation in _changes(folded, language):
        if start > last:
            pieces.append((vpos, last, start - last, start - last, False))
            out.append(folded[last:start])
            vpos += start - last
        if abbreviation is None:
            replacement = SLOT
            names += [(name, start, end) for name in _names(folded[start:end])]
        else:
            replacement = ABBREVIATIONS[language or ""][abbreviation]
        pieces.append((vpos, start, len(replacement), end - start, True))
        out.append(replacement)
        vpos += len(replacement)
        last = end
    if not pieces:
        return View(folded)
    pieces.append((vpos, last, len(folded) - last, len(folded) - last, False))
    out.append(folded[last:])
    holes_only = folded is text and text.isascii() and all(
        replaced and text.count(HOLE, o, o + olen) == olen for _v, o, _vl, olen, replaced in pieces if replaced)
    return View("".join(out), tuple(pieces), tuple(names), holes_only)


def _rebuild(text: str, language: str | None) -> View:
    """The view of a text holding combining marks: fold them away in the original's index space."""
    import unicodedata

    kept = [i for i, c in enumerate(text) if not unicodedata.combining(c)]
    kept.append(len(text))
    base = view("".join(text[i] for i in kept[:-1]), language)
    pieces: list[tuple[int, int, int, int, bool]] = []
    for v, o, vlen, olen, replaced in base.pieces or ((0, 0, len(base.text), len(base.text), False),):
        if replaced:
            pieces.append((v, kept[o], vlen, kept[o + olen - 1] + 1 - kept[o], True))
        else:
            pieces += [(v + k, kept[o + k], 1, 1, False) for k in range(olen)]
    names = tuple((n, kept[s], kept[e - 1] + 1) for n, s, e in base.names)
    return View(base.text, tuple(pieces), names)


def fold_pattern(source: str) -> str:
    """A signal pattern as the view reads text: accents removed from its letters."""
    return fold_accents(source)


def changes_text(text: str, language: str | None = None) -> bool:
    """Whether the view of a normalized text differs from it (else patterns may read it as it is)."""
    return ((not text.isascii() and fold_accents(text) != text)
            or ("-" in text and _GLUED_DASH().search(text) is not None)
            or ("*" in text and _EMPHASIS().search(text) is not None) or bool(_changes(text, language)))
