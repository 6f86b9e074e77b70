"""What the fuzz targets share: the seeding of a corpus folder and libFuzzer's main loop."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable, Iterable

import atheris

ROOT = Path(__file__).resolve().parent.parent


def run(test_one_input: Callable[[bytes], None], corpus: str | None = None,
        seeds: Callable[[], Iterable[tuple[str, bytes]]] = lambda: ()) -> None:
    """Fuzz test_one_input with the command line's libFuzzer options. Without a corpus folder on
    the command line, fuzz/<corpus> is used, seeded with seeds() (name, bytes) when it is empty.
    The rule packs' cache is off."""
    argv = list(sys.argv)
    if corpus is not None and not any(not a.startswith("-") for a in argv[1:]):
        folder = ROOT / "fuzz" / corpus
        folder.mkdir(parents=True, exist_ok=True)
        if not any(folder.iterdir()):
            for name, data in seeds():
                (folder / name).write_bytes(data)
        argv.append(str(folder))
    os.environ.setdefault("TEMPLATER_NO_CACHE", "1")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
