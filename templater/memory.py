"""An optional operating-system guard on memory: RLIMIT_AS for the rendering processes.

The render bounds (templater/jinja/limits.py) keep each render small by counting; this is the
backstop under them, for a bound that fails or a path nobody bounded: past the limit an
allocation fails (MemoryError, a one-line error or a rejected row) instead of the machine swapping
or the out-of-memory killer choosing a victim. Set before the bulk renderer forks its workers, so
each of them, and this process, has its own limit of the same size.
"""
from __future__ import annotations

import re

from templater.errors import ConfigError

MIN_BYTES = 128 * 1024 * 1024  # below this Python and templater's own modules do not fit
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.I)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """'512M', '2G', '1.5g', '800MiB' or a number of bytes, as bytes."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ConfigError(f"--max-memory / TEMPLATER_MAX_MEMORY '{text}': give a size such as 512M or 2G")
    size = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if size < MIN_BYTES:
        raise ConfigError(f"--max-memory / TEMPLATER_MAX_MEMORY '{text}' is under {MIN_BYTES >> 20} MiB, "
                          "too little for templater itself to run")
    return size


def limit_address_space(text: str) -> int:
    """Lower RLIMIT_AS (soft and hard) of this process and the workers it forks; returns the bytes."""
    size = parse_size(text)
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        raise ConfigError("--max-memory needs a Unix system (RLIMIT_AS)") from None
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY and size > hard:
        size = hard  # never raise a limit someone else set
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    return size
