"""Project configuration: find the nearest .templater.yaml or [tool.templater], validate every key."""
from __future__ import annotations

import fnmatch
import stat
import sys
from dataclasses import field
from pathlib import Path
from typing import Any, Callable

import yaml

from templater.records import dataclass
from templater.discovery import DEFAULT_EXCLUDE, Excludes
from templater.errors import ConfigError
from templater.findings import Severity
from templater.suggest import did_you_mean
from templater.template import LANGUAGES

YAML_NAME = ".templater.yaml"
PYPROJECT = "pyproject.toml"
OPT_OUT_RULE = "missing-opt-out"  # the rule whose patterns configured opt-out wording must satisfy

# Every key, with its default, in the order `templater config` prints them.
DEFAULTS: dict[str, Any] = {
    "select": (),
    "ignore": (),
    "severity": {},
    "fail_on": Severity.ERROR,
    "rule_folders": (),
    "per_path_ignores": {},
    "language": None,
    "market": (),
    "brand": None,
    "opt_out": {},
    "max_segments": None,
    "brand_domains": (),
    "rule_options": {},
    "exclude": DEFAULT_EXCLUDE,
    "extend_exclude": (),
    # `templater render --recipients` settings (bulk rendering); the command line's options win.
    "default_region": (),
    "quiet_hours": None,
    "reply_window": None,
    "suppress": None,
}
BULK_KEYS = ("default_region", "quiet_hours", "reply_window", "suppress")
# Other spellings accepted for a key: ruff's users write extend-exclude.
ALIASES = {"extend-exclude": "extend_exclude"}


