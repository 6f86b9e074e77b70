"""Configuration: .templater.yaml or [tool.templater], nearest wins, --config, checks and `templater config`."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import lint_json, run_cli, template_source

PROMO = template_source("Acme: 30% off everything today.", category="promotional")
PROMO_FR = template_source("Acme: -30 % sur tout le magasin.", category="promotional", language="fr")
OPT_OUT = ("--select", "missing-opt-out")


def _rules(findings: list[dict]) -> list[str]:
    return [f["rule"] for f in findings]


def test_the_nearest_configuration_wins_whole(write, tmp_path):
    write(".templater.yaml", "ignore: [missing-opt-out]\n")
    write("team/.templater.yaml", "fail_on: warning\n")   # no merging: team files are not ignored
    write("promo.sms", PROMO)
    write("team/promo.sms", PROMO)
    code, findings = lint_json(*OPT_OUT, str(tmp_path))
    assert code == 1 and [f["path"] for f in findings] == [str(tmp_path / "team" / "promo.sms")]


def test_pyproject_tool_table_counts_and_yaml_wins_in_the_same_folder(write, tmp_path):
    write("pyproject.toml", "[project]\nname = 'content'\n\n[tool.templater]\nignore = ['missing-opt-out']\n")
    write("promo.sms", PROMO)
    assert lint_json(*OPT_OUT, str(tmp_path)) == (0, [])
    write(".templater.yaml", "select: [missing-opt-out]\n")
    assert _rules(lint_json(str(tmp_path))[1]) == ["missing-opt-out"]


def test_a_pyproject_without_the_table_is_passed_over(write, tmp_path):
    write(".templater.yaml", "ignore: [missing-opt-out]\n")
    write("sub/pyproject.toml", "[project]\nname = 'x'\n")
    write("sub/promo.sms", PROMO)
    assert lint_json(*OPT_OUT, str(tmp_path / "sub")) == (0, [])


def test_config_option_overrides_discovery(write, tmp_path):
    write(".templater.yaml", "ignore: [missing-opt-out]\n")
    strict = write("elsewhere/strict.yaml", "fail_on: error\n")
    path = write("promo.sms", PROMO)
    assert _rules(lint_json(*OPT_OUT, "--config", str(strict), str(path))[1]) == ["missing-opt-out"]


def test_select_severity_and_fail_on(write, tmp_path):
    write(".templater.yaml", "select: [missing-opt-out]\nseverity:\n  missing-opt-out: warning\nfail_on: warning\n")
    path = write("promo.sms", PROMO)
    code, findings = lint_json(str(path))
    assert code == 1 and [(f["rule"], f["severity"]) for f in findings] == [("missing-opt-out", "warning")]
    assert lint_json("--fail-on", "error", str(path))[0] == 0  # the command line wins


def test_per_path_ignores_and_default_language(write, tmp_path):
    write(".templater.yaml", "language: fr\nper_path_ignores:\n  'drafts/*': [missing-opt-out]\n  '*.wip.sms': [missing]\n")
    no_language = "---\ncategory: promotional\n---\nAcme: -30 % sur tout. Reply STOP to opt out.\n"
    write("live/promo.sms", no_language)       # read as French: the English opt-out does not count
    write("drafts/promo.sms", no_language)
    write("live/next.wip.sms", no_language)
    code, findings = lint_json(*OPT_OUT, str(tmp_path))
    assert code == 1 and [f["path"] for f in findings] == [str(tmp_path / "live" / "promo.sms")]
    assert "in 'fr'" in findings[0]["message"]


def test_rule_folders_load_the_users_packs(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house-rules]\n")
    write("house-rules/house.yaml", """pack: house
language: en
rules:
  - id: house-no-asap
    kind: existence
    severity: warning
    summary: Our voice never says ASAP.
    message: "'{match}': write a day or a time instead"
    doc: House style.
    patterns: ['\\bASAP\\b']
    examples:
      fail: ["Acme: we will call you ASAP."]
      pass: ["Acme: we will call you on Monday."]
