"""Inline suppression: `{# templater: disable=... #}` and `disable-next-line`, and unused ones reported."""
from __future__ import annotations

from conftest import lint_json, run_cli, template_source

PROMO = "Acme: 30% off everything today."          # promotional without opt-out: missing-opt-out
MIXED = "Acme: your order has shipped. Get 20% off next time."   # transactional: mixed-content
# Each test runs the rules it is about and unused-suppression, so that other rules cannot interfere.
ONLY = ("--select", "missing-opt-out,mixed-content,duplicate-id,unused-suppression")


def _rules(findings: list[dict]) -> list[tuple[str, int]]:
    return [(f["rule"], f["line"]) for f in findings]


def test_disable_silences_a_rule_in_the_whole_file(write):
    path = write("promo.sms", template_source(PROMO + "\n{# templater: disable=missing-opt-out #}",
                                              category="promotional"))
    assert lint_json(*ONLY, str(path)) == (0, [])


def test_disable_next_line_silences_only_the_line_after_it(write):
    body = f"{{# templater: disable-next-line=mixed-content -#}}\n{MIXED}\n{MIXED}"
    path = write("mixed.sms", template_source(body))
    code, findings = lint_json(*ONLY, str(path))
    # front matter: ---, category, language, --- ; the comment is line 5, the silenced line 6.
    assert code == 1 and _rules(findings) == [("mixed-content", 7)]


def test_one_directive_can_name_several_rules(write):
    head = {"variables": {"coupon": {"example": "X"}}}
    body = "{# templater: disable=mixed-content, unused-variable #}" + MIXED
    path = write("two.sms", template_source(body, **head))
    assert lint_json(*ONLY, "--select", "unused-variable", str(path)) == (0, [])
    # mixed-content does not apply to a promotional template: that half of the directive is unused.
    body = "{# templater: disable=mixed-content, missing-opt-out #}" + PROMO
    path = write("half.sms", template_source(body, category="promotional"))
    code, findings = lint_json(*ONLY, str(path))
    assert _rules(findings) == [("unused-suppression", 5)] and "'mixed-content' reports nothing" in findings[0]["message"]


def test_a_suppression_that_suppresses_nothing_is_reported_where_it_is(write):
    body = "Acme: your order has shipped.\n  {# templater: disable-next-line=mixed-content #}\nAcme: see you soon."
    code, findings = lint_json(*ONLY, str(write("unused.sms", template_source(body))))
    assert code == 0 and len(findings) == 1
    f = findings[0]
    assert (f["rule"], f["severity"], f["line"], f["column"]) == ("unused-suppression", "warning", 6, 3)
    assert "'mixed-content' reports nothing on line 7" in f["message"]


def test_misspelled_rules_and_unreadable_directives_are_reported(write):
    body = "{# templater: disable=mising-opt-out #}{# templater: disabel=mixed-content #}Acme: your order has shipped."
    code, findings = lint_json(*ONLY, str(write("typo.sms", template_source(body))))
    messages = [f["message"] for f in findings]
    assert [f["rule"] for f in findings] == ["unused-suppression"] * 2
    assert "there is no rule 'mising-opt-out'" in messages[0]
    assert "not a templater directive" in messages[1]


def test_a_directive_for_a_rule_switched_off_is_not_judged(write):
    body = "Acme: your order has shipped.{# templater: disable=mixed-content #}"
    path = write("off.sms", template_source(body))
    assert lint_json(*ONLY, "--ignore", "mixed-content", str(path)) == (0, [])
    assert _rules(lint_json(*ONLY, str(path))[1]) == [("unused-suppression", 5)]


def test_unused_suppression_can_itself_be_silenced(write):
    body = "{# templater: disable=unused-suppression #}{# templater: disable=no-such-rule #}Acme: shipped."
    assert lint_json(*ONLY, str(write("quiet.sms", template_source(body)))) == (0, [])


def test_run_level_findings_are_suppressed_too(write, tmp_path):
    write("a.sms", template_source("Acme: your order has shipped.", id="same"))
    write("b.sms", template_source("Acme: your order has shipped.{# templater: disable=duplicate-id #}", id="same"))
    assert lint_json(*ONLY, str(tmp_path)) == (0, [])


def test_suppression_comments_never_reach_the_message(write):
    body = "{# templater: disable=unused-variable #}Acme: your order has shipped.\n" \
           "{# templater: disable-next-line=mixed-content -#}\nSee you soon."
    path = write("render.sms", template_source(body))
    result = run_cli("render", str(path))
    assert result.exit_code == 0 and result.stdout == "Acme: your order has shipped.\nSee you soon.\n"


def test_a_whole_file_suppression_holds_for_the_rendered_message_too(write):
    path = write("promo.sms", template_source("{# templater: disable=missing-opt-out #}" + PROMO, category="promotional"))
    result = run_cli("render", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "missing-opt-out" not in result.stdout
