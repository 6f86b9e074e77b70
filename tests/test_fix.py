"""`templater lint --fix` and `--diff`: safe fixes only, shown or written atomically."""
from __future__ import annotations

import json
import os
import stat

from conftest import run_cli, template_source

CURLY = "Acme: we\u2019re open until 8pm\u00a0today \u2013 see you soon.  \nA bient\u00f4t \u00e7a {{ \"l\u2019an\" }}"
STRAIGHT = "Acme: we're open until 8pm today - see you soon.\nA bient\u00f4t \u00e7a {{ \"l\u2019an\" }}"


def test_diff_shows_the_fixes_and_writes_nothing(write):
    path = write("open.sms", template_source(CURLY))
    before = path.read_bytes()
    result = run_cli("lint", "--diff", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- a/{path}\n+++ b/{path}\n")
    assert "-Acme: we\u2019re open until 8pm\u00a0today \u2013 see you soon.  \n" in result.stdout
    assert "+Acme: we're open until 8pm today - see you soon.\n" in result.stdout
    assert path.read_bytes() == before
    clean = write("clean.sms", template_source("Acme: see you soon."))
    again = run_cli("lint", "--diff", str(clean))
    assert (again.exit_code, again.stdout) == (0, "")


def test_fix_rewrites_only_safe_look_alikes_and_trailing_whitespace(write):
    path = write("open.sms", template_source(CURLY))
    result = run_cli("lint", "--fix", "--select", "ucs2-encoding,trailing-whitespace", "--format", "json", str(path))
    # Punctuation and spaces are replaced; letters (ô, ç) and text inside {{ }} are the writer's call.
    assert path.read_text(encoding="utf-8").endswith("---\n" + STRAIGHT)
    assert f"{path}: fixed: ucs2-encoding: 3 characters that force UCS-2 replaced by GSM look-alikes; " \
           "trailing-whitespace: trailing whitespace deleted" in result.stderr
    remaining = json.loads(result.stdout)  # the letters are still reported, for the writer to rephrase
    assert [f["rule"] for f in remaining] == ["ucs2-encoding"] and "\u00f4" in remaining[0]["message"]


def test_each_fix_is_made_only_where_its_rule_is_on(write):
    source = template_source(CURLY)
    path = write("open.sms", source)
    result = run_cli("lint", "--fix", "--ignore", "ucs2-encoding", "--select", "ucs2-encoding,trailing-whitespace",
                     str(path))
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == source.replace("soon.  \n", "soon.\n")  # whitespace only
    path.write_text(source, encoding="utf-8")
    assert run_cli("lint", "--fix", "--select", "mixed-content", str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") == source  # no rule that owns a fix ran: nothing changes


def test_fixes_of_several_rules_on_the_same_text_are_made_once(write):
    # The footer replaces the body's trailing blank lines and spaces, which trailing-whitespace
    # would delete too: the covering edit wins, and the result is what each rule asks for.
    write(".templater.yaml", "opt_out:\n  en: Reply STOP to opt out.\n")
    path = write("promo.sms", template_source("Acme: 30%\u00a0off  \ntoday.\u00a0 \n  \n\n", category="promotional"))
    result = run_cli("lint", "--fix", "--select", "missing-opt-out,trailing-whitespace,ucs2-encoding", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").endswith("---\nAcme: 30% off\ntoday.\nReply STOP to opt out.\n")
    assert (f"{path}: fixed: ucs2-encoding: 2 characters that force UCS-2 replaced by GSM look-alikes; "
            "trailing-whitespace: trailing whitespace deleted; missing-opt-out: footer added: "
            "'Reply STOP to opt out.'\n") in result.stderr


def test_a_fix_that_leaves_work_for_another_rule_is_followed_in_the_same_run(write):
    # Deleting the zero-width space (ucs2-encoding's fix) leaves the space before it trailing:
    # --fix lints its own result again and deletes it too, so a second run changes nothing.
    path = write("shipped.sms", template_source("Acme: your order has shipped. \u200b\nSee you."))
    result = run_cli("lint", "--fix", "--select", "ucs2-encoding,trailing-whitespace", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").endswith("---\nAcme: your order has shipped.\nSee you.")
    assert "ucs2-encoding: 1 character that forces UCS-2 replaced by GSM look-alikes; " \
           "trailing-whitespace: trailing whitespace deleted" in result.stderr
    again = run_cli("lint", "--diff", "--select", "ucs2-encoding,trailing-whitespace", str(path))
    assert (again.exit_code, again.stdout) == (0, "")


def test_fix_adds_the_configured_opt_out_footer(write, tmp_path):
    write(".templater.yaml", "opt_out:\n  fr: STOP SMS au 36111\n")
    path = write("promo.sms", template_source("Acme: -30 % sur tout le magasin.\n", category="promotional",
                                              language="fr"))
    result = run_cli("lint", "--fix", "--select", "missing-opt-out", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").endswith("---\nAcme: -30 % sur tout le magasin.\nSTOP SMS au 36111\n")
    assert "missing-opt-out: footer added: 'STOP SMS au 36111'" in result.stderr


def test_without_configured_wording_the_footer_is_left_to_the_writer(write):
    source = template_source("Acme: 30% off everything today.", category="promotional")
    path = write("promo.sms", source)
    result = run_cli("lint", "--fix", "--select", "missing-opt-out", str(path))
    assert result.exit_code == 1 and path.read_text(encoding="utf-8") == source
    assert "not fixed: missing-opt-out: no wording configured for 'en' (set opt_out.en in .templater.yaml" in result.stderr
    assert "missing-opt-out" in result.stdout


def test_a_suppressed_finding_is_not_fixed(write):
    write(".templater.yaml", "opt_out:\n  en: Reply STOP to opt out.\n")
    source = template_source("{# templater: disable=missing-opt-out #}Acme: 30% off today.", category="promotional")
    path = write("promo.sms", source)
    assert run_cli("lint", "--fix", "--select", "missing-opt-out", str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") == source


def test_rewrites_are_atomic_and_keep_line_ends_bom_and_mode(write, tmp_path):
    text = template_source("Acme: it\u2019s ready.  \nSee you.")
    path = write("crlf.sms", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    assert run_cli("lint", "--fix", "--select", "ucs2-encoding,trailing-whitespace", str(path)).exit_code == 0
    fixed = path.read_bytes()
    assert fixed == b"\xef\xbb\xbf" + text.replace("\u2019", "'").replace("  \n", "\n").replace("\n", "\r\n").encode()
    # A new file took the old one's name (os.replace): a reader never sees a half-written file.
    assert path.stat().st_ino != inode and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crlf.sms"]


def test_a_file_that_does_not_parse_is_left_alone(write):
    path = write("broken.sms", "no front matter \u2019 here  \n")
    result = run_cli("lint", "--fix", str(path))
    assert result.exit_code == 1 and path.read_text(encoding="utf-8") == "no front matter \u2019 here  \n"
    assert "not fixed: the file does not parse" in result.stderr