""")
    path = write("reply.sms", template_source("Acme: we will call you ASAP."))
    code, findings = lint_json("--select", "house-", str(path))
    assert (code, _rules(findings)) == (0, ["house-no-asap"])


@pytest.mark.parametrize("config, message", [
    ("fail-on: warning\n", ".templater.yaml:1: key 'fail-on': unknown key (did you mean 'fail_on'?)"),
    ("fail_on: fatal\n", ".templater.yaml:1: key 'fail_on': unknown severity 'fatal' (use error, warning or info)"),
    ("ignore: [x]\nmax_segments: 0\n", ".templater.yaml:2: key 'max_segments': 0 is not a whole number"),
    ("language: de\n", ".templater.yaml:1: key 'language': 'de' is not a language templater knows"),
    ("severity:\n  mixed-content: loud\n", ".templater.yaml:1: key 'severity': unknown severity 'loud'"),
    ("select: [mising-opt-out]\n", ".templater.yaml:1: key 'select': no rule id is or starts with "
                                   "'mising-opt-out' (did you mean 'missing-opt-out'?)"),
    ("severity:\n  mixed: info\n", ".templater.yaml:2: key 'severity.mixed': no rule id is 'mixed'"),
    ("opt_out:\n  en: Thanks!\n", ".templater.yaml:2: key 'opt_out.en': 'Thanks!' is not opt-out wording"),
    ("rule_folders: [nowhere]\n", ".templater.yaml:1: key 'rule_folders': 'nowhere' is not a folder"),
    ("brand: {name: Acme}\n", ".templater.yaml:1: key 'brand': must be a non-empty one-line string"),
    ("select: [a\n", ".templater.yaml:2: invalid YAML"),
    ("select:\n  - a\n\t- b\n", ".templater.yaml:3: invalid YAML: found character '\\t' that cannot start any "
                                "token (a tab: indent YAML with spaces, not tabs)"),
    ("- just\n- a list\n", ".templater.yaml:1: the configuration must be a mapping"),
])
def test_bad_keys_and_values_name_the_file_line_and_key(write, tmp_path, config, message):
    write(".templater.yaml", config)
    path = write("promo.sms", PROMO)
    result = run_cli("lint", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert f"templater: error: {tmp_path / message}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_pyproject_keys_name_the_file_and_key(write, tmp_path):
    write("pyproject.toml", "[tool.templater]\nmax-segments = 4\n")
    result = run_cli("lint", str(write("promo.sms", PROMO)))
    assert result.exit_code == 2
    assert f"{tmp_path / 'pyproject.toml'}: key 'max-segments': unknown key (did you mean 'max_segments'?)" \
        in result.stderr


def test_an_invalid_user_pack_fails_with_its_file_and_field(write, tmp_path):
    write(".templater.yaml", "rule_folders: [house]\n")
    write("house/bad.yaml", "pack: bad\nrules:\n  - id: x\n    kind: existence\n    severty: error\n")
    result = run_cli("lint", str(write("promo.sms", PROMO)))
    assert result.exit_code == 2 and f"{tmp_path / 'house' / 'bad.yaml'}:3: rule 'x': unknown field 'severty'" \
        in result.stderr


def test_unknown_rule_ids_on_the_command_line_are_usage_errors(write):
    result = run_cli("lint", "--ignore", "mixed-contnet", str(write("promo.sms", PROMO)))
    assert result.exit_code == 2 and "--ignore: no rule id is or starts with 'mixed-contnet'" in result.stderr


def test_config_command_prints_values_and_where_they_come_from(write, tmp_path):
    write(".templater.yaml", "fail_on: warning\nbrand: Acme\nmax_segments: 2\nopt_out:\n  fr: STOP SMS au 36111\n")
    result = run_cli("config", str(tmp_path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"configuration file: {tmp_path / '.templater.yaml'}"
    assert any(line.split() == ["fail_on", "warning", f"({tmp_path / '.templater.yaml'}:1)"] for line in lines)
    assert any(line.split()[:2] == ["select", "all"] and line.endswith("(default)") for line in lines)
    assert any(line.startswith("opt_out") and "fr: STOP SMS au 36111" in line for line in lines)
    data = json.loads(run_cli("config", "--format", "json", str(tmp_path)).stdout)
    assert data["values"]["max_segments"] == {"value": 2, "source": f"{tmp_path / '.templater.yaml'}:3"}
    assert data["values"]["language"] == {"value": None, "source": "default"}


def test_config_command_names_pyproject_and_defaults(write, tmp_path):
    write("pyproject.toml", "[tool.templater]\nlanguage = 'fr'\n")
    data = json.loads(run_cli("config", "--format", "json", str(tmp_path)).stdout)
    assert data["values"]["language"]["source"] == f"{tmp_path / 'pyproject.toml'} [tool.templater]"
    (tmp_path / "pyproject.toml").unlink()
    out = run_cli("config", str(tmp_path)).stdout
    assert "none in" in out.splitlines()[0] and "built-in defaults" in out.splitlines()[0]


def test_max_segments_reaches_the_rules_that_take_it(write, tmp_path):
    path = write("long.sms", template_source("Acme: " + "your order has shipped and is on its way. " * 5))
    assert lint_json("--select", "too-many-segments", str(path)) == (0, [])
    write(".templater.yaml", "max_segments: 1\n")
    code, findings = lint_json("--select", "too-many-segments", str(path))
    assert _rules(findings) == ["too-many-segments"] and "over the limit of 1" in findings[0]["message"]


def test_brand_domains_and_rule_options_reach_their_rules(write, tmp_path):
    path = write("t.sms", template_source("Acme: track it at https://other.example/t/1"))
    link = ("--select", "non-brand-link")
    assert lint_json(*link, str(path)) == (0, [])   # no brand domain known: the rule stays silent
    write(".templater.yaml", "brand_domains: [acme.com]\n")
    assert _rules(lint_json(*link, str(path))[1]) == ["non-brand-link"]
    write(".templater.yaml", "brand_domains: [acme.com]\nrule_options:\n  non-brand-link: {brand_domains: [other.example]}\n")
    assert lint_json(*link, str(path)) == (0, [])   # a rule's own options win over the shared key


@pytest.mark.parametrize("options, message", [
    ("  hard-to-raed: {min_words: 3}\n", "key 'rule_options.hard-to-raed': no rule id is 'hard-to-raed' "
                                         "(did you mean 'hard-to-read'?)"),
    ("  non-brand-link: {brand_domain: [x]}\n", "key 'rule_options.non-brand-link': rule 'non-brand-link' has no "
                                                "option 'brand_domain' (its options: brand_domains)"),
    ("  too-many-segments: {max_segments: two}\n", "key 'rule_options.too-many-segments': option 'max_segments' "
                                                   "must be like its default 3, not 'two'"),
])
def test_bad_rule_options_name_the_rule_and_option(write, tmp_path, options, message):
    write(".templater.yaml", "rule_options:\n" + options)
    result = run_cli("lint", str(write("promo.sms", PROMO)))
    assert result.exit_code == 2 and f"{tmp_path / '.templater.yaml'}:2: {message}" in result.stderr


def test_the_documented_examples_load(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    yaml_example, toml_example = (text for _kind, text in re.findall(r"```(yaml|toml)\n(.*?)```", doc, re.S))
    (tmp_path / "house-rules").mkdir()
    (tmp_path / ".templater.yaml").write_text(yaml_example, encoding="utf-8")
    result = run_cli("config", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "rule_options      hard-to-read: {min_words: 12}" in result.stdout
    (tmp_path / "toml").mkdir()
    (tmp_path / "toml" / "pyproject.toml").write_text(toml_example, encoding="utf-8")
    data = json.loads(run_cli("config", "--format", "json", str(tmp_path / "toml")).stdout)
    assert data["values"]["opt_out"]["value"] == {"fr": "STOP SMS au 36111"}
