"""What the preview page does, confined to one folder: list, lint, render, classify, save, fix, new.

Every answer comes from the same code and the same policy as the command line: the page over
FOLDER sees what `templater lint FOLDER` run from the same place reports (same display paths,
default ids, configuration, suppressions and duplicate ids).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from templater import discovery
from templater.errors import TemplaterError
from templater.findings import Finding
from templater.policy import Policies, Policy, errors_in
from templater.template import parse, read_source

MAX_TEXT = 64_000  # characters of a template the page accepts (a message is at most a few hundred)
RECIPIENT_SUFFIXES = (".csv", ".jsonl")
MAX_LISTED = 200  # recipients files listed
MAX_ROWS = 50  # rows of a recipients file offered
MAX_SAMPLE_BYTES = 1 << 20  # bytes read of a recipients file


class Refused(Exception):
    """A request the workspace will not serve: status is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


@dataclass
class Entry:
    """One template of the folder: its path below the folder, as lint shows it, and its id."""

    rel: str
    file: Path
    display: str
    default_id: str


class Workspace:
    """A folder of templates under the policies `templater lint FOLDER` would use."""

    def __init__(self, folder: str | Path, config_file: str | Path | None = None) -> None:
        self.arg = str(folder)
        self.root = Path(folder).resolve()
        if not self.root.is_dir():
            raise Refused(f"{folder}: not a folder")
        self.config_file = config_file
        self.policies = Policies(config_file)  # checks the configuration now: a bad one fails at start
        self.policies.for_path(self.root)
        self._elsewhere: dict[str, str] | None = None
        self._entries: list[Entry] | None = None
        self._ids: dict[tuple[str, int, int], tuple[str, str] | None] = {}

    # -- paths ---------------------------------------------------------------------------------
    def resolve(self, rel: str, must_exist: bool = True, suffixes: tuple[str, ...] = (discovery.SUFFIX,)) -> Path:
        """The file a page path names, or Refused: only .sms files (or the suffixes given) inside
        the folder, never `..`, an absolute path, or a symbolic link (anywhere on the way) that
        leads out of it."""
        if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
            raise Refused("give the template's path below the folder, with / between folders")
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or rel.startswith("~"):
            raise Refused(f"{rel}: only paths inside the folder are allowed", 403)
        if pure.suffix.lower() not in suffixes:
            raise Refused(f"{rel}: only {' and '.join(suffixes)} files can be opened here", 403)
        file = self.root.joinpath(*pure.parts)
        real = file.resolve()
        if real != self.root and self.root not in real.parents:
            raise Refused(f"{rel}: a link that leads outside the folder", 403)
        if must_exist and not file.is_file():
            raise Refused(f"{rel}: no such template", 404)
        return file

    def entry(self, rel: str, must_exist: bool = True) -> Entry:
        file = self.resolve(rel, must_exist)
        parts = PurePosixPath(rel).parts
        display = str(Path(self.arg).joinpath(*parts))
        fallback = ".".join(PurePosixPath(rel).with_suffix("").parts)
        policy = self.policies.for_path(file)
        return Entry(rel, file, display, policy.default_id(file, fallback))

    def entries(self) -> list[Entry]:
        """Every template of the folder, as discovery finds them for `templater lint FOLDER`."""
        out = []
        for file in discovery.walk(Path(self.arg), self.policies.excludes_for):
            rel = file.relative_to(Path(self.arg)).as_posix()
            real = file.resolve()
            if real != self.root and self.root not in real.parents:
                continue  # a link out of the folder: lint would follow it, the page does not
            out.append(self.entry(rel))
        return out

    # -- lint ----------------------------------------------------------------------------------
    def elsewhere(self, entries: list[Entry]) -> dict[str, str]:
        """Ids of the project's templates outside the folder (cached: re-read by refresh())."""
        if self._elsewhere is None:
            self._elsewhere = self.policies.elsewhere([self.arg], [(e.file, e.display, e.default_id)
                                                                   for e in entries])
        return self._elsewhere

    def listing(self) -> list[Entry]:
        """entries(), kept until refresh() (the list, save, new and copy refresh it)."""
        if self._entries is None:
            self._entries = self.entries()
        return self._entries

    def refresh(self) -> None:
        self._elsewhere = self._entries = None

    def _id_of(self, entry: Entry) -> tuple[str, str] | None:
        """(id, "path:line") of a template on disk, cached while the file is unchanged."""
        try:
            stat = entry.file.stat()
            key = (entry.rel, stat.st_mtime_ns, stat.st_size)
            if key not in self._ids:
                template, _problems = parse(read_source(entry.file), entry.display, entry.default_id)
                self._ids[key] = None if template is None else (
                    template.id, f"{entry.display}:{template.key_line('id')}")
            return self._ids[key]
        except (OSError, ValueError):
            return None

    def _earlier_ids(self, entry: Entry, entries: list[Entry]) -> dict[str, str]:
        """id -> "path:line" of the folder's templates that lint reads before this one."""
        found: dict[str, str] = {}
        for other in entries:
            if other.rel == entry.rel:
                break
            known = self._id_of(other)
            if known is not None:
                found.setdefault(*known)
        return found

    def lint(self, rel: str, text: str, entries: list[Entry] | None = None) -> tuple[Entry, Policy, Any, list[Finding]]:
        """Lint text as the file rel, as `templater lint FOLDER` would if the file held it:
        (entry, policy, parsed template or None, findings after suppression)."""
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise Refused(f"the text must be a string of at most {MAX_TEXT} characters", 413)
        entry = self.entry(rel, must_exist=False)
        policy = self.policies.for_path(entry.file)
        text = _as_read(text)
        if "\x00" in text:  # what lint says of a file that holds NUL bytes
            line = text[: text.index("\x00")].count("\n") + 1
            return entry, policy, None, policy.linter.finish(policy.linter.unreadable(
                entry.display, "file is binary (it holds NUL bytes), not a template", line))
        template, problems = parse(text, entry.display, entry.default_id)
        result = policy.linter.lint_parsed(template, problems, entry.display)
        entries = self.listing() if entries is None else entries
        known = dict(self.elsewhere(entries))
        for tid, where in self._earlier_ids(entry, entries).items():
            known.setdefault(tid, where)
        duplicates = [f for f in policy.linter.duplicate_ids([result], known) if f.path == entry.display]
        return entry, policy, template, policy.linter.finish(result, duplicates)

    def check(self, rel: str, text: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """The answer of POST /api/lint: findings, render and classification."""
        from templater.preview import preview  # rendering and classifying: only the page needs them

        entry, policy, template, findings = self.lint(rel, text)
        out: dict[str, Any] = {"path": rel, "id": template.id if template is not None else entry.default_id,
                               "findings": [f.to_dict() for f in findings],
                               "explanations": preview.explanations(policy, findings)}
        values = values if isinstance(values, dict) else {}
        out["render"] = preview.render(template, policy, values, errors_in(findings))
        out["classification"] = preview.classification(template, policy)
        out["variables"] = preview.variables(template)
        out["non_gsm"] = preview.body_non_gsm(template)
        return out

    def summary(self) -> list[dict[str, Any]]:
        """The templates list: id, category, language, errors and warnings of each."""
        rows = []
        entries = self.listing()
        for entry in entries:
            try:
                text = read_source(entry.file)
            except (OSError, ValueError):
                policy = self.policies.for_path(entry.file)
                template = None
                findings = policy.linter.finish(policy.linter.lint_file(entry.file, entry.display, entry.default_id))
            else:
                _e, _p, template, findings = self.lint(entry.rel, text, entries)
            severities = [str(f.severity) for f in findings]
            rows.append({"path": entry.rel, "id": template.id if template is not None else entry.default_id,
                         "category": template.category if template is not None else None,
                         "language": template.language if template is not None else None,
                         "errors": severities.count("error"), "warnings": severities.count("warning")})
        return rows

    # -- files ---------------------------------------------------------------------------------
    def read(self, rel: str) -> str:
        file = self.resolve(rel)
        try:
            return read_source(file)
        except (OSError, ValueError) as exc:
            raise Refused(f"{rel}: cannot read: {exc}", 422) from None

    def save(self, rel: str, text: str, create: bool = False) -> None:
        """Write the file atomically (keeping its line ends and byte-order mark); create=True
        writes a new file and refuses to overwrite one."""
        from templater import fixes

        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise Refused(f"the text must be a string of at most {MAX_TEXT} characters", 413)
        file = self.resolve(rel, must_exist=not create)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        try:
            if create:
                from templater import generate
                generate.write_new(file, text)
            else:
                _old, newline, bom = fixes.read_text(file)
                fixes.write_atomic(file, text, newline, bom)
        except TemplaterError as exc:
            raise Refused(f"{rel}: {exc.message if hasattr(exc, 'message') else exc}", 409) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise Refused(f"{rel}: cannot write: {exc}", 422) from None
        self.refresh()

    def fix(self, rel: str, text: str) -> dict[str, Any]:
        """The text with the safe fixes `lint --fix` makes (not written: the page shows it, Save writes)."""
        from templater import fixes

        _entry, _policy, _template, findings = self.lint(rel, text)
        after, applied, skipped = fixes.apply_all(_as_read(text), findings, lambda fixed: self.lint(rel, fixed)[3])
        return {"text": after, "applied": applied, "skipped": skipped}

    def new(self, name: str, language: str | None, brand: str | None, folder: str = "") -> dict[str, Any]:
        """Create a template from the library as `templater new NAME --language L --brand B --out FOLDER`."""
        from templater import generate

        config = self.policies.for_path(self.root).config
        case, by_lang, fixed = generate.resolve(name)
        lang = fixed or language or (config.language if config.language in by_lang else None)
        brand = (brand or config.brand or "").strip()
        if not lang or lang not in by_lang:
            raise Refused(f"{case} has templates in {', '.join(sorted(by_lang))}: pick one of them")
        if not brand:
            raise Refused("give the brand: the sender name that opens every message")
        entry = by_lang[lang]
        rel = "/".join(p for p in (folder.strip("/"), generate.file_name(entry)) if p)
        self.resolve(rel, must_exist=False)
        text = generate.generate(entry, brand, config.opt_out)
        self.save(rel, text, create=True)
        return {"path": rel, "from": entry.id}

    def recipient_files(self) -> list[str]:
        """The .csv and .jsonl files of the folder (at most MAX_LISTED), to pick a row from."""
        found = []
        for current, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "venv"))
            for name in sorted(files):
                if Path(name).suffix.lower() in RECIPIENT_SUFFIXES:
                    rel = (Path(current) / name).relative_to(self.root).as_posix()
                    try:
                        self.resolve(rel, suffixes=RECIPIENT_SUFFIXES)
                    except Refused:
                        continue  # a link out of the folder
                    found.append(rel)
                    if len(found) >= MAX_LISTED:
                        return found
        return found

    def rows(self, rel: str) -> list[dict[str, str]]:
        """The first MAX_ROWS rows of a recipients file (CSV with a header, or JSON Lines), to fill
        the variables: a column whose header is a variable's name gives its value."""
        import csv
        import io
        import json

        from templater.render.recipients import sniff_delimiter

        file = self.resolve(rel, suffixes=RECIPIENT_SUFFIXES)
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_SAMPLE_BYTES)
            text = data.decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise Refused(f"{rel}: cannot read: {exc.strerror}", 422) from None
        lines = text.splitlines()[: MAX_ROWS + 1]
        if len(data) == MAX_SAMPLE_BYTES and lines:
            lines = lines[:-1]  # the last line may be cut
        if file.suffix.lower() == ".csv":
            if not lines:
                return []
            reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0]))
            return [{str(k): str(v) for k, v in row.items() if k is not None and v is not None}
                    for row in reader][:MAX_ROWS]
        out = []
        for line in lines:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict):
                out.append({str(k): "" if v is None else str(v) for k, v in row.items()
                            if not isinstance(v, (dict, list))})
        return out[:MAX_ROWS]

    def copy(self, library_id: str, folder: str = "") -> dict[str, Any]:
        """Copy a bundled template into the folder as it is stored (`templater show ID > FILE`)."""
        from templater.library import entries

        for e in entries():
            if e.id == library_id:
                rel = "/".join(p for p in (folder.strip("/"), f"{e.use_case}.{e.language}.sms") if p)
                self.save(rel, read_source(e.path), create=True)
                return {"path": rel, "from": e.id}
        raise Refused(f"no library template '{library_id}'", 404)


def library() -> list[dict[str, Any]]:
    """The bundled templates, each with its source."""
    from templater.library import entries

    return [{**{k: v for k, v in e.to_dict().items() if k != "path"}, "source": read_source(e.path)}
            for e in entries()]


def _as_read(text: str) -> str:
    """A page's text as read_source reads a file: no byte-order mark, LF line ends."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
