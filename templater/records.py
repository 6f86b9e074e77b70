"""dataclasses.dataclass, with the methods it writes compiled once rather than at every start.

On Python 3.11 dataclasses writes each method it generates (__init__, __repr__, __eq__, the
comparisons and the frozen __setattr__/__delattr__/__hash__) as source text and runs exec() on
it, which compiles the text: the record classes that `templater lint` imports made some 127
compiles at every start, about a sixth of `templater lint FILE` (measured with valgrind's
instruction counts: 13 classes like Finding cost 100 M instructions, the whole run 670 M).

`dataclass` here is dataclasses.dataclass itself, run while the dataclasses module's exec()
(looked up in its globals before the builtins) takes each source text's code object from a table
kept in templater's cache folder, one file per bytecode version. The code is what exec() would
have compiled from the same text (same file name, no inherited __future__ flags), so the classes
are the same. A text not in the table is compiled and the table written when the process ends.
Without a cache folder (TEMPLATER_NO_CACHE, TEMPLATER_REFERENCE=1) it is dataclasses.dataclass
untouched.
"""
from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import os
import tempfile
from types import CodeType
from typing import TYPE_CHECKING, Any

from templater.cachedir import cache_dir

_TABLE: list[dict[str, CodeType]] = []  # the table, once read; [] before
_NEW: list[bool] = []  # a text was compiled that the table on disk lacks


def _file() -> str:
    from importlib.util import MAGIC_NUMBER

    return f"records-{MAGIC_NUMBER.hex()}.marshal"


def _codes() -> dict[str, CodeType]:
    if not _TABLE:
        table: Any = {}
        folder = cache_dir()
        if folder is not None:
            try:
                with open(folder / _file(), "rb") as fh:
                    table = marshal.load(fh)
            except (OSError, EOFError, ValueError, TypeError):
                table = {}  # missing or unreadable: compiled again, and written at exit
        _TABLE.append(table if isinstance(table, dict) else {})
    return _TABLE[0]


def _exec(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """exec() as the dataclasses module calls it, with the code of each text compiled once."""
    if isinstance(source, str):
        codes = _codes()
        code = codes.get(source)
        if code is None:
            # As exec(text) compiles: file "<string>", none of this module's __future__ flags.
            code = codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            if not _NEW:
                _NEW.append(True)
                atexit.register(save)
        source = code
    builtins.exec(source, globals, locals)


def _dataclass(cls: Any = None, /, **options: Any) -> Any:
    """dataclasses.dataclass(cls, **options), its generated methods' code taken from the table."""
    def wrap(cls: Any) -> Any:
        if cache_dir() is None:
            return dataclasses.dataclass(cls, **options)
        setattr(dataclasses, "exec", _exec)  # found before builtins.exec in the module's globals
        try:
            return dataclasses.dataclass(cls, **options)
        finally:
            dataclasses.__dict__.pop("exec", None)
    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:  # type checkers see dataclasses.dataclass itself, which this is
    from dataclasses import dataclass
else:
    dataclass = _dataclass


def save() -> None:
    """Write the table if a text was compiled that it lacked (at exit; cli's quick exit calls it)."""
    folder = cache_dir()
    if not _NEW or not _TABLE or folder is None:
        return
    _NEW.clear()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".records-")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(_TABLE[0], fh)
        os.replace(tmp, folder / _file())
    except (OSError, ValueError):
        pass  # a read-only home is fine: the table only saves time
