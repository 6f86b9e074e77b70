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
