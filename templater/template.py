"""The .sms template file: front matter split, metadata with key lines, body positions."""
from __future__ import annotations

import bisect
import os
from dataclasses import field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from templater.records import dataclass
from templater import front_matter, reference
from templater.errors import yaml_problem

# The YAML loader of front matter, rule packs and markets.yaml: the C loader, several times faster,
# or the pure Python one where it is missing.
try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader  # type: ignore[assignment]

MAX_FILE_BYTES = 256 * 1024
# Front matter is a few keys and a variables table: these bounds leave ample room for it, and stop
# alias bombs (a few lines that expand to billions of values) and deep nesting, which makes the
# C loader recurse until the process crashes (tens of thousands of '[' do it).
MAX_YAML_VALUES = 10_000
MAX_YAML_DEPTH = 32

CATEGORIES = ("promotional", "transactional", "conversational")
LANGUAGES = ("en", "fr")  # the one list of languages: rule packs, library, options, scorer models
# The consent ladder, weakest first, and the rung each category needs (the US baseline; a market's
# promotional level is in markets.yaml). A stronger consent covers a weaker need.
CONSENT_LEVELS = ("none", "implied", "express", "express_written")
CONSENT_FOR = {"promotional": "express_written", "transactional": "express", "conversational": "implied"}


def consent_covering(needed: str) -> tuple[str, ...]:
    """The consent levels that allow a message needing `needed`: it and every stronger one."""
    return CONSENT_LEVELS[CONSENT_LEVELS.index(needed):]

# Every front-matter key templater reads (README.md's metadata table lists each one), the keys of
# one variable, and the prefix of keys a team adds for itself. Any other key is an unknown-metadata
# finding with "did you mean": a misspelt key is otherwise silently ignored.
METADATA_KEYS = ("id", "category", "language", "market", "description", "consent", "variables", "recurring",
                 "in_reply_to", "age_gated", "brand", "program", "brand_domains", "frequency", "industry",
                 "use_case")
VARIABLE_KEYS = ("description", "example", "required", "default")
CUSTOM_KEY_PREFIX = "x-"


@dataclass(frozen=True)
class Problem:
    """A parse-time problem, turned into a finding by the linter (rule id and message fields)."""

    rule: str
    line: int
    column: int
    params: dict = field(default_factory=dict)


@dataclass
class Template:
    """A parsed template: metadata, body and where each part sits in the file."""

    path: str
    source: str
    meta: dict[str, Any]
    body: str
    body_line: int
    key_lines: dict[str, int]
    variable_lines: dict[str, int]
    default_id: str
    _line_starts: list[int] = field(default_factory=list, repr=False)
    inferred_language: str | None = None  # set by the linter when the body reads as another language

    def __post_init__(self) -> None:
        starts = [0]
        find, i = self.body.find, self.body.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self._line_starts = starts

    @property
    def id(self) -> str:
        value = self.meta.get("id")
        return str(value) if value not in (None, "") else self.default_id

    @property
    def category(self) -> str | None:
        value = self.meta.get("category")
        return value if isinstance(value, str) else None

    @property
    def language(self) -> str:
        """The base language ('en', 'fr') of the BCP-47 tag; 'en' when none is given."""
        tag = self.meta.get("language") or "en"
        return str(tag).split("-")[0].split("_")[0].lower()

    @property
    def variables(self) -> dict[str, dict]:
        value = self.meta.get("variables")
        if not isinstance(value, dict):
            return {}
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in value.items()}

    def examples(self) -> dict[str, Any]:
        """Each declared variable's example value (optional ones without example: their default)."""
        values = {}
        for name, spec in self.variables.items():
            if "example" in spec:
                values[name] = spec["example"]
            elif "default" in spec:
                values[name] = spec["default"]
        return values

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) in the file, both 1-based, of an offset into the body."""
        i = bisect.bisect_right(self._line_starts, offset) - 1
        return self.body_line + i, offset - self._line_starts[i] + 1

    def key_line(self, key: str) -> int:
        """The file line of a top-level metadata key (or of the opening '---' when absent)."""
        return self.key_lines.get(key, 1)


class UnreadableTemplate(ValueError):
    """A file that is not a UTF-8 text template; `line` is where the trouble starts."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


_FIRST_READ = 16 * 1024  # most templates are far smaller: read(n) first allocates n bytes


def read_source(path: Path) -> str:
    """Read a template file as text: UTF-8 (a byte-order mark allowed), CRLF folded to LF."""
    if not reference.ON:  # the system's calls, without a file object: a third of the time
        return decode_source(_read_bytes(path))
    with path.open("rb") as handle:
        # Never more than MAX_FILE_BYTES + 1, whatever the file's size; asking for that much at
        # once cost a 256 KiB buffer (and its page faults) per file.
        data = handle.read(_FIRST_READ)
        if len(data) == _FIRST_READ:
            data += handle.read(MAX_FILE_BYTES + 1 - _FIRST_READ)
        return decode_source(data)


