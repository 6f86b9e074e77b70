"""Resource bounds: huge numbers, values, loops, recursion and output end in a clear error, fast."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from conftest import run_cli, template_source
from templater.jinja import limits, sandbox

NESTED_LOOPS = ("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                "{% endfor %}{% endfor %}{% endfor %}")

# body -> words the one-line error must hold
ATTACKS = {
    "range": ("{{ range(10**9)|length }}", "over the limit"),
    "repeat-string": ("{{ 'a' * 10**9 }}", "over the limit"),
    "repeat-list": ("{{ [1, 2] * 10**9 }}", "over the limit"),
    "repeat-by-reference": ("{% set s = 'a' * 5000 %}{{ ([s] * 1000)|length }}", "over the limit"),
    "doubling-join": ("{% set a = 'a' * 9000 %}{% set b = a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a ~ a %}"
                      "{{ b|length }}", "'~' builds a value"),
    "concat-plus": ("{% set a = 'a' * 9000 %}{% set a = a + a + a + a + a + a + a + a + a + a + a + a %}"
                    "{{ a|length }}", "concatenation"),
    "power": ("{{ 2 ** (10 ** 9) }}", "exponent"),
    "power-chain": ("{{ ((10 ** 60) ** 60) ** 60 }}", "bits"),
    "product-chain": ("{% set n = 10 ** 60 %}" + "{% set n = n * n %}" * 6 + "{{ n }}",
                      "bits"),
    "nested-loops": (NESTED_LOOPS, "loop iterations"),
    "loop-over-text": ("{% set s = 'a' * 9000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
                       "loop iterations"),
    "recursive-macro": ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}", "too deeply"),
    "fan-out-macro": ("{% macro m(n) %}{% if n < 40 %}{{ m(n + 1) }}{{ m(n + 1) }}{% endif %}{% endmacro %}"
                      "{{ m(0) }}", "loop iterations and calls"),
    "recursive-block": ("{% block a %}{{ self.a() }}{% endblock %}", "too deeply"),
    "set-block": ("{% set s %}{% for i in range(1000) %}{{ 'a' * 9000 }}{% endfor %}{% endset %}{{ s|length }}",
                  "set %} block"),
    "macro-body": ("{% macro m() %}{% for i in range(1000) %}{{ 'a' * 9000 }}{% endfor %}{% endmacro %}"
                   "{{ m()|length }}", "macro"),
    "format-width": ("{{ '{:>999999999}'.format(1) }}", "format specification"),
    "format-nested-width": ("{{ '{:>{w}}'.format(1, w='999999999') }}", "format specification"),
    "format-fan-out": ("{{ ('{0}' * 3000).format('a' * 9000) }}", "str.format"),
    "printf-width": ("{{ '%999999999s'|format(1) }}", "% format"),
    "center": ("{{ 'a'|center(10**9) }}", "over the limit"),
    "replace-method": ("{{ ('a' * 9000).replace('a', 'b' * 9000) }}", "replace()"),
    "replace-filter": ("{{ ('a' * 9000)|replace('a', 'b' * 9000) }}", "'replace' filter"),
    "join-method": ("{{ ('b' * 9000).join('a' * 9000) }}", "join()"),
    "join-filter": ("{{ ('a' * 9000)|list|join('b' * 9000) }}", "'join' filter"),
    "indent": ("{{ ('\n' * 9000)|indent(9000) }}", "'indent' filter"),
    "indent-string": ("{{ ('\n' * 9000)|indent('x' * 9000) }}", "'indent' filter"),
    "wordwrap": ("{{ ('a ' * 4000)|wordwrap(1, wrapstring='x' * 9000) }}", "'wordwrap' filter"),
    "expandtabs": ("{{ ('\t' * 9000).expandtabs(9000) }}", "expandtabs()"),
    "map-amplify": ("{{ ('a' * 9000)|list|map('center', 9000)|join }}", "over the limit"),
    "print-big-value": ("{% set s = 'a' * 9000 %}{{ [s, s, s, s, s, s, s, s, s, s, s, s] }}", "printed value"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_render_stops_each_attack_with_a_clear_error(name, write):
    body, words = ATTACKS[name]
    path = write(f"{name}.sms", template_source("Hi " + body))
    # The lint rules that would refuse some of these before rendering are off: the bound is tested.
    lax = write("lax.yaml", "ignore: [placeholder-leftover, unsafe-template, example-render]\n")
    result = run_cli("render", str(path), "--max-output", "100000", "--config", str(lax))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and words in lines[0], lines


def test_lint_reports_each_attack_as_a_finding(tmp_path):
    for name, (body, _words) in ATTACKS.items():
        (tmp_path / f"{name}.sms").write_text(template_source("Hi " + body), encoding="utf-8")
    result = run_cli("lint", "--format", "json", str(tmp_path))
    flagged = {f["path"].rsplit("/", 1)[-1][:-4] for f in json.loads(result.stdout)
               if f["rule"] == "example-render"}
    assert flagged == set(ATTACKS)


def test_nested_loops_end_in_a_separate_process_well_within_the_guard(write):
    """A hang detector, not a speed target: the step budget ends the loop long before 20 s."""
    path = write("loops.sms", template_source("Hi " + NESTED_LOOPS))
    proc = subprocess.run([sys.executable, "-m", "templater.cli", "render", str(path)],
                          capture_output=True, text=True, timeout=20)
    assert proc.returncode == 2 and "loop iterations" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def _render(body: str, values: dict | None = None, max_output: int = 1600) -> str:
    template = sandbox.compile_ast(sandbox.environment().parse(body), "t")
    return sandbox.render_bounded(template, values or {}, max_output)


def test_step_budget_holds_in_a_thread_where_sigalrm_cannot_reach():
    outcome: list[BaseException] = []

    def work() -> None:
        try:
            _render(NESTED_LOOPS)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the render in a worker thread never ended"
    assert isinstance(outcome[0], limits.TooManySteps)


def test_each_render_gets_its_own_step_budget():
    body = "{% for i in range(1000) %}{% for j in range(6) %}{% endfor %}{% endfor %}"
    for _ in range(3):  # 9,002 steps each: would fail on the second if budgets were shared
        assert _render(body) == ""


def test_deadline_stops_work_that_spends_no_steps():
    with pytest.raises(limits.RenderTimeout):
        with limits.deadline(0.2):
            while True:
                pass


def test_output_is_capped_while_rendering_not_after(write):
    # If the cap were applied to the finished text, the division by zero would be the error.
    path = write("t.sms", template_source("{% for i in range(1000) %}ab{% endfor %}{{ 1 / 0 }}"))
    result = run_cli("render", str(path), "--max-output", "100")
    assert result.exit_code == 2 and "100-character limit" in result.stderr


def test_max_output_is_configurable(write):
    path = write("t.sms", template_source("{% for i in range(30) %}ab{% endfor %}"))
    assert run_cli("render", str(path), "--max-output", "60").exit_code == 0
    result = run_cli("render", str(path), "--max-output", "59")
    assert result.exit_code == 2 and "59-character limit" in result.stderr


def test_ordinary_templates_stay_within_every_bound():
    body = ("{% for item in items %}{{ loop.index }}. {{ item|upper }}{{ ', ' if not loop.last }}{% endfor %}"
            " - {{ '{:>6}'.format(total) }} {{ '%.2f'|format(price) }} {{ name ~ '!' }} "
            "{{ (name * 2)|replace('a', 'o') }} {{ ['x', 'y']|join('/') }} {{ 20000|abs }}")
    out = _render(body, {"items": ["a", "b"], "total": 12, "price": 3.5, "name": "Ana"})
    assert out == "1. A, 2. B -     12 3.50 Ana! AnoAno x/y 20000"


def test_each_intercepted_operator_computes_its_own_operation():
    # The sandbox intercepts exactly the operators of its table, and each computes what Python's
    # own operator does on ordinary operands: a template sees the usual arithmetic.
    assert sandbox.BoundedSandbox.intercepted_binops == frozenset(sandbox.BINOPS)
    assert _render("{{ 7 ** 2 }} {{ 7 * 2 }} {{ 7 + 2 }} {{ 7 % 2 }} {{ 7 // 2 }} {{ 7 / 2 }} {{ 7 - 2 }}") \
        == "49 14 9 1 3 3.5 5"
    assert _render("{{ s * 2 }} {{ s + 'c' }} {{ ([1] + [2])|join(',') }} {{ n // 2 }}", {"s": "ab", "n": 9}) \
        == "abab abc 1,2 4"


def test_an_intercepted_operator_missing_from_the_table_is_refused_not_computed_as_another():
    # Before the table, any intercepted operator without its own branch fell through to a // b.
    class Wider(sandbox.BoundedSandbox):
        intercepted_binops = frozenset({*sandbox.BINOPS, "-", "/"})

    env = Wider()
    template = env.from_string("{{ 7 - 2 }}")
    with pytest.raises(sandbox.SecurityError, match="operator '-' is not allowed"):
        sandbox.render_bounded(template, {})
    with pytest.raises(sandbox.SecurityError, match="operator '/' is not allowed"):
        sandbox.render_bounded(env.from_string("{{ 7 / 2 }}"), {})
    assert sandbox.render_bounded(env.from_string("{{ 7 // 2 }}"), {}) == "3"


def test_the_one_alarm_arms_per_row_and_leaves_a_callers_alarm_alone():
    import signal
    import time

    with limits.Alarm(0.2) as arm:  # the bulk renderer's use: the handler once, the timer per row
        for _ in range(2):
            arm(True)
            with pytest.raises(limits.RenderTimeout, match="longer than 0.2 s"):
                while True:
                    pass
            arm(False)
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)  # a caller's own alarm (libFuzzer's -timeout)
        with limits.deadline(0.05):
            time.sleep(0.1)  # the deadline stands aside: no RenderTimeout, the caller's alarm stays set
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0
        time.sleep(0.4)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
