"""The check registry and the formatters' rule metadata (issue 14, defect 11 and "a check registry")."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from conftest import run_cli, template_source
from templater.policy import ruleset
from templater.checks.registry import REGISTRY, spec_of

PACKAGE = Path(__file__).resolve().parents[1] / "templater"
HOUSE = ("pack: house\nlanguage: en\nrules:\n  - id: house-no-cheers\n    kind: existence\n    severity: error\n"
         "    message: \"'{match}' is not our house style{where}\"\n    summary: Not the house style.\n"
         "    doc: Our brand never says cheers.\n    patterns: ['\\bcheers\\b']\n"
         "    examples: {fail: ['Cheers, Acme'], pass: ['Thanks, Acme']}\n")


def test_sarif_describes_project_rules(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/house.yaml", HOUSE)
    path = write("t.sms", template_source("Acme: your order has shipped. Cheers!"))
    result = run_cli("lint", "--format", "sarif", str(path))
    assert result.exit_code == 1
    rules = {r["id"]: r for r in json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["house-no-cheers"]["shortDescription"] == {"text": "Not the house style."}
    assert rules["house-no-cheers"]["fullDescription"] == {"text": "Our brand never says cheers."}
    assert rules["house-no-cheers"]["defaultConfiguration"] == {"level": "error"}
    assert "helpUri" not in rules["house-no-cheers"]  # a project rule is not in docs/rules.md


def test_formatters_never_import_the_api():
    for module in sorted((PACKAGE / "formatters").glob("*.py")):
        names = {n.module for n in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
                 if isinstance(n, ast.ImportFrom) and n.module}
        assert not {n for n in names if n in ("templater.api", "templater.policy")}, module.name


@pytest.mark.parametrize("package", ["rulepacks", "checks"])
def test_the_rule_modules_import_no_cycle_even_deferred(package):
    folder = PACKAGE / package
    modules = {f"templater.{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):  # deferred imports inside functions count too
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        graph[name] = found & set(modules)

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        for nxt in graph[name]:
            visit(nxt, (*trail, name))

    for name in graph:
        visit(name, ())


def test_every_rule_runs_a_registered_check_and_the_bulk_recheck_names_none():
    rules = ruleset().rules.values()
    for rule in rules:
        assert rule.kind != "builtin" or spec_of(rule) is not None or rule.id in (
            "duplicate-id", "unreadable-file", "unused-suppression"), rule.id
    source = (PACKAGE / "render" / "recheck.py").read_text(encoding="utf-8")
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & set(REGISTRY), strings & set(REGISTRY)
    # No module keeps its own set of check names beside the registry.
    for module in PACKAGE.rglob("*.py"):
        assert not re.search(r"^(NEEDS_BODY|MESSAGE_CHECKS|CHECKS)\s*[:=]", module.read_text(encoding="utf-8"),
                             re.M), module


def test_message_rules_are_those_whose_checks_read_content():
    on_messages = {r.id for r in ruleset().rules.values() if spec_of(r) is not None and spec_of(r).on_messages}
    assert {"mixed-content", "missing-opt-out", "url-shortener", "ucs2-encoding", "placeholder-leftover"} <= on_messages
    assert not {"missing-category", "undeclared-variable", "hard-to-read", "missing-sender"} & on_messages
