"""Markets decide the law (issue 21): through the CLI, each done-criterion."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import lint_json, run_cli, template_source

DATA = Path(__file__).parent / "data" / "recipients"
FR_BODY = "Maison Lumière : -20 % sur toute la boutique ce week-end. STOP au 36111"
US_RULES = {"missing-help", "missing-rates", "missing-frequency"}


def rules_fired(path: Path) -> set[str]:
    _code, findings = lint_json(str(path))
    return {f["rule"] for f in findings}


# Done when: a French promotional template for market fr with "STOP au 36111" and a sender has no
# HELP, rates or frequency findings; the same body for market us has them; fr-CA selects CASL's rules.

def test_a_french_promotion_for_market_fr_has_no_us_disclosure_findings(write):
    path = write("promo.sms", template_source(FR_BODY, "promotional", "fr", market="fr"))
    result = run_cli("lint", str(path))
    assert result.exit_code == 0 and "no findings" in result.stdout
    assert "note:" not in result.stderr  # the market is declared: nothing to say


def test_the_same_body_for_market_us_has_the_ctia_findings(write):
    path = write("promo.sms", template_source(FR_BODY, "promotional", "fr", market="us"))
    assert rules_fired(path) == US_RULES


def test_fr_ca_selects_casl_rules_and_not_the_us_ones(write):
    path = write("promo.sms", template_source(FR_BODY, "promotional", "fr-CA"))
    assert rules_fired(path) == {"missing-contact"}  # CASL s. 6(2)(b); no HELP, rates, frequency
    linked = write("linked.sms", template_source(FR_BODY + " Infos : maisonlumiere.ca/contact", "promotional", "fr-CA"))
    assert rules_fired(linked) == set()


def test_language_tag_regions_pick_the_market(write):
    body = "Acme: 20% off this weekend. Reply STOP to opt out."
    assert rules_fired(write("us.sms", template_source(body, "promotional", "en-US"))) == US_RULES
    assert rules_fired(write("gb.sms", template_source(body, "promotional", "en-GB"))) == set()  # PECR
    assert rules_fired(write("ca.sms", template_source(body, "promotional", "en-CA"))) == {"missing-contact"}
    # A multi-market program gets the rules of every market it declares.
    both = write("both.sms", template_source(body, "promotional", "en", market=["us", "ca"]))
    assert rules_fired(both) == US_RULES | {"missing-contact"}


def test_a_bare_language_defaults_and_lint_says_so_once_per_run(write):
    write("a.sms", template_source(FR_BODY, "promotional", "fr"))
    write("b.sms", template_source("Acme: your order has shipped.", "transactional", "en"))
    folder = write("c.sms", template_source(FR_BODY, "promotional", "fr")).parent
    result = run_cli("lint", str(folder))
    assert result.exit_code == 0, result.output
    assert result.stderr.count("note:") == 1
    assert "1 'en' as us, 2 'fr' as fr" in result.stderr
    assert "missing-help" not in result.stdout  # bare fr is market fr


def test_an_unknown_market_in_front_matter_is_invalid_metadata(write):
    path = write("promo.sms", template_source("Acme: your order has shipped.", "transactional", market=["us", "de"]))
    code, findings = lint_json(str(path))
    assert code == 1
    assert [(f["rule"], f["line"]) for f in findings] == [("invalid-metadata", 4)]
    assert "'de' is not a market templater knows (us, fr, ca, gb)" in findings[0]["message"]


def test_market_in_the_configuration_is_validated_shown_and_applied(write):
    config = write(".templater.yaml", "fail_on: warning\nmarket: [us, ca]\n")
    path = write("promo.sms", template_source(FR_BODY, "promotional", "fr"))
    shown = run_cli("config", str(config.parent), "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["values"]["market"] == {"value": ["us", "ca"], "source": f"{config}:2"}
    # The configured market governs templates whose tag names no region: no note, and US + CASL rules.
    result = run_cli("lint", str(path))
    assert "note:" not in result.stderr
    assert rules_fired(path) == US_RULES | {"missing-contact"}
    # A template's own tag region still wins over the configuration.
    assert rules_fired(write("fr.sms", template_source(FR_BODY, "promotional", "fr-FR"))) == set()
    config.write_text("market: usa\n", encoding="utf-8")
    bad = run_cli("lint", str(path))
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (f"templater: error: {config}:1: key 'market': 'usa' is not a market "
                                  "templater knows (us, fr, ca, gb)")


def test_a_rule_pack_naming_an_unknown_market_fails_to_load(write):
    write("house/mine.yaml", "pack: mine\nlanguage: any\nrules:\n  - id: house-rule\n    kind: requirement\n"
          "    markets: [us, de]\n    severity: warning\n    summary: s\n    message: m\n    doc: d\n"
          "    patterns: ['x']\n    examples: {fail: ['y'], pass: ['x']}\n")
    write(".templater.yaml", "rule_folders: [house]\n")
    path = write("t.sms", template_source("Acme: your order has shipped.", "transactional"))
    result = run_cli("lint", str(path))
    assert result.exit_code == 2
    assert "mine.yaml:6: rule 'house-rule': 'markets' 'de' is not a market templater knows" in result.stderr


def test_rules_show_each_rules_markets_with_a_source_per_requirement():
    listing = run_cli("rules")
    assert listing.exit_code == 0
    header = listing.stdout.splitlines()[0].split()
    assert header[:6] == ["RULE", "SEVERITY", "CATEGORY", "APPLIES", "TO", "MARKETS"]
    row = next(line.split() for line in listing.stdout.splitlines() if line.startswith("missing-help "))
    assert row[3:5] == ["all", "us"]  # applies to all categories, in the us market only
    data = {r["id"]: r for r in json.loads(run_cli("rules", "--format", "json").stdout)}
    assert data["missing-help"]["markets"] == ["us"] and "CTIA" in data["missing-help"]["sources"]["us"][0]
    assert data["missing-contact"]["markets"] == ["ca"] and "CASL s. 6(2)(b)" in data["missing-contact"]["sources"]["ca"][0]
    opt_out = data["missing-opt-out"]["sources"]
    assert set(opt_out) == {"us", "fr", "ca", "gb"}
    assert "L. 34-5" in opt_out["fr"][0] and "CASL" in opt_out["ca"][0] and "PECR" in opt_out["gb"][0]
    explained = run_cli("rules", "missing-rates").stdout
    assert "markets (us):" in explained and "us: CTIA" in explained


# Done when: a mixed US/FR/CA recipients file renders each row under its own market's gates,
# with wrong-market rejects counted.

PROMO = ("{{ brand }}: Hi {{ first_name }}, 20% off this weekend. Up to 4 msgs/month. Msg & data rates may "
         "apply. Reply HELP for help, STOP to opt out. Info: acme.example/contact")


def _render(tmp_path: Path, write, markets: list[str], send_at: str) -> tuple[dict, dict, str]:
    meta = {"market": markets, "variables": {"brand": {"example": "Acme"}, "first_name": {"example": "Ana"}}}
    template = write("promo.sms", template_source(PROMO, "promotional", "en", **meta))
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(template), "--recipients", str(DATA / "markets-us-fr-ca.csv"), "--out", str(out),
                     "--var", "brand=Acme", "--send-at", send_at, "--jobs", "1")
    assert result.exit_code == 0, result.output
    sent = {m["line"]: m for m in map(json.loads, out.read_text("utf-8").splitlines())}
    rejects = {r["line"]: r for r in map(json.loads, (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines())}
    return sent, rejects, result.stdout


def test_a_us_ca_program_rejects_french_rows_and_quiet_hours_follow_each_rows_market(tmp_path, write):
    # 02:30 UTC on a Tuesday: 22:30 in New York and Toronto, 20:30 in Montreal... and 04:30 in Paris.
    sent, rejects, summary = _render(tmp_path, write, ["us", "ca"], "2025-05-06T02:30:00Z")
    assert rejects[2]["reason"] == "quiet-hours"  # New York: the TCPA's window ends at 21:00
    assert rejects[2]["detail"] == "22:30 is outside 08:00-21:00 in America/New_York"
    assert set(sent) == {4, 5}                    # Canada: CASL sets no sending hours
    for line in (3, 6):
        assert rejects[line]["reason"] == "wrong-market"
    assert rejects[3]["detail"] == "FR number (market fr); the template is for ca, us"
    assert "  wrong-market                2" in summary and "  quiet-hours                 1" in summary


def test_a_us_fr_program_rejects_canadian_rows_and_keeps_french_sundays(tmp_path, write):
    # Sunday 14:00 UTC: 10:00 in New York, 16:00 in Paris: the French window closes on Sundays.
    sent, rejects, summary = _render(tmp_path, write, ["us", "fr"], "2025-05-04T14:00:00Z")
    assert set(sent) == {2}
    assert rejects[3]["reason"] == "quiet-hours" and rejects[3]["detail"].startswith("Sunday in the 'fr' profile")
    assert rejects[4]["reason"] == rejects[5]["reason"] == "wrong-market"
    assert rejects[4]["detail"] == "CA number (market ca); the template is for fr, us"
    assert rejects[6]["reason"] == "no-consent"   # the French row's own gate still applies
    assert "  wrong-market                2" in summary


def test_quiet_hours_help_is_written_from_the_markets_table():
    result = run_cli("render", "--help")
    text = " ".join(result.stdout.split())
    assert "each row's from its number's market (us tcpa, fr fr, ca none, gb none)" in text
    assert "fr (08:00-20:00, mon-sat, not public holidays)" in text


# docs/markets.md explains the model and lists every requirement with its source.

def test_docs_markets_md_is_generated_from_the_markets_table():
    result = run_cli("markets", "--markdown")
    assert result.exit_code == 0
    assert (Path(__file__).parent.parent / "docs" / "markets.md").read_text("utf-8") == result.stdout


def test_every_bundled_market_rule_cites_a_source_in_each_of_its_markets():
    from templater import api, markets

    ruleset = api.ruleset()
    known = markets.markets()
    for rule in ruleset.rules.values():
        for market in rule.markets or ():
            assert known[market].sources_for(rule.id), f"{rule.id} runs in {market} without a source"
    for market in known.values():
        for requirement in market.requirements:
            assert requirement.source.strip()
            for rule_id in requirement.rules:
                assert rule_id in ruleset.rules and ruleset.rules[rule_id].runs_in((market.id,)), rule_id
        topics = {r.topic for r in market.requirements}
        assert {"consent", "opt-out", "sender", "help", "frequency", "rates", "quiet hours"} <= topics


def test_markets_command_lists_each_requirement_with_its_source():
    result = run_cli("markets")
    assert result.exit_code == 0
    assert "ca  Canada" in result.stdout and "contact [missing-contact]" in result.stdout
    assert "source: CASL s. 6(2)(b)" in result.stdout
    assert "help: none" in result.stdout and "source: PECR says nothing of a HELP keyword" in result.stdout


def test_each_rows_consent_gate_is_its_markets(tmp_path, write):
    # Promotional consent per market (markets.yaml): US express_written, FR and GB express (opt-in),
    # CA implied (CASL s. 10(9): an existing business relationship). A Tuesday noon in New York.
    rows = ("phone,first_name,consent\n+12125550100,Ana,express\n+33612345678,Camille,express\n"
            "+14165550123,Olivia,implied\n+447400123456,Fiona,implied\n+447911123456,Gus,express\n")
    people = write("people.csv", rows)
    meta = {"market": ["us", "fr", "ca", "gb"], "variables": {"brand": {"example": "Acme"},
                                                               "first_name": {"example": "Ana"}}}
    template = write("promo.sms", template_source(PROMO, "promotional", "en", **meta))
    out = tmp_path / "out.jsonl"
    result = run_cli("render", str(template), "--recipients", str(people), "--out", str(out), "--var", "brand=Acme",
                     "--send-at", "2025-05-06T16:00:00Z", "--jobs", "1")
    assert result.exit_code == 0, result.output
    sent = {m["line"] for m in map(json.loads, out.read_text("utf-8").splitlines())}
    rejects = {r["line"]: r for r in map(json.loads, (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines())}
    assert sent == {3, 4}
    assert rejects[2]["detail"] == "consent is express; promotional messages need express_written"
    assert rejects[5]["detail"] == "consent is implied; promotional messages need express or express_written in market gb"
    # +44 7911 is Guernsey: a Crown dependency with its own law, not the UK's PECR.
    assert rejects[6]["reason"] == "wrong-market" and rejects[6]["detail"].startswith("GG number (no market")


def test_each_markets_opt_out_wording_passes_the_opt_out_rule_in_that_market(write):
    from templater import markets

    for market in markets.markets().values():
        wording = market.requirement("opt-out").wording
        assert wording, market.id
        for lang, text in wording.items():
            body = f"Acme: 20% off this weekend at acme.example/contact. {text}"
            path = write(f"{market.id}-{lang}.sms", template_source(body, "promotional", lang, market=market.id))
            _code, findings = lint_json("--select", "missing-opt-out", str(path))
            assert findings == [], (market.id, lang, text)
