"""Which files a run reads, and each template's default id: found like ruff finds Python files.

Below a folder, every *.sms file is a template except in hidden folders, .venv/venv, node_modules
and __pycache__ (the default `exclude`), what the configuration's `extend_exclude` adds, and what
the .gitignore files of the git work tree ignore. A file named on the command line is read
whatever its folder, unless the configuration's exclude patterns match it (so a pre-commit hook
honours them). A template's default id is its path below the project root, dots for slashes.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from templater.errors import InputError

DEFAULT_EXCLUDE = (".*", "venv", "node_modules", "__pycache__")
SUFFIX = ".sms"


class Patterns:
    """gitignore-style patterns read relative to one folder: a pattern without '/' matches a name
    at any depth, one with '/' the path from the folder; a trailing '/' matches folders only,
    '**' any number of folders, and '!' re-includes what an earlier pattern excluded."""

    def __init__(self, base: Path, lines: Iterable[str]) -> None:
        self.base = base
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

    def matches(self, path: Path, is_dir: bool) -> bool | None:
        """True (excluded), False (re-included) or None (no pattern speaks of it)."""
        try:
            rel = path.relative_to(self.base).as_posix()
        except ValueError:  # outside the folder: only the patterns of a name at any depth can match
            rel = path.as_posix().lstrip("/")
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


@lru_cache(maxsize=1024)
def _gitignore(folder: Path) -> Patterns | None:
    try:
        text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return Patterns(folder, text.splitlines())


def gitignored(path: Path, is_dir: bool) -> bool:
    """Whether the .gitignore files from the work tree's root down to path's folder ignore it."""
    root = git_root(path.parent)
    if root is None:
        return False
    verdict = None
    folder = path.parent
    chain = [folder, *[p for p in folder.parents if p == root or root in p.parents]]
    for base in reversed(chain):
        patterns = _gitignore(base)
        if patterns is not None:
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

    def skips_folder(self, folder: Path) -> bool:
        return bool(self.patterns.matches(folder, True) or gitignored(folder, True))

    def skips_file(self, file: Path) -> bool:
        return bool(self.patterns.matches(file, False) or gitignored(file, False))

    def skips_named(self, file: Path) -> bool:
        """Whether to leave out a file named on the command line: only for the configuration's
        own patterns (as ruff's force-exclude), so a pre-commit hook honours them."""
        return self.configured and self.patterns.excludes_in(file)


def walk(folder: Path, excludes_for) -> Iterator[Path]:
    """The *.sms files below a folder, in name order, skipping what excludes_for(folder) excludes."""
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        real = here.resolve()
        excludes = excludes_for(here)
        dirs[:] = sorted(d for d in dirs if not excludes.skips_folder(real / d))
        for name in sorted(files):
            if name.endswith(SUFFIX) and not excludes.skips_file(real / name):
                file = here / name
                if file.is_file():
                    yield file


def discover(paths: Iterable[str], excludes_for) -> list[tuple[Path, str, str]]:
    """(file, display path, fallback id) for every file argument and every template below a folder.

    excludes_for(path) gives the Excludes of the configuration governing a path. A folder that
    holds no template is an input error naming it: a CI job pointed at the wrong folder fails.
    """
    found = []
    for arg in paths:
        root = Path(arg)
        if root.is_dir():
            files = list(walk(root, excludes_for))
            if not files:
                raise InputError("no .sms templates here (hidden folders, .venv, venv, node_modules, "
                                 "__pycache__, what .gitignore ignores and the configured exclude are "
                                 "skipped): give the folder that holds the templates", arg)
            for file in sorted(files):
                rel = file.relative_to(root).with_suffix("")
                found.append((file, str(file), ".".join(rel.parts)))
        elif root.is_file():
            if not excludes_for(root.parent).skips_named(root.resolve()):
                found.append((root, arg, root.with_suffix("").name))
        else:
            raise InputError("no such file or folder (give .sms files or folders that hold them)", arg)
    return found


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