def _read_bytes(path: Path) -> bytes:
    """What read_source's file object reads: up to the end or MAX_FILE_BYTES + 1 bytes, in pieces of
    _FIRST_READ (a small file is one read and the read that finds its end); raises what opening it raises."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        parts, left = [], MAX_FILE_BYTES + 1
        while left > 0:
            part = os.read(fd, min(_FIRST_READ, left))
            if not part:
                break
            parts.append(part)
            left -= len(part)
    except IsADirectoryError as exc:  # opening a folder succeeds, reading it fails: say it as open() does
        raise IsADirectoryError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def decode_source(data: bytes) -> str:
    """A template's bytes (a file's, or standard input's) as text, as read_source reads them."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableTemplate(f"file is over the {MAX_FILE_BYTES:,}-byte limit for a template")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise UnreadableTemplate("file is binary (it holds NUL bytes), not a template", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableTemplate(f"line {line}: bytes that are not UTF-8 (save the file as UTF-8)",
                                 line) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mapping_lines(node: yaml.Node, offset: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), key.start_mark.line + offset)
    return lines


def _shape_problem(yaml_text: str) -> Problem | None:
    """A problem if the YAML nests too deep, expands to too many values, or refers to itself.

    Walks the parser's events, which libyaml produces without recursion, before anything is
    composed or constructed: the expanded size of each anchor is known when it closes, so an
    alias costs what it stands for without being expanded.
    """
    if "*" not in yaml_text and len(yaml_text) < MAX_YAML_VALUES and not reference.ON:
        # Without an alias a value costs at least a character; and every level of nesting needs a
        # line, a bracket, a '- ' or a '?': when those are few, no limit can be passed.
        openers = yaml_text.count("\n") + sum(map(yaml_text.count, ("[", "{", "- ", "?")))
        if openers < MAX_YAML_DEPTH:
            return None
    sizes: dict[str, int] = {}
    stack: list[list] = []  # [values so far, anchor] of each open collection
    total = 0
    try:
        for event in yaml.parse(yaml_text, Loader=SafeLoader):
            mark = event.start_mark
            line, column = (mark.line + 2, mark.column + 1) if mark else (2, 1)
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([1, event.anchor])
                if len(stack) > MAX_YAML_DEPTH:
                    return Problem("yaml-syntax", line, column, {
                        "problem": f"the front matter nests deeper than {MAX_YAML_DEPTH} levels"})
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                size, anchor = stack.pop()
                if anchor:
                    sizes[anchor] = size
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for _size, anchor in stack):
                    return Problem("yaml-syntax", line, column, {
                        "problem": f"the alias *{event.anchor} refers to a value that holds it"})
                size = sizes.get(event.anchor or "", 1)
            else:
                continue
            if stack:
                stack[-1][0] += size
            total += size
            if total > MAX_YAML_VALUES or (stack and stack[-1][0] > MAX_YAML_VALUES):
                return Problem("yaml-syntax", line, column, {
                    "problem": f"the front matter expands to more than {MAX_YAML_VALUES:,} values "
                               "(anchors and aliases that multiply it?)"})
    except yaml.YAMLError as exc:
        # libyaml 0.2.5 as bundled with PyYAML 6.0.4 stops deep nesting itself, in its scanner,
        # before the events above reach our limit: report it the same way.
        problem, at_line, at_column = yaml_problem(exc, yaml_text, first_line=2)
        if at_line is None or at_column is None or "nesting depth" not in problem:
            raise
        return Problem("yaml-syntax", at_line, at_column, {
            "problem": f"the front matter nests deeper than {MAX_YAML_DEPTH} levels"})
    return None


_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_SCALARS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null", "float", "timestamp", "binary"))


class _NotPlain(Exception):
    """A node the short way to build values does not take: the loader's constructor builds them all."""


_STR = "tag:yaml.org,2002:str"
# The loader's string constructor returns a scalar node's value (construct_yaml_str -> construct_scalar).
_CONSTRUCT_STR = (SafeLoader.yaml_constructors.get(_STR) if SafeLoader.construct_scalar is SafeConstructor.construct_scalar
                  and SafeLoader.yaml_constructors.get(_STR) is SafeConstructor.construct_yaml_str else None)


def _plain_value(loader: Any, node: yaml.Node) -> Any:
    tag = node.tag
    if tag in _SCALARS and type(node) is yaml.ScalarNode:
        construct = loader.yaml_constructors[tag]
        if tag == _STR and construct is _CONSTRUCT_STR and type(loader) is SafeLoader:
            return node.value  # what construct_yaml_str returns, without its two calls
        return construct(loader, node)  # the constructor's own function
    if tag == _MAP and type(node) is yaml.MappingNode:
        mapping = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode or key_node.tag not in _SCALARS:
                raise _NotPlain  # merge keys ('<<'), '=' keys, collections as keys
            mapping[_plain_value(loader, key_node)] = _plain_value(loader, value_node)
        return mapping
    if tag == _SEQ and type(node) is yaml.SequenceNode:
        return [_plain_value(loader, item) for item in node.value]
    raise _NotPlain


