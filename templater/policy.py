"""The policy of a path: its configuration, rule set and lint options, resolved once per run.

Every command that judges a template - lint, fix, classify, render, bulk render, new - asks
Policies.for_path for the policy of the file, so they all apply the same rules at the same
severities with the same ignores and inline suppressions. Files that share a configuration (and
per_path_ignores) share one Policy: it is built once, never per file or per row.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from templater.records import dataclass
from templater import config as configuration, discovery, project_ids, reference
from templater.findings import Finding, Severity
from templater.linter import FileResult, Linter, LintOptions
from templater.resources import rules_dir
from templater.rulepacks.loader import RuleSet, load_ruleset
from templater.template import Problem, Template
from templater.text import normalize

_RULESETS: dict[tuple[str, ...], RuleSet] = {}


def ruleset(extra_folders: Iterable[Path] = ()) -> RuleSet:
    """The bundled rule packs plus any extra folders, loaded once per process."""
    folders = (str(rules_dir()), *(str(f) for f in extra_folders))
    if folders not in _RULESETS:
        _RULESETS[folders] = load_ruleset(Path(f) for f in folders)
    return _RULESETS[folders]


def checked_ruleset(config: configuration.Config) -> RuleSet:
    """The rules a configuration asks for, after checking the rule ids and wording it names."""
    rules = ruleset(config.rule_folders)
    configuration.check_rule_ids(config, set(rules.rules))
    configuration.check_rule_options(config, {r.id: r.options for r in rules.rules.values()})
    opt_out = rules.rules.get(configuration.OPT_OUT_RULE)
    for lang, wording in config.opt_out.items():
        pattern = opt_out.patterns.get(lang) if opt_out is not None else None
        if opt_out is not None and pattern is not None and not pattern.search(normalize(wording)):
            raise config.error(f"opt_out.{lang}", f"'{wording}' is not opt-out wording that rule "
                               f"{opt_out.id} recognises: write for example {opt_out.suggestion.get(lang, '')}")
    return rules


def errors_in(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that stop a message from being sent: error level, after the configured severities."""
    return [f for f in findings if f.severity >= Severity.ERROR]


@dataclass
class Policy:
    """The configuration of some files and the linter it configures."""

    config: configuration.Config
    linter: Linter
    explicit: bool = False  # the configuration came from --config

    @property
    def ruleset(self) -> RuleSet:
        return self.linter.ruleset

    def root_for(self, folder: Path) -> Path:
        """The project root of the files of a (resolved) folder: the folder of their nearest
        configuration, else their git work tree, else the current folder (a --config file may
        live anywhere: it sets no root)."""
        if self.config.path is not None and not self.explicit:
            return self.config.root
        return discovery.git_root(folder) or Path.cwd().resolve()

    def default_id(self, file: Path, fallback: str, folder: Path | None = None) -> str:
        """The id of a template that declares none: its path below the project root.
        folder: the file's folder, resolved (when the caller knows it)."""
        folder = folder or file.parent.resolve()
        return discovery.default_id(folder / file.name, self.root_for(folder), fallback)

    def admit(self, template: Template | None, problems: list[Problem], path: str) -> tuple[FileResult, list[Finding]]:
        """Lint one template as `templater lint` does (suppression included): its result, which
        rendered messages are checked against, and the findings left after suppression."""
        result = self.linter.lint_parsed(template, problems, path)
        return result, self.linter.finish(result)


