"""`templater new`: a library template made the user's own (brand, sender, opt-out wording)."""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

from templater.errors import InputError, TemplateError
from templater.library import Entry, entries
from templater.suggest import did_you_mean
from templater.template import parse, read_source
from templater.text import expression_spans

_BRAND_TAG = re.compile(r"\{\{-?\s*brand\s*-?\}\}")
_BRAND_NAME = re.compile(r"(?<![\w.])brand\b")
_BRAND_DECLARATION = re.compile(r"^[ \t]+brand:.*\n", re.M)
_ID_LINE = re.compile(r"^id:.*$", re.M)
# The sentence that carries the STOP keyword: from the start of a line or after a sentence's end.
_STOP_SENTENCE = re.compile(r"(?:^|(?<=[.!?] ))[^.!?\n]*\bSTOP\b[^.!?\n]*[.!?]?", re.M)


@lru_cache(maxsize=1)  # the bundled library does not change while a process runs
def use_cases() -> dict[str, dict[str, Entry]]:
    """Library entries by use case ('retail.order-shipped') and language."""
    out: dict[str, dict[str, Entry]] = {}
    for entry in entries():
        out.setdefault(f"{entry.industry}.{entry.use_case}", {})[entry.language] = entry
    return out


def resolve(name: str) -> tuple[str, dict[str, Entry], str | None]:
    """(use case, its templates by language, the language NAME itself fixes or None).

    NAME is a library id (`retail.order-shipped.en`), a use case (`retail.order-shipped`), or a
    use-case name alone when only one industry has it (`order-shipped`).
    """
    cases = use_cases()
    for case, by_lang in cases.items():
        for lang, entry in by_lang.items():
            if entry.id == name:
                return case, by_lang, lang
    if name in cases:
        return name, cases[name], None
    bare = [case for case in cases if case.split(".", 1)[1] == name]
    if len(bare) == 1:
        return bare[0], cases[bare[0]], None
    ids = sorted(cases) + sorted(e.id for by_lang in cases.values() for e in by_lang.values())
    hint = did_you_mean(name, ids, most=3)
    if len(bare) > 1:
        hint = f" ({name} is a use case of several industries: {', '.join(bare)})"
    raise TemplateError(f"no library template or use case '{name}'{hint}: 'templater list' prints the ids")


def check_brand(brand: str) -> str:
    """The brand, trimmed, or an InputError when it cannot be written into a Jinja body."""
    brand = brand.strip()
    if not brand:
        raise InputError("--brand: the brand is empty: give the name your customers know you by")
    if any(c in brand for c in "{}\n\r") or any(ord(c) < 32 for c in brand):
        raise InputError(f"--brand: {brand!r} holds braces or control characters, which Jinja or "
                         "the message cannot carry: remove them")
    return brand


def _opt_out(body: str, wording: str | None, category: str | None) -> str:
    if not wording:
        return body
    if _STOP_SENTENCE.search(body):
        return _STOP_SENTENCE.sub(lambda _m: wording, body, count=1)
    if category == "promotional":
        return f"{body.rstrip()}\n{wording}"
    return body


def generate(entry: Entry, brand: str, opt_out: dict[str, str], market: tuple[str, ...] = ()) -> str:
    """The text of a new template: the library one with the brand written in as the sender name
    that opens the message and as `brand` in the metadata (the `brand` variable removed), a local
    id, and the configured opt-out wording of the language in place of the library's.
    """
    brand = check_brand(brand)
    source = read_source(entry.path)
    template, problems = parse(source, str(entry.path), entry.id)
    if template is None:  # pragma: no cover - the library lints clean (tests/test_library.py)
        raise TemplateError(f"the library template does not parse: {problems[0].rule}", entry.id)
    head = source[: len(source) - len(template.body)]
    body = _BRAND_TAG.sub(lambda _m: brand, template.body)
    if not body.startswith(brand):
        body = f"{brand}: {body}"  # sender identification opens every message
    body = _opt_out(body, opt_out.get(entry.language), template.category)
    if not any(_BRAND_NAME.search(body, s, e) for s, e in expression_spans(body)):
        head = _BRAND_DECLARATION.sub("", head, count=1)
    # The brand in the metadata too: the sender rule reads it there when the body names it literally.
    head = _ID_LINE.sub(f"id: {entry.use_case}.{entry.language}\nbrand: {json.dumps(brand, ensure_ascii=False)}",
                        head, count=1)
    if market:  # the markets the user chose, in place of the library template's own
        value = market[0] if len(market) == 1 else f"[{', '.join(market)}]"
        head = re.sub(r"(?m)^market: .*$", lambda _m: f"market: {value}", head, count=1)
    head = head.replace("---\n", f"---\n# Made with `templater new {entry.id}` for {brand}.\n", 1)
    return head + body


def file_name(entry: Entry) -> str:
    """The new file's name: `<use-case>.<lang>.sms`."""
    return f"{entry.use_case}.{entry.language}.sms"


def write_new(path: Path, source: str, force: bool = False) -> None:
    """Write the new template; an existing file is kept unless force."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
        with os.fdopen(os.open(path, flags, 0o644), "w", encoding="utf-8", newline="\n") as out:
            out.write(source)
    except FileExistsError:
        raise InputError("already exists: choose another --output folder, or --force to overwrite it",
                         str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot write the template: {exc.strerror}", str(path)) from None
