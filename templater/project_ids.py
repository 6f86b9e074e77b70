"""The ids the templates of a project declare, read for duplicate-id and kept between runs.

A pre-commit hook lints only the staged files, and the language server one buffer, yet a reused
id must be found among all the project's templates: reading and parsing every one of them on every
run is most of the time of `templater lint FILE` in a large repository. So what each file declares
(its `id:` and that key's line, or that it declares none) is kept in a small JSON file per
project root in the user cache folder (cache.py's: $TEMPLATER_CACHE_DIR, ...,
TEMPLATER_NO_CACHE=1 turns it off), keyed on each file's path, size and modification time in
nanoseconds. Which files belong to the project (discovery and the configuration's exclude) and the
default id of a template that declares none are worked out afresh on every run, so a
configuration change never needs the cache cleared.

A file changed within the last TRUST_AFTER seconds is parsed but not remembered (as git does for
"racily clean" entries: a second change within the clock's tick would keep size and time). The
cache is written whole to a temporary file and renamed over the old one, so concurrent runs each
leave a valid file; one that cannot be read or has the wrong shape is ignored and rewritten.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

from templater import discovery
from templater.version import __version__
from templater.cache import cache_dir, prune
from templater.template import parse, read_source

KIND = "ids"
TRUST_AFTER = 2.0  # seconds
_CODE = Path(__file__).with_name("template.py")  # how the front matter is parsed


def _code_key() -> str:
    digest = hashlib.sha256(__version__.encode() + b"\0")
    digest.update(_CODE.read_bytes())
    return digest.hexdigest()[:16]


class DeclaredIds:
    """What the templates below one project root declare: rel path -> (id or None, line)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path: Path | None = None
        self.code = ""
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        folder = cache_dir()
        if folder is None:
            return
        try:
            self.code = _code_key()
            self.path = folder / f"{KIND}-{hashlib.sha256(str(root).encode()).hexdigest()[:32]}.json"
            with self.path.open("rb") as fh:
                data = json.loads(fh.read())
            if data.get("code") == self.code and data.get("root") == str(root) and isinstance(data.get("files"), dict):
                self.old = data["files"]
        except (OSError, ValueError, AttributeError, TypeError):
            pass  # none yet, unreadable or from another version: read the files and rewrite it

    def declared(self, file: os.DirEntry, rel: str) -> tuple[str | None, int] | None:
        """(the id the file declares or None, that key's line), or None when it has no front matter
        to read (unreadable, not a template): it then has no id to clash with."""
        try:
            st = file.stat()
        except OSError:
            return None
        stamp = [st.st_size, st.st_mtime_ns]
        entry = self.old.get(rel)
        if (isinstance(entry, list) and len(entry) == 4 and entry[:2] == stamp
                and (entry[2] is None or isinstance(entry[2], str)) and isinstance(entry[3], int)):
            found = (entry[2], entry[3]) if entry[3] > 0 else None
        else:
            found = self._read(Path(file.path))
        if time.time() - st.st_mtime_ns / 1e9 > TRUST_AFTER:
            self.new[rel] = [*stamp, *(found if found is not None else (None, 0))]
        return found

    @staticmethod
    def _read(file: Path) -> tuple[str | None, int] | None:
        try:
            source = read_source(file)
        except (OSError, ValueError):
            return None
        template, _problems = parse(source, str(file), "")
        if template is None:
            return None
        declared = template.meta.get("id")
        return (str(declared) if declared not in (None, "") else None), template.key_line("id")

    def keep(self, rel: str) -> None:
        """Keep a file's entry although it was not asked about (it is being linted in this run)."""
        if rel in self.old:
            self.new[rel] = self.old[rel]

    def save(self) -> None:
        """Write the entries asked about in this run, when they differ from what was read."""
        if self.path is None or self.new == self.old:
            return
        data = json.dumps({"code": self.code, "root": str(self.root), "files": self.new}, separators=(",", ":"))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{KIND}-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(data)
                os.replace(tmp, self.path)
            except OSError:
                os.unlink(tmp)
                raise
            prune(self.path.parent, KIND, ".json")
        except OSError:
            pass  # a read-only cache folder: the cache only saves time


def below(root: Path, excludes_for, id_root: Callable[[Path, Path], Path], linted: set[str]) -> dict[str, str]:
    """The ids of the templates below a project root, each with its "path:line", as discovery
    finds them, but for the files of the run (linted: their real paths). A template that declares
    no id gets its default: its path below id_root(file, its real folder), dots for slashes."""
    ids = DeclaredIds(root)
    found: dict[str, str] = {}
    folders: dict[str, tuple[str, str, str]] = {}  # folder -> (path below root, id prefix, shown)
    for current, real, entry in discovery.entries(root, excludes_for):
        name = entry.name
        known = folders.get(current)
        if known is None:  # once per folder, not per file
            below_root = os.path.relpath(current, root).replace(os.sep, "/")
            try:
                prefix = ".".join(real.relative_to(id_root(Path(current, name), real)).parts)
            except ValueError:  # outside its project root: the path below this root
                prefix = "" if below_root == "." else below_root.replace("/", ".")
            shown = _shown(real)
            known = folders[current] = ("" if below_root == "." else below_root + "/", prefix,
                                        "" if shown == "." else shown + os.sep)
        below_root, prefix, shown = known
        rel = below_root + name
        if (os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, name)) in linted:
            ids.keep(rel)
            continue
        declared = ids.declared(entry, rel)
        if declared is None:
            continue  # unreadable or no front matter: it has no id to clash with
        tid, line = declared
        if tid is None:
            stem = name[:-len(discovery.SUFFIX)]
            tid = f"{prefix}.{stem}" if prefix else stem
        found.setdefault(tid, f"{shown}{name}:{line}")
    ids.save()
    return found


def _shown(folder: Path) -> str:
    """A folder as findings show it: relative to the current folder when below it."""
    try:
        return str(folder.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(folder)
