"""Where templater keeps what it caches between runs (rule packs, hyphenation, record code, ids)."""
from __future__ import annotations

import os
from pathlib import Path

from templater import reference


def cache_dir() -> Path | None:
    """$TEMPLATER_CACHE_DIR, else $XDG_CACHE_HOME/templater, else ~/.cache/templater; None if off
    (TEMPLATER_NO_CACHE, or TEMPLATER_REFERENCE)."""
    if os.environ.get("TEMPLATER_NO_CACHE") or reference.ON:
        return None
    explicit = os.environ.get("TEMPLATER_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "templater"
