"""The usual front matter read without PyYAML: block mappings of simple keys whose values are
one-line scalars or one-line flow mappings of scalars, which is what templates hold.

`read(yaml_text)` gives what template.parse builds from PyYAML's tree - the values, the line of
each top-level key and of each key of `variables` - or None for anything else, which PyYAML then
reads as before: a comment, an anchor, a list, a multi-line or escaped scalar, a tab, a key given
twice, a number other than a plain decimal, a plain scalar holding ':' or '#', a key YAML would
read as a boolean... The accepted shapes are resolved as YAML 1.1 (PyYAML's resolver) resolves
them: a plain scalar starting with a letter is a string unless it is one of the boolean or null
words; digits alone are an integer; quoted scalars are strings.
"""
from __future__ import annotations

import re
from typing import Any

_KEY_LINE = re.compile(r"( *)([A-Za-z_][A-Za-z0-9_.-]*):(?: +(.*))?")
# A plain scalar in block context: a letter first, then nothing YAML could read otherwise here.
_PLAIN = re.compile(r"[A-Za-z_][^:#\t]*")
_PLAIN_IN_FLOW = re.compile(r"[A-Za-z_][^:#?\t,\[\]{}]*")
_INT = re.compile(r"0|[1-9][0-9]{0,17}")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_FLOW_KEY = re.compile(r" *([A-Za-z_][A-Za-z0-9_.-]*): +")
# Text every character of which YAML reads as printable and not as a line break (YAML 1.1 also
# breaks lines at U+0085, U+2028 and U+2029); a byte-order mark or a tab anywhere: PyYAML reads it.
_SAFE_TEXT = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
# PyYAML's resolver: these plain scalars are booleans and nulls, not strings.
_BOOLS = {w: w.lower() in ("yes", "true", "on") for b in ("yes", "no", "true", "false", "on", "off")
          for w in (b, b.capitalize(), b.upper())}
_NULLS = frozenset(("null", "Null", "NULL"))
_NOT_PLAIN_KEYS = frozenset(_BOOLS) | _NULLS


class _Other(Exception):
    """A shape the short reading does not take: PyYAML reads the front matter."""


def read(yaml_text: str) -> tuple[dict[str, Any], dict[str, int], dict[str, int]] | None:
    """(values, top-level key -> file line, key of `variables` -> file line), or None.

    Lines are the file's: the front matter's first line is the file's line 2.
    """
    if not _SAFE_TEXT.fullmatch(yaml_text):
        return None
    try:
        return _read(yaml_text.split("\n"))
    except _Other:
        return None


def _read(lines: list[str]) -> tuple[dict[str, Any], dict[str, int], dict[str, int]]:
    root: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    variable_lines: dict[str, int] = {}
    # The open block mappings, innermost last: (indent, mapping, its key lines or None).
    stack: list[tuple[int, dict, dict | None]] = [(0, root, key_lines)]
    opened: tuple[dict, str, dict | None] | None = None  # a key without a value: a block may follow
    for number, line in enumerate(lines, start=2):
        line = line.rstrip(" ")
        if not line:
            continue
        m = _KEY_LINE.fullmatch(line)
        if m is None:
            raise _Other
        indent, key, rest = len(m.group(1)), m.group(2), m.group(3)
        if key in _NOT_PLAIN_KEYS:
            raise _Other
        if opened is not None:  # the line after 'key:' either opens its block mapping or closes it
            mapping, parent_key, lines_of = opened
            if indent > stack[-1][0]:
                child: dict[str, Any] = {}
                mapping[parent_key] = child
                stack.append((indent, child, variable_lines if lines_of is key_lines and parent_key == "variables"
                              else None))
            else:
                mapping[parent_key] = None
            opened = None
        while indent < stack[-1][0]:
            stack.pop()
        if indent != stack[-1][0]:
            raise _Other  # a line between two levels, or deeper than a value allows
        _indent, mapping, lines_of = stack[-1]
        if key in mapping:
            raise _Other  # given twice: PyYAML keeps the last, and the linter says so
        if lines_of is not None:
            lines_of[key] = number
        if rest is None:
            mapping[key] = None  # for now: a block mapping may follow
            opened = mapping, key, lines_of
        else:
            mapping[key] = _value(rest, number, variable_lines if lines_of is key_lines and key == "variables"
                                  else None)
    if opened is not None:
        opened[0][opened[1]] = None
    return root, key_lines, variable_lines


def _value(text: str, number: int, lines_of: dict[str, int] | None) -> Any:
    """A one-line value in block context: a flow mapping of scalars, or a scalar."""
    if text[0] == "{":
        return _flow(text, number, lines_of)
    value, end = _scalar(text, 0, _PLAIN)
    if end != len(text):
        raise _Other
    return value


def _scalar(text: str, pos: int, plain: re.Pattern) -> tuple[Any, int]:
    first = text[pos:pos + 1]
    if first == '"':
        m = _DOUBLE.match(text, pos)
        if m is None:
            raise _Other
        return m.group(1), m.end()
    if first == "'":
        m = _SINGLE.match(text, pos)
        if m is None:
            raise _Other
        return m.group(1).replace("''", "'"), m.end()
    m = _INT.match(text, pos)
    if m is not None:
        end = m.end()
        if end < len(text) and text[end] not in " ,}":
            raise _Other  # '12a', '1.5', '2025-01-01'...: left to the resolver
        return int(m.group()), end
    m = plain.match(text, pos)
    if m is None:
        raise _Other
    word = m.group().rstrip(" ")
    if word in _BOOLS:
        return _BOOLS[word], pos + len(word)
    if word in _NULLS:
        return None, pos + len(word)
    return word, pos + len(word)


def _flow(text: str, number: int, lines_of: dict[str, int] | None) -> dict[str, Any]:
    """A one-line flow mapping '{key: value, ...}' of scalars."""
    mapping: dict[str, Any] = {}
    if text.endswith("}") and not text[1:-1].strip(" "):
        return mapping
    pos = 1
    while True:
        m = _FLOW_KEY.match(text, pos)
        if m is None:
            raise _Other
        key = m.group(1)
        if key in _NOT_PLAIN_KEYS or key in mapping:
            raise _Other
        value, pos = _scalar(text, m.end(), _PLAIN_IN_FLOW)
        mapping[key] = value
        if lines_of is not None:
            lines_of[key] = number
        while text.startswith(" ", pos):
            pos += 1
        if text.startswith(",", pos):
            pos += 1
            continue
        if text.startswith("}", pos) and pos == len(text) - 1:
            return mapping
        raise _Other
