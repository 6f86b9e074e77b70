"""The bundled template library: listing, filtering and finding templates by id."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from templater.errors import TemplateError
from templater.resources import library_dir
from templater.template import Template, parse, read_source


@dataclass(frozen=True)
class Entry:
    """One library template, as `templater list` shows it."""

    id: str
    category: str
    language: str
    industry: str
    use_case: str
    description: str
    path: Path

    def to_dict(self) -> dict:
        return {"id": self.id, "category": self.category, "language": self.language,
                "industry": self.industry, "use_case": self.use_case,
                "description": self.description, "path": str(self.path)}


def load_template(path: Path, display: str | None = None, default_id: str | None = None) -> Template:
    """Read and parse a template file, or raise TemplateError naming the file and line."""
    display = display or str(path)
    try:
        source = read_source(path)
    except (OSError, ValueError) as exc:
        raise TemplateError(f"cannot read the template: {exc}", display) from None
    template, problems = parse(source, display, default_id or path.with_suffix("").name)
    if template is None:
        p = problems[0]
        raise TemplateError(f"{p.rule}: {p.params.get('problem', 'invalid template')}; fix it "
                            f"(templater lint {display} tells more)", display, p.line)
    return template


def entries(root: Path | None = None) -> list[Entry]:
    """Every template of the library, sorted by id."""
    root = root or library_dir()
    out = []
    for path in sorted(root.rglob("*.sms")):
        rel = path.relative_to(root).with_suffix("")
        t = load_template(path, str(path), ".".join(rel.parts))
        industry = str(t.meta.get("industry") or (rel.parts[0] if len(rel.parts) > 1 else ""))
        use_case = str(t.meta.get("use_case") or rel.name.split(".")[0])
        out.append(Entry(t.id, t.category or "", t.language, industry, use_case,
                         str(t.meta.get("description") or ""), path))
    return sorted(out, key=lambda e: e.id)


def looks_like_path(name: str) -> bool:
    """A template argument names a file when it looks like one: a folder in it ('./x', 'a/b') or the
    .sms extension. Anything else is a library id, and never falls back to a file of that name,
    which could shadow a library template without lint ever seeing it."""
    return name.endswith(".sms") or "/" in name or os.sep in name


def find(name: str) -> Template:
    """A template by file path, or by library id."""
    if looks_like_path(name):
        path = Path(name)
        if not path.exists():
            raise TemplateError("no such template file", name)
        return load_template(path, name)
    for entry in entries():
        if entry.id == name:
            return load_template(entry.path, entry.id, entry.id)
    hint = f" (for the file of that name, write ./{name})" if Path(name).is_file() else ""
    raise TemplateError(f"no library id '{name}'{hint}: give an id that 'templater list' prints, or a "
                        "path such as ./my-template.sms")


_USE_CASES: frozenset[tuple[str, str]] | None = None


def library_use_cases() -> frozenset[tuple[str, str]]:
    """(industry, use case) of every library template, from its place in the library
    (industry/use-case.lang.sms): no template is read."""
    global _USE_CASES
    if _USE_CASES is None:
        root = library_dir()
        _USE_CASES = frozenset((p.relative_to(root).parts[0], p.name.split(".")[0])
                               for p in root.rglob("*.sms") if len(p.relative_to(root).parts) == 2)
    return _USE_CASES


def borrowed_use_case(template: Template) -> str | None:
    """Why a template may not claim the industry/use_case it declares, or None.

    Consent is recorded per use case (consent_scope): a template that declares the use case of a
    library template would be sent under the consent people gave for that one (an appointment
    reminder passing as retail.order-shipped). Claiming a library use case is allowed only to a
    template whose id is under it: the use case itself, or a name that starts with it and a dot
    ('order-shipped.en', as `templater new` writes; 'retail.order-shipped.acme').
    """
    use_case, industry = template.meta.get("use_case"), template.meta.get("industry")
    if not isinstance(use_case, str) or not use_case.strip():
        return None
    use_case = use_case.strip().lower()
    industry = industry.strip().lower() if isinstance(industry, str) and industry.strip() else None
    owners = sorted(i for i, u in library_use_cases() if u == use_case and (industry is None or i == industry))
    if not owners:
        return None
    tid = template.id.lower()
    names = {use_case, *(f"{i}.{use_case}" for i in owners)}
    if any(tid == n or tid.startswith(n + ".") for n in names):
        return None
    return (f"the use case {owners[0]}.{use_case} belongs to the library template of that name, and "
            f"consent recorded for it does not cover '{template.id}': give this template its own "
            f"use_case, or an id under it (such as {use_case}.{tid.rsplit('.', 1)[-1]})")
