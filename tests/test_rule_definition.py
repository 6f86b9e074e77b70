"""Each rule is defined once: other packs add patterns, suggestion and examples only (issue 14, defect 12)."""
from __future__ import annotations

from pathlib import Path

import yaml

from conftest import lint_json, run_cli, template_source
from templater.resources import rules_dir
from templater.rulepacks.loader import DEFINITION_KEYS

PROMO_FR = template_source("Soldes d'hiver : -30 % chez Acme. Désinscription au 0800 000 000.",
                           "promotional", "fr")


def test_a_pack_that_redefines_a_bundled_rule_is_a_load_error_naming_both_places(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/mine.yaml", "pack: mine\nlanguage: en\nrules:\n  - id: missing-opt-out\n"
                             "    kind: existence\n    patterns: ['\\bSTOP\\b']\n"
                             "    examples: {fail: ['Reply STOP'], pass: ['Hello']}\n")
    result = run_cli("lint", str(write("promo.sms", template_source("Sale! Reply STOP to opt out.", "promotional"))))
    assert result.exit_code == 2 and result.stdout == ""
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert f"{tmp_path / 'house' / 'mine.yaml'}:5: rule 'missing-opt-out': 'kind' differs from the rule's definition at " in line
    assert "opt-out.en.yaml:" in line


def test_a_same_valued_repeat_is_accepted_and_a_language_pack_adds_patterns_whatever_the_file_order(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    # a.fr.yaml sorts before b.yaml, which defines the rule: the definition need not come first
    write("house/a.fr.yaml", "pack: house-fr\nlanguage: fr\nrules:\n  - id: house-freephone\n"
                             "    severity: warning\n"  # the same value as the definition: tolerated
                             "    patterns: ['\\b0800\\b']\n"
                             "    examples: {fail: ['Appelez le 0800 000 000'], pass: ['Appelez-nous']}\n")
    write("house/b.yaml", "pack: house\nrules:\n  - id: house-freephone\n    kind: existence\n"
                          "    severity: warning\n    message: \"'{match}': use the short number\"\n"
                          "    summary: A freephone number.\n    doc: House style.\n"
                          "    examples: {fail: [], pass: []}\n".replace("{fail: [], pass: []}",
                                                                     "{fail: [{language: fr, body: 'le 0800'}], pass: ['Hi']}"))
    code, findings = lint_json(str(write("promo.sms", PROMO_FR)))
    assert [(f["rule"], f["severity"]) for f in findings if f["rule"] == "house-freephone"] == [("house-freephone", "warning")]


def test_a_different_repeat_of_severity_names_the_line_of_the_key(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/mine.fr.yaml", "pack: mine\nlanguage: fr\nrules:\n  - id: missing-help\n"
                                "    patterns: ['\\bAIDE\\b']\n    severity: error\n"
                                "    examples: {fail: ['x'], pass: ['AIDE']}\n")
    result = run_cli("lint", str(write("promo.sms", PROMO_FR)))
    assert result.exit_code == 2
    assert f"{tmp_path / 'house' / 'mine.fr.yaml'}:6: rule 'missing-help': 'severity' differs" in result.stderr


def test_a_rule_nobody_defines_is_a_load_error(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/only.fr.yaml", "pack: only\nlanguage: fr\nrules:\n  - id: orphan\n"
                                "    patterns: ['x']\n    examples: {fail: ['x'], pass: ['y']}\n")
    result = run_cli("lint", str(write("promo.sms", PROMO_FR)))
    assert result.exit_code == 2
    assert f"{tmp_path / 'house' / 'only.fr.yaml'}:4: rule 'orphan': no pack defines its 'kind'" in result.stderr


def test_the_bundled_language_packs_repeat_no_definition():
    for path in sorted(Path(rules_dir()).glob("*.fr.yaml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            assert not set(rule) & set(DEFINITION_KEYS), (path.name, rule["id"])


def test_an_example_position_that_is_not_a_number_is_a_load_error_naming_its_line(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/mine.yaml", "pack: mine\nlanguage: en\nrules:\n  - id: house-freephone\n    kind: existence\n"
                             "    severity: warning\n    message: \"'{match}': use the short number\"\n"
                             "    summary: A freephone number.\n    doc: House style.\n"
                             "    patterns: ['\\b0800\\b']\n"
                             "    examples:\n      fail:\n        - {body: 'Call 0800', line: one, column: 6}\n"
                             "      pass: ['Hi']\n")
    result = run_cli("lint", str(write("a.sms", template_source("Acme: hi."))))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (f"templater: error: {tmp_path / 'house' / 'mine.yaml'}:13: rule 'house-freephone' "
                                     "example: 'line' must be a whole number")