class Policies:
    """The policy of each path of a run: --config if given, else the nearest configuration.

    select replaces the configuration's select and ignore adds to its ignore (the command line's
    --select and --ignore); options, when given (the Python API), are the base of every policy.
    """

    def __init__(self, config_file: str | Path | None = None, select: tuple[str, ...] = (),
                 ignore: tuple[str, ...] = (), options: LintOptions | None = None) -> None:
        self.resolver = configuration.Resolver(config_file)
        self.select, self.ignore, self.options = select, ignore, options
        self._policies: dict[tuple, Policy] = {}
        self._by_path: dict[Path, Policy] = {}

    def excludes_for(self, path: Path) -> discovery.Excludes:
        return self.resolver.for_path(path).excludes

    def discover(self, paths: Iterable[str]) -> list[tuple[Path, str, str]]:
        """(file, display path, default id) of every template the paths name, found as
        discovery.py says, each id from its project root."""
        out: list[tuple[Path, str, str]] = []
        roots: dict[tuple[int, Path], tuple[Path, Path, tuple[str, ...] | None]] = {}
        for file, display, fallback in discovery.discover(paths, self.excludes_for):
            policy = self.for_path(file)
            parent = file.parent
            known = roots.get((id(policy), parent))  # one root per folder and policy, not per file
            if known is None:
                folder = parent.resolve()
                root = policy.root_for(folder)
                below = None if reference.ON else discovery.ids_below(folder, root)
                known = roots[(id(policy), parent)] = (folder, root, below)
            folder, root, below = known
            if reference.ON:
                out.append((file, display, discovery.default_id(folder / file.name, root, fallback)))
            else:  # default_id's answer from the folder's parts below the root, worked out once
                tid = fallback if below is None else ".".join((*below, discovery.stem(file.name)))
                out.append((file, display, tid))
        return out

    def elsewhere(self, paths: Iterable[str], entries: list[tuple[Path, str, str]]) -> dict[str, str]:
        """The ids of the project's templates a run does not read, each with its "path:line".

        When the paths named do not cover a project root (a pre-commit hook passes only the staged
        files), the root's other templates are read for their ids, so that a staged template that
        reuses a committed template's id is still a duplicate-id. Only a root given by a
        configuration file or a git work tree is read, never the current folder by default.
        """
        given = [Path(p).resolve() for p in paths if Path(p).is_dir()]
        roots = set()
        folders: set[Path] = set()
        for file, _d, _i in entries:
            # The files of one folder share its configuration, hence its root; a link may not.
            if not file.is_symlink():
                if file.parent in folders:
                    continue
                folders.add(file.parent)
            policy = self.for_path(file)
            root = (policy.config.root if policy.config.path is not None and not policy.explicit
                    else discovery.git_root(file.resolve().parent))
            if root is not None and not any(g == root or g in root.parents for g in given):
                roots.add(root)
        found: dict[str, str] = {}
        linted = {str(file.resolve()) for file, _d, _i in entries} if roots else set()
        for root in sorted(roots):
            ids = project_ids.below(root, self.excludes_for, lambda file, real: self.for_path(file).root_for(real),
                                    linted)
            for tid, where in ids.items():
                found.setdefault(tid, where)
        return found

    def for_path(self, path: Path) -> Policy:
        # A run asks for each file's policy several times (discovery, linting, project ids); its
        # resolver already holds each folder's configuration for the run, so the answer is kept.
        policy = self._by_path.get(path)
        if policy is None:
            policy = self._by_path[path] = self._for_path(path)
        return policy

    def _for_path(self, path: Path) -> Policy:
        config = self.resolver.for_path(path)
        extra = config.ignored_for(path)
        key = (config.path, extra)
        policy = self._policies.get(key)
        if policy is None:
            policy = self._policies[key] = Policy(config, Linter(self._checked(config), self._options(config, extra)),
                                                  explicit=config is self.resolver.explicit)
        return policy

    def _checked(self, config: configuration.Config) -> RuleSet:
        rules = checked_ruleset(config)
        for option, names in (("--select", self.select), ("--ignore", self.ignore)):
            configuration.check_rule_ids(configuration.Config(select=names), set(rules.rules), option)
        return rules

    def _options(self, config: configuration.Config, extra: tuple[str, ...]) -> LintOptions:
        base = self.options or LintOptions()
        return LintOptions(
            select=self.select or base.select or config.select,
            ignore=(*config.ignore, *base.ignore, *self.ignore, *extra),
            severity={**config.severity, **base.severity}, max_output=base.max_output,
            language=base.language or config.language, market=base.market or config.market,
            max_segments=base.max_segments or config.max_segments,
            shared_options={"brand_domains": list(config.brand_domains) or None, **base.shared_options},
            rule_options=_with_footer({**config.rule_options, **base.rule_options}, config.opt_out))


def _with_footer(rule_options: dict[str, dict], opt_out: dict[str, str]) -> dict[str, dict]:
    """The configured opt-out wording as missing-opt-out's footer option (the line its fix adds)."""
    if not opt_out:
        return rule_options
    own = rule_options.get(configuration.OPT_OUT_RULE, {})
    return {**rule_options, configuration.OPT_OUT_RULE: {**own, "footer": {**opt_out, **own.get("footer", {})}}}
