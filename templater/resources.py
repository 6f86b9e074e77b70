"""The one place that knows where the bundled rules/ and template_library/ live."""
from __future__ import annotations

from functools import lru_cache
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


# Where docs/rules.md is published, for SARIF helpUri and the language server's rule links (a
# rule's section, #<rule-id>, is GitHub's anchor of its heading). The decision (docs/release.md):
# the docs of the code that runs, in the repository it came from. Installed from a git URL, as
# docs/ci.md installs it, pip records that URL and the commit (PEP 610's direct_url.json): the
# link is that repository's docs/rules.md at that commit. Otherwise it is the Repository of
# pyproject.toml's [project.urls] at the version's tag, vX.Y.Z, which docs/release.md creates.
REPOSITORY_LABEL = "Repository"


def rule_doc_url(rule_id: str, local: bool = False) -> str:
    """The link to a bundled rule's section of docs/rules.md; local: the checkout's own copy when
    templater runs from one (an editor opens it without a network)."""
    doc = _PACKAGE.parent / "docs" / "rules.md"
    base = doc.as_uri() if local and doc.is_file() else rules_doc_base()
    return f"{base}#{rule_id}"


@lru_cache(maxsize=1)
def rules_doc_base() -> str:
    """The web address of docs/rules.md for the running templater (see above)."""
    import json
    from importlib import metadata  # only SARIF and the language server need it: start-up stays quick

    from templater.version import __version__

    try:
        dist = metadata.distribution("templater")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        dist = None
    repository = None
    if dist is not None:
        try:
            direct = json.loads(dist.read_text("direct_url.json") or "null")
        except ValueError:
            direct = None
        vcs = direct.get("vcs_info") if isinstance(direct, dict) else None
        if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
            web = _web_address(str(direct.get("url", "")))
            if web:
                return f"{web}/blob/{vcs['commit_id']}/docs/rules.md"
        for entry in dist.metadata.get_all("Project-URL") or ():
            label, _, url = entry.partition(",")
            if label.strip().lower() == REPOSITORY_LABEL.lower():
                repository = _web_address(url.strip())
    return f"{repository or _PYPROJECT_REPOSITORY}/blob/v{__version__}/docs/rules.md"


_PYPROJECT_REPOSITORY = "https://github.com/templater-sms/templater"  # as in pyproject.toml, when not installed


def _web_address(url: str) -> str | None:
    """A repository's web address from a clone URL: http(s) only, without credentials or '.git'."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None  # a local clone, ssh: no page to link to
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/")
    path = path[:-4] if path.endswith(".git") else path
    return f"{parts.scheme}://{host}{path}"


def is_bundled(pack: str) -> bool:
    """Whether a rule pack file is one of templater's own (documented in docs/rules.md)."""
    return Path(pack).resolve().parent == rules_dir().resolve()
