"""The issue-3 content rules through the CLI: positions, variants, options, age gate, rendered messages."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import lint_json, run_cli, template_source

BRAND = {"brand": {"example": "Acme", "required": True}}


def _lint_one(write, rule: str, body: str, **meta):
    path = write("t.sms", template_source(body, **meta))
    code, findings = lint_json("--select", rule, str(path))
    return code, [f for f in findings if f["rule"] == rule]


def test_ucs2_lists_each_character_with_position_and_lookalike(write):
    body = "Acme: we\u2019re open\u2026 Caf\u00e9 cr\u00e8me \u00e0 Besan\u00e7on\u2019s"
    _code, found = _lint_one(write, "ucs2-encoding", body)
    assert len(found) == 1
    f = found[0]
    assert (f["severity"], f["line"], f["column"]) == ("warning", 5, 9)
    assert "because of 3 characters outside GSM-7" in f["message"]
    assert "'\u2019' U+2019 at 5:9 (GSM-7: \"'\", 2 times)" in f["message"]
    assert "'\u2026' U+2026 at 5:17 (GSM-7: '...')" in f["message"]
    assert "'\u00e7' U+00E7 at 5:37 (GSM-7: 'c')" in f["message"]


def test_ucs2_from_emoji_only_is_info(write):
    _code, found = _lint_one(write, "ucs2-encoding", "Acme: see you soon \U0001F44B\U0001F3FD")
    assert [f["severity"] for f in found] == ["info"]
    assert "U+1F44B U+1F3FD" in found[0]["message"] and "no GSM-7 look-alike" in found[0]["message"]


def test_ucs2_injected_by_a_variable_points_at_the_variable(write):
    body = "{{ brand }}: your order is ready at {{ store }}."
    _code, found = _lint_one(write, "ucs2-encoding", body,
                             variables={**BRAND, "store": {"example": "Cr\u00eateil Soleil"}})
    assert (found[0]["line"], found[0]["column"]) == (11, 40)  # the name inside {{ store }}
    assert "'\u00ea' U+00EA in the example value of {{ store }}" in found[0]["message"]


def test_ucs2_value_given_at_render_is_reported_but_not_blocking(write):
    path = write("t.sms", template_source("{{ brand }}: hi {{ name }}.",
                                          variables={**BRAND, "name": {"example": "Ana", "required": True}}))
    result = run_cli("render", str(path), "--var", "brand=Acme", "--var", "name=Zo\u00eb")
    assert result.exit_code == 0 and result.stdout.strip() == "Acme: hi Zo\u00eb."
    assert "warning ucs2-encoding" in result.stderr and "'\u00eb' U+00EB at character 12" in result.stderr


@pytest.mark.parametrize("value, rule", [
    ("[Name]", "placeholder-leftover"),
    ("{{ first_name }}", "placeholder-leftover"),
    ("https://bit.ly/x1", "url-shortener"),
])
def test_rendered_values_that_break_the_rules_block_the_send(write, value, rule):
    path = write("t.sms", template_source("{{ brand }}: hi {{ name }}, your order has shipped.",
                                          variables={**BRAND, "name": {"example": "Ana", "required": True}}))
    result = run_cli("render", str(path), "--var", "brand=Acme", "--var", f"name={value}")
    assert result.exit_code == 1 and result.stdout == ""
    assert f"error {rule}" in result.stderr


def test_segment_limit_comes_from_the_rule_option_and_the_configuration(write, tmp_path):
    body = "Acme: " + "your order has shipped and will arrive soon. " * 8
    path = write("t.sms", template_source(body))
    _code, findings = lint_json("--select", "too-many-segments", str(path))
    assert findings == []                                  # 2 segments, default limit 3
    write(".templater.yaml", "max_segments: 1\n")
    _code, findings = lint_json("--select", "too-many-segments", str(path))
    assert [f["message"] for f in findings] == [
        "the message takes 3 segments (365 characters in GSM-7), over the limit of 1: shorten it"]


def test_segment_finding_suggests_the_gsm_version(write):
    body = "Acme: " + "votre commande est pr\u00eate et arrivera bient\u00f4t. " * 5
    _code, found = _lint_one(write, "too-many-segments", body, language="fr")
    assert "in UCS-2" in found[0]["message"] and "(2 in GSM-7)" in found[0]["message"]


def test_non_brand_links_use_the_metadata_domains_and_skip_subdomains(write):
    body = "Acme: see https://t.acme.com/1, www.acme.com/x, acme-deals.com/y and https://other.example/z"
    _code, found = _lint_one(write, "non-brand-link", body, brand_domains=["acme.com", "ACME.example"])
    assert [(f["severity"], f["message"].split("'")[1]) for f in found] == [
        ("info", "acme-deals.com"), ("info", "other.example")]


def test_alcohol_passes_with_an_age_gate_but_tobacco_does_not(write):
    body = "Acme: wine tasting and cigars on Friday. Reply STOP to opt out."
    meta = {"category": "promotional", "age_gated": True}
    path = write("t.sms", template_source(body, **meta))
    _code, findings = lint_json("--select", "shaft-", str(path))
    assert [f["rule"] for f in findings] == ["shaft-tobacco"]


@pytest.mark.parametrize("meta, fired", [
    ({"category": "promotional"}, True),
    ({"category": "promotional", "recurring": False}, False),
    ({"category": "transactional"}, False),
    ({"category": "transactional", "recurring": True}, True),
])
def test_which_templates_need_the_recurring_disclosures(write, meta, fired):
    path = write("t.sms", template_source("Acme: new arrivals. Reply STOP to opt out.", **meta))
    _code, findings = lint_json("--select", "missing-help,missing-frequency,missing-rates", str(path))
    assert {f["rule"] for f in findings} == ({"missing-help", "missing-frequency", "missing-rates"} if fired else set())


def test_readability_gives_the_score_in_the_templates_language(write):
    body = ("Acme: notwithstanding the aforementioned considerations, the organization's comprehensive "
            "reimbursement methodology necessitates supplementary documentation.")
    _code, found = _lint_one(write, "hard-to-read", body)
    assert found[0]["message"].startswith("reading ease -") and "is below 50 for 'en'" in found[0]["message"]


def test_readability_matches_textstat(monkeypatch):
    """Same figures as textstat: French as it is; English through textstat's own pyphen fallback,
    which it uses for words missing from nltk's CMU dictionary (here: the dictionary is not installed)."""
    textstat = pytest.importorskip("textstat")
    from textstat.backend.counts import _count_syllables
    from templater import readability

    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: None)
    texts = {"en_US": ["Acme: Hi Ana, your order #12345 has shipped with UPS. It should arrive Thursday.",
                       "Don't miss it! We're open late; it's fine, isn't it? Reply STOP to opt out.",
                       "Notwithstanding considerations, the comprehensive methodology necessitates documentation."],
             "fr": ["Maison Lumi\u00e8re : avec le code JUIN15, b\u00e9n\u00e9ficiez de 15 \u20ac de r\u00e9duction.",
                    "Nonobstant les consid\u00e9rations, la m\u00e9thodologie n\u00e9cessite une documentation."]}
    for lang, items in texts.items():
        for text in items:
            expected = textstat.backend.metrics.flesch_reading_ease(text, lang)
            assert readability.flesch_reading_ease(text, lang[:2]) == pytest.approx(expected), text


