"""Which files a run reads, and each template's default id: found like ruff finds Python files.

Below a folder, every *.sms file is a template except in hidden folders, .venv/venv, node_modules
and __pycache__ (the default `exclude`), what the configuration's `extend_exclude` adds, and what
the .gitignore files of the git work tree and its .git/info/exclude ignore. A file named on the
command line is read whatever its folder, unless the configuration's exclude patterns match it
(so a pre-commit hook honours them). A template's default id is its path below the project root,
dots for slashes.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from templater import reference
from templater.errors import InputError

DEFAULT_EXCLUDE = (".*", "venv", "node_modules", "__pycache__")
SUFFIX = ".sms"


class Patterns:
    """gitignore-style patterns read relative to one folder: a pattern without '/' matches a name
    at any depth, one with '/' the path from the folder; a trailing '/' matches folders only,
    '**' any number of folders, and '!' re-includes what an earlier pattern excluded."""

    def __init__(self, base: Path, lines: Iterable[str]) -> None:
        self.base = base
        self._prefix = _posix(base).rstrip("/") + "/"
        self.rules: list[tuple[bool, bool, re.Pattern]] = []  # (negated, folders only, regex)
        for raw in lines:
            line = raw.rstrip("\n").rstrip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line[1:] if negated else line
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            line = line.lstrip("/")
            if line.startswith("**/"):
                line, anchored = line[3:], False
            regex = _glob(line)
            self.rules.append((negated, dir_only, re.compile(regex if anchored else r"(?:.*/)?" + regex)))

    def matches(self, path: Path | str, is_dir: bool) -> bool | None:
        """True (excluded), False (re-included) or None (no pattern speaks of it)."""
        if not self.rules:
            return None
        text = path if isinstance(path, str) else _posix(path)
        if text.startswith(self._prefix):
            rel = text[len(self._prefix):]
        elif text == self._prefix[:-1]:
            rel = "."
        else:  # outside the folder: only the patterns of a name at any depth can match
            rel = text.lstrip("/")
        verdict = None
        for negated, dir_only, regex in self.rules:
            if (is_dir or not dir_only) and regex.fullmatch(rel):
                verdict = not negated
        return verdict

    def excludes_in(self, file: Path) -> bool:
        """Whether the patterns exclude a file or one of the folders above it (below the base)."""
        if self.matches(file, False):
            return True
        return any(self.matches(folder, True) for folder in file.parents
                   if folder != self.base and self.base in folder.parents)


def _posix(path: Path) -> str:
    return str(path) if os.sep == "/" else path.as_posix()


def _glob(pattern: str) -> str:
    """A glob as a regex: '*' and '?' stop at '/', '**/' is any number of folders, '**' anything."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def git_root(folder: Path) -> Path | None:
    """The work tree holding a (resolved) folder: the nearest one with a .git entry."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _ignore_file(path: Path, base: Path) -> Patterns | None:
    """The patterns of an ignore file, relative to base; read again when the file changes (the
    language server and the preview live longer than one edit of .gitignore)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return _patterns_of(path, base, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=1024)
def _patterns_of(path: Path, base: Path, _mtime: int, _size: int) -> Patterns | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return Patterns(base, text.splitlines())


