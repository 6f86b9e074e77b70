"""The .sms template file: front matter split, metadata with key lines, body positions."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster; fall back to pure Python where it is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 256 * 1024

CATEGORIES = ("promotional", "transactional", "conversational")
LANGUAGES = ("en", "fr")
CONSENT_FOR = {"promotional": "express_written", "transactional": "express", "conversational": "implied"}


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

    def __post_init__(self) -> None:
        starts = [0]
        for i, ch in enumerate(self.body):
            if ch == "\n":
                starts.append(i + 1)
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


def read_source(path: Path) -> str:
    """Read a template file as text: UTF-8 (a byte-order mark allowed), CRLF folded to LF."""
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"file is {len(data)} bytes, over the {MAX_FILE_BYTES}-byte limit for a template")
    if b"\x00" in data:
        raise ValueError("file is binary (it holds NUL bytes), not a template")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"line {line}: bytes that are not UTF-8 (save the file as UTF-8)") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mapping_lines(node: yaml.Node, offset: int) -> dict[str, int]:
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value), key.start_mark.line + offset)
    return lines


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
        loader = _Loader(yaml_text)
        try:
            node = loader.get_single_node()
            meta = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 2
        column = mark.column + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem("yaml-syntax", line, column, {"problem": problem})]
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
    return template, []