WORDS = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz'\u00e9\u00e8\u00e7\u00efIE\u0130\u00df"),
                max_size=24)


@settings(max_examples=400, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=20))
def test_cached_patterns_count_syllables_as_pyphen_does(words):
    """readability.Patterns (what templater's cache keeps) against pyphen's own Pyphen.positions."""
    import pickle

    import pyphen
    from templater import readability

    for language in ("en", "fr"):
        patterns = pickle.loads(pickle.dumps(readability._patterns(language, readability._pyphen_file(language))))
        hyphenator = pyphen.Pyphen(lang=readability.PYPHEN_LANG[language])
        for word in [*words, "notwithstanding", "m\u00e9thodologie", "reimbursement", "a", ""]:
            assert patterns.syllables(word) == len(hyphenator.positions(word)) + 1, (language, word)


def test_readability_counts_without_importing_pyphen(write, tmp_path):
    """Once the patterns are cached, a score needs no pyphen import (the first run fills the cache)."""
    long = write("long.sms", template_source("Acme: notwithstanding the aforementioned considerations, the "
                                             "organization's comprehensive methodology necessitates documentation."))
    code = (
        "import sys\n"
        "from templater.cli import cli\n"
        "from click.testing import CliRunner\n"
        f"r = CliRunner().invoke(cli, ['lint', '--jobs', '1', '--format', 'json', {str(long)!r}])\n"
        "print('hard-to-read' in r.output, 'pyphen' in sys.modules)\n"
    )
    env = {**os.environ, "TEMPLATER_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("TEMPLATER_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            .stdout.split() for _ in range(2)]
    assert runs == [["True", "True"], ["True", "False"]]