@lru_cache(maxsize=256)
def git_dir(root: Path) -> Path | None:
    """The git folder of a work tree: its .git folder, or where a .git file (a linked worktree,
    a submodule) points, and then a linked worktree's common folder (which holds info/)."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    folder = root / text[len("gitdir:"):].strip()
    try:
        return folder / (folder / "commondir").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return folder


def _ignore_files(folder: Path) -> tuple[Patterns, ...]:
    """The ignore lists that speak of a folder's entries, weakest first: the repository's own
    .git/info/exclude, then the .gitignore files from the work tree's root down to the folder
    (a deeper one wins)."""
    root = git_root(folder)
    if root is None:
        return ()
    chain = [folder, *[p for p in folder.parents if p == root or root in p.parents]]
    gitdir = git_dir(root)
    found = [_ignore_file(gitdir / "info" / "exclude", root) if gitdir else None,
             *(_ignore_file(base / ".gitignore", base) for base in reversed(chain))]
    return tuple(p for p in found if p is not None)


def _ignored(lists: tuple[Patterns, ...], path: Path | str, is_dir: bool) -> bool:
    """Whether git ignores a path, by the ignore lists of its folder (_ignore_files; the global
    excludes file is not read)."""
    verdict = None
    for patterns in lists:
        found = patterns.matches(path, is_dir)
        if found is not None:
            verdict = found
    return bool(verdict)


class Excludes:
    """The exclude patterns of one configuration, relative to its folder (or the current one)."""

    def __init__(self, base: Path, exclude: tuple[str, ...], extend: tuple[str, ...],
                 configured: bool = True) -> None:
        self.patterns = Patterns(base, [*exclude, *extend])
        self.configured = configured  # False: built-in defaults only, which never skip a named file

    def skips_named(self, file: Path) -> bool:
        """Whether to leave out a file named on the command line: only for the configuration's
        own patterns (as ruff's force-exclude), so a pre-commit hook honours them."""
        return self.configured and self.patterns.excludes_in(file)


def entries(folder: Path, excludes_for, unlisted: list[OSError] | None = None) -> Iterator[tuple[str, Path, os.DirEntry]]:
    """(folder as walked, that folder's real path, directory entry) of the *.sms files below a
    folder, in name order, skipping what excludes_for(folder) excludes, without following links
    to folders; the error of each folder that cannot be listed goes to unlisted. Strings and
    directory entries, not paths: this meets every file of a project, mostly without a stat."""
    current = os.fspath(folder)
    try:
        with os.scandir(current) as listing:
            found = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        if unlisted is not None:
            unlisted.append(exc)
        return
    here = Path(current)
    real = here.resolve()
    patterns, ignores = excludes_for(here).patterns, _ignore_files(real)
    prefix = _posix(real).rstrip("/") + "/"

    def skipped(name: str, is_dir: bool) -> bool:
        return bool(patterns.matches(prefix + name, is_dir) or _ignored(ignores, prefix + name, is_dir))

    folders = []
    for entry in found:
        try:
            is_dir = entry.is_dir()
            if is_dir and not entry.is_symlink() and not skipped(entry.name, True):
                folders.append(entry)
            elif not is_dir and entry.name.endswith(SUFFIX) and not skipped(entry.name, False) and entry.is_file():
                yield current, real, entry
        except OSError:
            continue  # gone meanwhile
    for entry in folders:
        yield from entries(Path(entry.path), excludes_for, unlisted)


def walk(folder: Path, excludes_for, unlisted: list[OSError] | None = None) -> Iterator[Path]:
    """The *.sms files below a folder, as entries() finds them."""
    for current, _real, entry in entries(folder, excludes_for, unlisted):
        yield Path(current, entry.name)


def discover(paths: Iterable[str], excludes_for) -> list[tuple[Path, str, str]]:
    """(file, display path, fallback id) for every file argument and every template below a folder.

    excludes_for(path) gives the Excludes of the configuration governing a path. A folder that
    holds no template is an input error naming it: a CI job pointed at the wrong folder fails.
    """
    found = []
    for arg in paths:
        root = Path(arg)
        if root.is_dir():
            unlisted: list[OSError] = []
            files = [(Path(current, entry.name), current, entry.name)
                     for current, _real, entry in entries(root, excludes_for, unlisted)]
            if not files and not unlisted:
                raise InputError("no .sms templates here (hidden folders, .venv, venv, node_modules, "
                                 "__pycache__, what .gitignore ignores and the configured exclude are "
                                 "skipped): give the folder that holds the templates", arg)
            below: dict[str, tuple[str, ...]] = {}  # each folder's parts below root, worked out once
            for file, current, name in sorted(files, key=lambda f: f[0]):
                if reference.ON:
                    found.append((file, str(file), ".".join(file.relative_to(root).with_suffix("").parts)))
                    continue
                parts = below.get(current)
                if parts is None:
                    parts = below[current] = Path(current).relative_to(root).parts
                found.append((file, str(file), ".".join((*parts, stem(name)))))
            # A folder that cannot be listed (permissions) is linted as an unreadable file: a finding.
            found += [(Path(e.filename), e.filename, "") for e in unlisted if e.filename]
        elif root.is_file():
            if not excludes_for(root.parent).skips_named(root.resolve()):
                found.append((root, arg, root.with_suffix("").name))
        else:
            raise InputError("no such file or folder (give .sms files or folders that hold them)", arg)
    return found


def stem(name: str) -> str:
    """A file name without its suffix, as Path(name).with_suffix("").name has it ('a.b.sms' -> 'a.b',
    '.sms' -> '.sms')."""
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def ids_below(folder: Path, root: Path | None) -> tuple[str, ...] | None:
    """The parts of a (resolved) folder below the project root, for default_id of its files; None
    where its files take their fallback id (no root, or the folder lies outside it)."""
    if root is None:
        return None
    try:
        return folder.relative_to(root).parts
    except ValueError:
        return None


def default_id(real: Path, root: Path | None, fallback: str) -> str:
    """A template's id when it declares none: its (resolved) path below the project root, dots
    for slashes; the fallback (its path below the folder given) when it lies outside the root."""
    if root is None:
        return fallback
    try:
        rel = real.relative_to(root).with_suffix("")
    except ValueError:
        return fallback
    return ".".join(rel.parts)