def _construct(loader: Any, node: yaml.Node, yaml_text: str) -> Any:
    """loader.construct_document(node), built directly for the usual front matter.

    PyYAML's constructor builds each mapping through a generator, in a second pass, with its
    bookkeeping for anchors: for a tree of plain mappings, lists and scalars without an alias that
    is several times the work. Scalars are built by the constructor's own functions; anything else
    (an alias, a merge key, another tag), or any error, and the constructor builds it all again
    itself, raising what it raises.
    """
    if "*" not in yaml_text and not reference.ON:  # without an alias, no node is shared
        try:
            return _plain_value(loader, node)
        except Exception:  # noqa: BLE001 - redone below, where the error (if any) is raised
            pass
    return loader.construct_document(node)


def parse(source: str, path: str, default_id: str) -> tuple[Template | None, list[Problem]]:
    """Split and parse a template; problems instead of exceptions for anything the user wrote."""
    lines = source.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, [Problem("front-matter", 1, 1, {"problem": "the file does not start with a '---' line"})]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        return None, [Problem("front-matter", 1, 1, {"problem": "the front matter opened on line 1 is never closed"})]
    yaml_text = "\n".join(lines[1:end])
    try:
        shape = _shape_problem(yaml_text)
        if shape is not None:
            return None, [shape]
        usual = None if reference.ON else front_matter.read(yaml_text)
        if usual is not None:  # the usual shape, read without PyYAML (front_matter.py)
            body = "\n".join(lines[end + 1:])
            return Template(path, source, usual[0], body, end + 2, usual[1], usual[2], default_id), []
        loader = SafeLoader(yaml_text)
        try:
            node = loader.get_single_node()
            try:
                meta = _construct(loader, node, yaml_text) if node is not None else {}
            except ValueError as exc:  # an integer of more than 4,300 digits (sys.int_info)
                return None, [_value_problem(node, exc)]
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        problem, line, column = yaml_problem(exc, yaml_text, first_line=2)
        return None, [Problem("yaml-syntax", line or 2, column or 1, {"problem": problem})]
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return None, [Problem("front-matter", 2, 1, {"problem": "the front matter is not a mapping of keys to values"})]
    key_lines = _mapping_lines(node, 2) if node is not None else {}
    variable_lines: dict[str, int] = {}
    if node is not None and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "variables":
                variable_lines = _mapping_lines(value, 2)
    body = "\n".join(lines[end + 1:])
    template = Template(path, source, meta, body, end + 2, key_lines, variable_lines, default_id)
    return template, _duplicate_keys(node)


def _nodes(node: yaml.Node | None, scalars: bool = True) -> Any:
    """Every node of a composed tree, without recursion (aliases are shared nodes: each once);
    without scalars, the mappings and sequences only, in the same order (a scalar holds no node)."""
    stack, seen = [node] if node is not None else [], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, yaml.MappingNode):
            stack.extend(n for pair in reversed(item.value) for n in reversed(pair)
                         if scalars or type(n) is not yaml.ScalarNode)
        elif isinstance(item, yaml.SequenceNode):
            stack.extend(n for n in reversed(item.value) if scalars or type(n) is not yaml.ScalarNode)


def _value_problem(node: yaml.Node | None, exc: ValueError) -> Problem:
    """A value YAML reads but Python cannot build: an integer over sys.int_info's digit limit."""
    for item in _nodes(node):
        if isinstance(item, yaml.ScalarNode) and item.tag.endswith(":int") and len(item.value) > 4000:
            return Problem("yaml-syntax", item.start_mark.line + 2, item.start_mark.column + 1, {
                "problem": f"a number of {len(item.value):,} digits: quote it if it is text"})
    return Problem("yaml-syntax", 2, 1, {"problem": str(exc).split(";")[0]})


def _duplicate_keys(node: yaml.Node | None) -> list[Problem]:
    """A key given twice in one mapping: YAML keeps the last value and silently drops the first."""
    if node is None or not isinstance(node, yaml.MappingNode):
        return []
    problems = []
    for item in _nodes(node, scalars=reference.ON):
        if isinstance(item, yaml.MappingNode):
            keys = [key.value for key, _value in item.value if isinstance(key, yaml.ScalarNode)]
            if len(set(keys)) == len(keys):
                continue  # the usual case: no key twice
            first: dict[str, int] = {}
            for key, _value in item.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 2
                    if key.value in first:
                        problems.append(Problem("yaml-syntax", line, key.start_mark.column + 1, {
                            "problem": f"the key '{key.value}' is given twice (first on line "
                                       f"{first[key.value]}): YAML keeps only the last; remove one"}))
                    else:
                        first[key.value] = line
    return sorted(problems, key=lambda p: (p.line, p.column))
