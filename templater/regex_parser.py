"""Python's own parser of regular expressions, for the modules that read rule and phone patterns
(rulepacks.regex_safety, rulepacks.literals, render.prefixes): `re._parser` from Python 3.11,
`sre_parse` before it (deprecated from 3.11)."""
from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    from re import _constants as constants, _parser as parser
else:  # pragma: no cover - Python 3.10
    import sre_constants as constants
    import sre_parse as parser

__all__ = ["constants", "parser"]
