"""The one place that knows where the bundled rules/ and template_library/ live."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _folder(name: str) -> Path:
    # A built wheel maps the top-level data folders into the package (templater/rules, ...);
    # a source checkout or an editable install keeps them at the top level beside the package.
    # (importlib.resources would hand back a MultiplexedPath for these namespace folders.)
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


def rules_dir() -> Path:
    """The folder of the bundled rule packs."""
    return _folder("rules")


def library_dir() -> Path:
    """The folder of the bundled template library."""
    return _folder("template_library")


# Where docs/rules.md is published: SARIF helpUri and the language server's rule links point at a
# rule's section (#<rule-id>, GitHub's anchor of its heading). The project has no public home yet
# (docs/ci.md says YOUR-ORG too): change this one line when it does.
RULES_DOC_URL = "https://github.com/YOUR-ORG/templater/blob/main/docs/rules.md"


def rule_doc_url(rule_id: str, local: bool = False) -> str:
    """The link to a bundled rule's section of docs/rules.md; local: the checkout's own copy when
    templater runs from one (an editor opens it without a network)."""
    doc = _PACKAGE.parent / "docs" / "rules.md"
    base = doc.as_uri() if local and doc.is_file() else RULES_DOC_URL
    return f"{base}#{rule_id}"


def is_bundled(pack: str) -> bool:
    """Whether a rule pack file is one of templater's own (documented in docs/rules.md)."""
    return Path(pack).resolve().parent == rules_dir().resolve()
