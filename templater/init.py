"""`templater init`: a commented configuration and a pre-commit hook for a content repository.

It writes `.templater.yaml`, or a `[tool.templater]` table at the end of pyproject.toml when the
folder has one, and adds a templater hook to `.pre-commit-config.yaml` (created when missing). It
never overwrites: what exists is left as it is, and each step says what it did.

The hook is a `repo: local` one running the `templater` installed in the environment
(`language: system`): it works as written whatever the URL templater is installed from. To let
pre-commit install templater itself, use the `repo:`/`rev:` form of docs/ci.md instead.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from templater.errors import ConfigError
from templater.template import LANGUAGES

# The same settings in both syntaxes: every line commented except fail_on, so the file is valid and
# changes nothing until edited (docs/configuration.md explains each key).
_SETTINGS = [
    ("Exit 1 on findings at or above this severity: error, warning or info.", "fail_on", "error", '"error"'),
    (f"The language of templates that declare none ({' or '.join(LANGUAGES)}).", "# language", "en", '"en"'),
    ("The sender name every message opens with (templater new uses it).", "# brand", "Acme", '"Acme"'),
    ("Opt-out wording --fix appends, per language.", "# opt_out", '{en: "Reply STOP to opt out.", '
     'fr: "STOP au 36180."}', '{ en = "Reply STOP to opt out.", fr = "STOP au 36180." }'),
    ("Rules to skip, everywhere or for some paths.", "# ignore", "[spam-emoji]", '["spam-emoji"]'),
    ("Segments a message may take before too-many-segments fires.", "# max_segments", "3", "3"),
]

HOOK = {"repo": "local", "hooks": [{"id": "templater-lint", "name": "templater lint", "entry": "templater lint",
                                    "language": "system", "files": r"\.sms$", "require_serial": True}]}


def _yaml_config() -> str:
    lines = ["# templater configuration: docs/configuration.md has every key."]
    for comment, key, value, _toml in _SETTINGS:
        lines += [f"# {comment}", f"{key}: {value}"]
    return "\n".join(lines) + "\n"


def _toml_config() -> str:
    lines = ["", "[tool.templater]", "# templater configuration: docs/configuration.md has every key."]
    for comment, key, _yaml, value in _SETTINGS:
        lines += [f"# {comment}", f"{key} = {value}"]
    return "\n".join(lines) + "\n"


def init(folder: Path) -> list[str]:
    """Set up a content repository; returns one sentence per step."""
    from templater.config import declared_in

    done = []
    pyproject, config = folder / "pyproject.toml", folder / ".templater.yaml"
    existing = declared_in(folder.resolve())
    if existing is not None and existing.parent == folder.resolve():
        done.append(f"{existing.name} already configures templater here: left as it is")
    elif pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text + ("" if text.endswith("\n") or not text else "\n") + _toml_config(), encoding="utf-8")
        done.append("added a commented [tool.templater] table to pyproject.toml")
    else:
        config.write_text(_yaml_config(), encoding="utf-8")
        done.append("wrote a commented .templater.yaml")
    hooks = folder / ".pre-commit-config.yaml"
    if hooks.is_file():
        text = hooks.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:  # the configuration is written: say what is left to do
            data = ConfigError.from_yaml(exc, hooks.name, text)
        repos = data.get("repos") if isinstance(data, dict) else None
        if isinstance(data, ConfigError):
            done.append(f"{data}: add the templater hook by hand once it is fixed (docs/ci.md)")
        elif not isinstance(repos, list):
            done.append(".pre-commit-config.yaml has no repos list: add the templater hook by hand (docs/ci.md)")
        elif any(h.get("id", "").startswith("templater") for r in repos if isinstance(r, dict)
                 for h in r.get("hooks", []) if isinstance(h, dict)):
            done.append(".pre-commit-config.yaml already runs templater: left as it is")
        else:
            entry = yaml.safe_dump([HOOK], sort_keys=False)
            # the new item at the indentation of the file's own items (a YAML list cannot mix them)
            found = re.search(r"^([ \t]*)- ", text, re.M)
            indent = found.group(1) if found else "  "
            indented = "".join(f"{indent}{line}\n" for line in entry.splitlines())
            hooks.write_text(text + ("" if text.endswith("\n") else "\n") + indented, encoding="utf-8")
            done.append("added the templater-lint hook to .pre-commit-config.yaml")
    else:
        hooks.write_text(yaml.safe_dump({"repos": [HOOK]}, sort_keys=False), encoding="utf-8")
        done.append("wrote .pre-commit-config.yaml with the templater-lint hook (run `pre-commit install`)")
    return done