@dataclass
class Config:
    """The effective configuration of the files one config file governs (or of none: defaults)."""

    path: Path | None = None              # the file it came from; None means built-in defaults
    root: Path = field(default_factory=Path.cwd)  # rule folders and path globs are relative to it
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.ERROR
    rule_folders: tuple[Path, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    language: str | None = None
    market: tuple[str, ...] = ()
    brand: str | None = None
    opt_out: dict[str, str] = field(default_factory=dict)
    max_segments: int | None = None
    brand_domains: tuple[str, ...] = ()
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    default_region: tuple[str, ...] = ()
    quiet_hours: str | None = None
    reply_window: str | None = None
    suppress: str | None = None            # a file of numbers, relative to the configuration's folder
    lines: dict[str, int] = field(default_factory=dict)   # key (or "key.sub") -> line in the file

    def source_of(self, key: str) -> str:
        """Where a key's value came from: 'default', or the file (and line, for YAML)."""
        if self.path is None or key not in self.lines:
            return "default"
        line = self.lines[key]
        return f"{self.path}:{line}" if line else f"{self.path} [tool.templater]"

    def error(self, key: str, message: str) -> ConfigError:
        """A ConfigError naming this file, the key's line and the key."""
        line = self.lines.get(key, self.lines.get(key.split(".")[0]))
        return ConfigError(f"key '{key}': {message}", str(self.path) if self.path else None, line or None)

    @property
    def excludes(self) -> Excludes:
        """What discovery skips under this configuration (its patterns are relative to its folder)."""
        found = self.__dict__.get("_excludes")
        if found is None:
            found = self.__dict__["_excludes"] = Excludes(
                self.root if self.path else Path.cwd(), self.exclude, self.extend_exclude,
                configured=self.path is not None and ("exclude" in self.lines or "extend_exclude" in self.lines))
        return found

    def ignored_for(self, file: Path) -> tuple[str, ...]:
        """Rule ids that per_path_ignores switches off for one file."""
        if not self.per_path_ignores:
            return ()  # the usual case, without resolving the paths (the parent does this per file)
        try:
            rel = file.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return ()
        out: list[str] = []
        for pattern, rules in self.per_path_ignores.items():
            # A pattern without '/' also matches the file name alone, as in .gitignore.
            if fnmatch.fnmatchcase(rel, pattern) or ("/" not in pattern and fnmatch.fnmatchcase(file.name, pattern)):
                out.extend(rules)
        return tuple(out)


def _rule_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError("must be a list of rule ids (or id prefixes), such as [missing-opt-out]")
    return tuple(v.strip() for v in value)


def _severity(value: Any) -> Severity:
    return Severity.parse(value if isinstance(value, str) else repr(value))


def _severity_map(value: Any) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ValueError("must map rule ids to error, warning or info, such as {unused-variable: info}")
    return {str(k): _severity(v) for k, v in value.items()}


def _strings(value: Any, problem: str, spaces: bool = True) -> tuple[str, ...]:
    """A string or a list of non-empty strings (without spaces when spaces is False)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip() and (spaces or " " not in v.strip()) for v in value):
        raise ValueError(problem)
    return tuple(value)


def _folders(value: Any) -> tuple[str, ...]:
    return _strings(value, "must be a list of folders holding rule-pack .yaml files")


def _globs(value: Any) -> tuple[str, ...]:
    return _strings(value, "must be a list of gitignore-style patterns, such as [drafts/, '*.wip.sms']")


def _path_ignores(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError("must map path globs to rule ids, such as {'drafts/*': [missing-opt-out]}")
    return {str(k): _rule_list(v) for k, v in value.items()}


def _language(value: Any) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"{value!r} is not a language templater knows (use {' or '.join(LANGUAGES)})")
    return value


def _market(value: Any) -> tuple[str, ...]:
    from templater import markets

    return markets.parse(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ValueError("must be a non-empty one-line string")
    if "{" in value or "}" in value:
        raise ValueError("must not contain '{' or '}', which Jinja reads as tags")
    return value.strip()


def _opt_out(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("must map a language to its opt-out sentence, such as {en: Reply STOP to opt out.}")
    return {_language(k): _text(v) for k, v in value.items()}


def _domains(value: Any) -> tuple[str, ...]:
    domains = _strings(value, "must be a list of domains, such as [acme.com, acme.fr]", spaces=False)
    return tuple(v.strip().lower() for v in domains)


def _rule_options(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("must map rule ids to their options, such as {hard-to-read: {min_words: 12}}")
    return {str(k): dict(v) for k, v in value.items()}


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{value!r} is not a whole number of segments of at least 1")
    return value


def _regions(value: Any) -> tuple[str, ...]:
    codes = _strings(value.split(",") if isinstance(value, str) else value,
                     "must be a region code such as US, or a list such as [US, FR]", spaces=False)
    return tuple(dict.fromkeys(c.strip().upper() for c in codes))


def _setting(value: Any) -> str:
    """A bulk-render setting written as on the command line (its meaning is checked when render uses it)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip() or "\n" in str(value):
        raise ValueError("must be one value written as on the command line, such as 24h or tcpa")
    return str(value).strip()


PARSERS: dict[str, Callable[[Any], Any]] = {
    "select": _rule_list, "ignore": _rule_list, "severity": _severity_map, "fail_on": _severity,
    "rule_folders": _folders, "per_path_ignores": _path_ignores, "language": _language, "market": _market,
    "brand": _text, "opt_out": _opt_out, "max_segments": _positive, "brand_domains": _domains,
    "rule_options": _rule_options,
    "exclude": _globs, "extend_exclude": _globs,
    "default_region": _regions, "quiet_hours": _setting, "reply_window": _setting, "suppress": _setting,
}


def _yaml_data(path: Path, text: str) -> tuple[Any, dict[str, int]]:
    """The YAML mapping and the line of every key and sub-key ('severity.unused-variable')."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError.from_yaml(exc, str(path), text) from None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for sub, _v in value.value:
                    lines[f"{key.value}.{sub.value}"] = sub.start_mark.line + 1
    return data, lines


def _toml(path: Path, text: str, what: str) -> dict[str, Any]:
    """A TOML document, or a ConfigError naming the file; only folders with a pyproject.toml pay
    for the import."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: its backport
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what}: {exc}", str(path)) from None


def _toml_data(path: Path, text: str) -> tuple[Any, dict[str, int]]:
    data = _toml(path, text, "invalid TOML")
    tool = data.get("tool")
    table = tool.get("templater") if isinstance(tool, dict) else None
    if table is None:
        raise ConfigError("no [tool.templater] table: add one, or point --config at a .templater.yaml",
                          str(path))
    # tomllib keeps no line numbers: a key's place is the [tool.templater] table (line 0).
    return table, {k: 0 for k in table} if isinstance(table, dict) else {}


