"""The re-check's literal test for a plain template's message, from its fixed words and its values.

MessageCheck asks a LiteralIndex which rule literals occur in a message. Those literals hold no
white space, so each lies inside one word, and the answer is the union over the message's words.
A message of a plain template (templater/jinja/plain.py) is the fixed text of the branches it took with the
values printed in between. Most of its words lie inside that fixed text, away from every value:
they are the same for every message that took those branches, and are looked up once per path.
The other words are those a value is part of: a value with the fixed characters that touch it up
to the nearest white space on each side (and further values, when no white space separates them).
Each such group of words is looked up once per path and values, so a value that comes back (a
brand, a first name, a date) costs a dictionary lookup, and a new one (a link) a look at its own
words only.

The answer is exact: words are what str.split() cuts at white space, and fold() and lower()
change the characters of a word without making or removing white space (fold() may drop or
expand a character, join a combining mark to the letter before it, but never across a space), so the words of the whole
message are the fixed words and the words of the groups, folded alike. (lower() looks at context
only for a final Greek sigma, which is not ASCII, as every rule literal is.) With a literal that
holds white space the index tests the whole text, and this shortcut is not used.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable

from templater.jinja.plain import Plain, Shape
from templater.rulepacks.literals import LiteralIndex
from templater.text import fold

_REMEMBERED = 4096  # paths and group answers remembered; all are dropped when there are more


def _fold(text: str) -> str:
    """The text as the re-check reads it: folded and lower-cased."""
    return (text if text.isascii() else fold(text)).lower()


class _Path:
    """One path through a plan: the slots its fixed words meet, and its groups of value words."""

    def __init__(self, items: list[str | int], index: LiteralIndex) -> None:
        fixed: list[str] = []                  # fixed text whose words touch no value
        self.groups: list[list[Any]] = []      # [fixed, value position, fixed, value position, ..., fixed]
        group: list[Any] | None = None
        for item in items:
            if isinstance(item, int):
                if group is None:
                    group = [""]
                    self.groups.append(group)
                group += [item, ""]
                continue
            spaces = [i for i, ch in enumerate(item) if ch.isspace()]
            if not spaces:  # no white space: the text joins the group (or starts the next one)
                if group is None:
                    group = [item]
                    self.groups.append(group)
                else:
                    group[-1] += item
                continue
            head, tail = item[:spaces[0]], item[spaces[-1] + 1:]
            if group is None:
                fixed.append(head)
            else:
                group[-1] += head
            fixed.append(item[spaces[0]:spaces[-1] + 1])
            group = None
            if tail:
                group = [tail]
                self.groups.append(group)
        if self.groups and len(self.groups[-1]) == 1:  # fixed text after the last value's words
            fixed.append(self.groups.pop()[0])
        self.fixed = index.met(_fold(" ".join(fixed)))
        # Per group: what picks its values out of the printed ones (one value, or a tuple of them),
        # its fixed text around them, and the slots met for the values seen so far.
        self.lookups: list[tuple[Any, list[str], dict[Any, frozenset[int]]]] = [
            (itemgetter(*g[1::2]), g[0::2], {}) for g in self.groups]


class Shapes:
    """LiteralIndex.met of a plain template's messages, worked out from their shape."""

    def __init__(self, plain: Plain, index: LiteralIndex, finish: Callable[[list[int]], Any] = list) -> None:
        # finish: what the caller makes of a message's patterns, remembered with them
        self.plain, self.index, self.finish = plain, index, finish
        self._paths: dict[tuple[int, ...], _Path] = {}
        self._remembered = 0
        self._same: dict[frozenset[int], frozenset[int]] = {}
        self._hits: dict[tuple[frozenset[int], ...], list[int]] = {}

    @staticmethod
    def usable(index: LiteralIndex) -> bool:
        """Whether every literal of the index lies inside a word (none is tested on the whole text)."""
        return not index.whole

    def met(self, shape: Shape) -> frozenset[int]:
        """index.met(the folded message) for the message of that shape."""
        return frozenset().union(*self._found(shape))

    def patterns(self, shape: Shape) -> Any:
        """finish(index.patterns(met(shape))), remembered per combination of the path's and groups' answers."""
        found = self._found(shape)
        hit = self._hits.get(found)
        if hit is None:
            if len(self._hits) >= _REMEMBERED:
                self._hits.clear()
            hit = self._hits[found] = self.finish(self.index.patterns(frozenset().union(*found)))
        return hit

    def _found(self, shape: Shape) -> tuple[frozenset[int], ...]:
        """The slots met by the path's fixed words, then by each group of value words."""
        branches, printed = shape
        if self._remembered >= _REMEMBERED:  # new links and codes keep coming: keep memory flat
            self._paths.clear()
            self._same.clear()
            self._remembered = 0
        path = self._paths.get(branches)
        if path is None:
            path = self._paths[branches] = _Path(self.plain.layout(branches), self.index)
            self._remembered += 1  # a template of many ifs can take a new path on every row
        found = [path.fixed]
        for pick, fixed, known in path.lookups:
            key = pick(printed)
            met = known.get(key)
            if met is None:
                if len(fixed) == 2:
                    text = fixed[0] + key + fixed[1]
                else:
                    text = fixed[0] + "".join(v + f for v, f in zip(key, fixed[1:]))
                met = self.index.met_once(_fold(text))
                # Equal answers share one object, whose hash is then computed once.
                met = known[key] = self._same.setdefault(met, met)
                self._remembered += 1
            found.append(met)
        return tuple(found)
