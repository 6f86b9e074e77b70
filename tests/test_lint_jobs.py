"""`templater lint --jobs N`: the same findings in the same order whatever N is."""
from __future__ import annotations

from conftest import run_cli, template_source


def test_jobs_do_not_change_output(write, tmp_path):
    for i in range(80):
        body = "Your order has shipped." + (" Get 20% off next time!" if i % 3 == 0 else "")
        write(f"g{i % 7}/t{i:03d}.sms", template_source(body, id=f"t.{i % 75}"))
    outputs = [run_cli("lint", "--jobs", str(j), "--format", "json", str(tmp_path)) for j in (1, 2, 3)]
    assert all(o.exit_code == 1 for o in outputs)
    assert outputs[0].stdout == outputs[1].stdout == outputs[2].stdout
    assert outputs[0].stdout.count('"duplicate-id"') == 5 and outputs[0].stdout.count('"mixed-content"') == 27