def load(path: Path) -> Config:
    """Read and validate one configuration file; raise ConfigError naming the file, line and key."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("no such configuration file", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the configuration: {exc}", str(path)) from None
    data, lines = (_toml_data if path.suffix == ".toml" else _yaml_data)(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError("the configuration must be a mapping of keys to values", str(path), 1)
    config = Config(path=path, root=path.resolve().parent, lines=lines)
    for key, value in data.items():
        if key in ALIASES:
            lines[ALIASES[key]] = lines.get(key, 0)
            key = ALIASES[key]
        if key not in PARSERS:
            hint = did_you_mean(str(key).replace("-", "_"), PARSERS)
            raise config.error(str(key), f"unknown key{hint}; the keys are {', '.join(PARSERS)}")
        try:
            parsed = PARSERS[key](value)
        except ValueError as exc:
            raise config.error(key, str(exc)) from None
        setattr(config, key, parsed)
    config.rule_folders = tuple(_folder(config, f) for f in config.rule_folders)
    return config


def _folder(config: Config, name: str | Path) -> Path:
    folder = (config.root / name).resolve()
    if not folder.is_dir():
        raise config.error("rule_folders", f"'{name}' is not a folder (it is relative to {config.root})")
    return folder


def declared_in(folder: Path) -> Path | None:
    """The configuration file of one folder: .templater.yaml, else a pyproject.toml with [tool.templater]."""
    candidate = folder / YAML_NAME
    if candidate.is_file():
        return candidate
    candidate = folder / PYPROJECT
    if candidate.is_file():
        what = "cannot read it while looking for [tool.templater]"
        try:
            text = candidate.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{what}: {exc}", str(candidate)) from None
        tool = _toml(candidate, text, what).get("tool")
        if isinstance(tool, dict) and "templater" in tool:
            return candidate
    return None


class Resolver:
    """Which configuration governs each file: --config if given, else the nearest one up the tree."""

    def __init__(self, explicit: str | Path | None = None) -> None:
        self.explicit = load(Path(explicit)) if explicit else None
        self._by_folder: dict[Path, Config] = {}
        self._by_file: dict[Path, Config] = {}
        self._resolved: dict[Path, Path] = {}  # folder as given -> its real path

    def for_path(self, path: Path) -> Config:
        """The configuration for a file or folder (no merging: the nearest file wins whole)."""
        if self.explicit is not None:
            return self.explicit
        try:
            mode = path.lstat().st_mode
        except OSError:
            mode = 0
        if stat.S_ISREG(mode) and path.name not in ("", ".", ".."):
            # A file that is no link sits in its folder's real path: resolve each folder once,
            # not each of its files (the parent does this for every file before linting starts).
            folder = self._resolved.get(path.parent)
            if folder is None:
                folder = self._resolved[path.parent] = path.parent.resolve()
            return self._for_folder(folder)
        folder = path.resolve()
        if not folder.is_dir():
            folder = folder.parent
        return self._for_folder(folder)

    def _for_folder(self, folder: Path) -> Config:
        if folder in self._by_folder:
            return self._by_folder[folder]
        try:
            found = declared_in(folder)
        except PermissionError:  # a folder that cannot be read: lint reports it, the parent's settings hold
            found = None
        if found is not None:
            config = self._by_file.get(found) or load(found)
            self._by_file[found] = config
        elif folder.parent != folder:
            config = self._for_folder(folder.parent)
        else:
            config = Config()
        self._by_folder[folder] = config
        return config


def check_rule_ids(config: Config, known: set[str], option: str | None = None) -> None:
    """Fail on rule ids (or prefixes) that match no loaded rule; option names a command-line source."""
    named = [("select", r, False) for r in config.select] + [("ignore", r, False) for r in config.ignore]
    named += [(f"per_path_ignores.{g}", r, False) for g, rules in config.per_path_ignores.items() for r in rules]
    named += [(f"severity.{r}", r, True) for r in config.severity]  # one rule each, not a prefix
    for key, rule, exact in named:
        if rule in known or (not exact and any(k.startswith(rule) for k in known)):
            continue
        hint = did_you_mean(rule, known) or " ('templater rules' lists them)"
        problem = f"no rule id {'is' if exact else 'is or starts with'} '{rule}'{hint}"
        if option:
            raise ConfigError(f"{option}: {problem}")
        raise config.error(key, problem)


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and (isinstance(default, float) or isinstance(value, int))
    return isinstance(value, type(default))


def check_rule_options(config: Config, declared: dict[str, dict[str, Any]]) -> None:
    """Fail on rule_options for unknown rules, options a rule does not have, or values of the wrong kind."""
    for rule_id, options in config.rule_options.items():
        key = f"rule_options.{rule_id}"
        if rule_id not in declared:
            raise config.error(key, f"no rule id is '{rule_id}'{did_you_mean(rule_id, declared)}")
        for name, value in options.items():
            if name not in declared[rule_id]:
                have = ", ".join(declared[rule_id]) or "none"
                raise config.error(key, f"rule '{rule_id}' has no option '{name}' (its options: {have})")
            default = declared[rule_id][name]
            if not _same_kind(value, default):
                raise config.error(key, f"option '{name}' must be like its default {default!r}, not {value!r}")


def as_dict(config: Config) -> dict[str, Any]:
    """The effective values as plain data (severities and paths as strings), in DEFAULTS order."""
    def plain(value: Any) -> Any:
        if isinstance(value, Severity):
            return str(value)
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        return value
    return {key: plain(getattr(config, key)) for key in DEFAULTS}