def test_lint_start_up_never_imports_textstat_nltk_or_pyphen(write):
    short = write("short.sms", template_source("Acme: your order has shipped."))
    code = (
        "import sys\n"
        "from templater.cli import cli\n"
        "from click.testing import CliRunner\n"
        f"r = CliRunner().invoke(cli, ['lint', '--jobs', '1', {str(short)!r}])\n"
        "print(r.exit_code, sorted(m for m in ('textstat', 'nltk', 'pyphen') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == "0 []"  # too short to score: readability never loads pyphen


def test_caps_runs_skip_keywords_codes_and_short_acronyms(write):
    body = "Acme: FLASH SALE TODAY ONLY at the USA store, code SUMMER2024. Reply STOP HELP."
    _code, found = _lint_one(write, "spam-caps", body)
    assert [f["message"].split("'")[1] for f in found] == ["FLASH SALE TODAY ONLY"]
    assert (found[0]["line"], found[0]["column"]) == (5, 7)


def test_emoji_are_counted_as_people_see_them(write):
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    _code, ok = _lint_one(write, "spam-emoji", f"Acme: {family} {family} \U0001F1EB\U0001F1F7")
    _code, bad = _lint_one(write, "spam-emoji", f"Acme: {family} \U0001F389 \U0001F389 \U0001F525")
    assert ok == [] and [f["message"] for f in bad] == [
        "the message holds 4 emoji, more than 3: spam filters score emoji-heavy messages, and each one also forces UCS-2"]


def test_missing_in_reply_to_points_at_the_front_matter(write):
    path = write("t.sms", "---\ncategory: conversational\nlanguage: en\n---\nAcme: we open at 9am.")
    _code, findings = lint_json("--select", "missing-in-reply-to", str(path))
    assert [(f["line"], f["severity"]) for f in findings] == [(1, "warning")]


def test_sender_named_by_metadata_brand_must_appear(write):
    _code, found = _lint_one(write, "missing-sender", "Your order has shipped.", brand="Acme")
    assert [f["message"] for f in found] == [
        "the metadata's brand 'Acme' does not appear in the body: start the body with 'Acme: ' so recipients "
        "know who sends it"]


def test_bundled_library_stays_clean_under_every_rule():
    result = run_cli("lint", "--format", "json", "--fail-on", "info", "template_library")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_an_option_of_the_wrong_type_is_one_line_and_exit_2(write, tmp_path):
    write("packs/mine.yaml", "pack: mine\nlanguage: any\nrules:\n  - id: my-segments\n    kind: builtin\n"
          "    check: segment_count\n    severity: warning\n    options: {max_segments: three}\n"
          "    summary: s\n    message: m\n    doc: d\n    examples: {fail: [x], pass: [y]}\n")
    write(".templater.yaml", "rule_folders: [packs]\n")
    path = write("a.sms", template_source("Acme: hi."))
    result = run_cli("lint", str(path))
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "mine.yaml: rule 'my-segments': option 'max_segments' must be a whole number, not 'three'")
