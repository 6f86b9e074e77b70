"""Known Jinja2 server-side template injection payloads, through `templater render` and `lint`.

The payloads come from public SSTI references (PayloadsAllTheThings' Jinja2 section, the Jinja2
sandbox advisories CVE-2016-10745, CVE-2019-10906, CVE-2024-56326 and CVE-2025-27516, and the
context-free `cycler`/`joiner`/`namespace`/`lipsum` walks). Each one tries to create a canary file;
each must end in a clear one-line error (render) or a finding (lint), and the canary must stay
absent.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import meta

from conftest import run_cli, template_source
from templater.jinja import sandbox

CMD = "touch {canary}"
# The lint rules that refuse these templates before the sandbox sees them.
LINT_STOPS = ("undeclared-variable", "example-render", "jinja-syntax", "placeholder-leftover", "unsafe-template")

PAYLOADS = {
    # attribute walks to object.__subclasses__ and on to a file or a shell
    "mro-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "mro-file-write": "{{ ''.__class__.__mro__[2].__subclasses__()[40]('{canary}', 'w').write('x') }}",
    "base-subclasses": "{{ [].__class__.__base__.__subclasses__() }}",
    "bases-subclasses": "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "mro-method": "{{ x.__class__.mro()[1].__subclasses__() }}",
    "no-underscore-walk": "{{ [].class.base.subclasses() }}",
    "catch-warnings-eval": "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == "
                           "'catch_warnings' %}{{ c.__init__.__globals__['__builtins__'].eval(\"__import__"
                           "('os').system('" + CMD + "')\") }}{% endif %}{% endfor %}",
    "warning-module-builtins": "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in "
                               "x.__name__ %}{{ x()._module.__builtins__['__import__']('os').popen('"
                               + CMD + "').read() }}{% endif %}{% endfor %}",
    "subclass-sys-modules": "{{ x.__class__.__mro__[1].__subclasses__()[0].__init__.__globals__['sys']"
                            ".modules['os'].system('" + CMD + "') }}",
    "subprocess-popen": "{{ ''.__class__.mro()[1].__subclasses__()[396]('" + CMD + "', shell=True) }}",
    # __globals__ and __builtins__ through the template's own objects
    "self-globals-builtins": "{{ self.__init__.__globals__.__builtins__.__import__('os').popen('"
                             + CMD + "').read() }}",
    "self-dict": "{{ self.__dict__ }}",
    "self-context-cycler": "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('"
                           + CMD + "').read() }}",
    "self-context-joiner": "{{ self._TemplateReference__context.joiner.__init__.__globals__.os.popen('"
                           + CMD + "').read() }}",
    "self-context-namespace": "{{ self._TemplateReference__context.namespace.__init__.__globals__.os"
                              ".popen('" + CMD + "').read() }}",
    "loop-globals": "{% for a in [1] %}{{ loop.__class__.__init__.__globals__['os'].system('"
                    + CMD + "') }}{% endfor %}",
    "macro-func-globals": "{% macro m() %}{% endmacro %}{{ m._func.__globals__['os'].system('"
                          + CMD + "') }}",
    "range-globals": "{{ range.__globals__['os'].system('" + CMD + "') }}",
    "getattribute": "{{ x.__getattribute__('__class__') }}",
    "reduce-ex": "{{ x.__reduce_ex__(2) }}",
    "subscript-dunder": "{{ ''['__class__']['__mro__'] }}",
    # Jinja2's default globals, the context-free escapes
    "cycler": "{{ cycler.__init__.__globals__.os.popen('" + CMD + "').read() }}",
    "joiner": "{{ joiner.__init__.__globals__.os.popen('" + CMD + "').read() }}",
    "namespace": "{{ namespace.__init__.__globals__.os.popen('" + CMD + "').read() }}",
    "namespace-instance": "{% set ns = namespace(a=1) %}{{ ns.__init__.__globals__.os.system('"
                          + CMD + "') }}",
    "lipsum-os": "{{ lipsum.__globals__['os'].popen('" + CMD + "').read() }}",
    "lipsum-open": "{{ lipsum.__globals__.__builtins__.open('{canary}', 'w').write('x') }}",
    "dict-subclasses": "{{ dict(a=1).__class__.__base__.__subclasses__() }}",
    # Flask's globals, which a template here does not have
    "config-globals": "{{ config.__class__.__init__.__globals__['os'].popen('" + CMD + "').read() }}",
    "config-from-pyfile": "{{ config.from_pyfile('{canary}') }}",
    "request-application": "{{ request.application.__globals__.__builtins__.__import__('os').popen('"
                           + CMD + "').read() }}",
    "request-subscript": "{{ request['__class__'] }}",
    "url-for-globals": "{{ url_for.__globals__.os.system('" + CMD + "') }}",
    "flashed-messages-open": "{{ get_flashed_messages.__globals__.__builtins__.open('{canary}', 'w') }}",
    # |attr filter bypasses (no dot, no underscore, no bracket)
    "attr-class": "{{ request|attr('__class__') }}",
    "attr-join": "{{ request|attr(['_'*2, 'class', '_'*2]|join) }}",
    "attr-hex-chain": "{{ request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f')|attr("
                      "'\\x5f\\x5fgetitem\\x5f\\x5f')('\\x5f\\x5fbuiltins\\x5f\\x5f')|attr('\\x5f\\x5f"
                      "getitem\\x5f\\x5f')('\\x5f\\x5fimport\\x5f\\x5f')('os')|attr('popen')('"
                      + CMD + "')|attr('read')() }}",
    "attr-format": "{{ '{0.__class__}'|attr('format')(x) }}",  # CVE-2025-27516
    "map-attribute": "{{ x.__class__.__base__.__subclasses__()|map(attribute='__name__')|list }}",
    # format-string tricks
    "str-format": "{{ '{0.__class__.__mro__[1].__subclasses__}'.format(x) }}",  # CVE-2016-10745
    "str-format-globals": "{{ '{0.__init__.__globals__[os]}'.format(self) }}",
    "format-map": "{{ '{a.__class__.__base__}'.format_map({'a': x}) }}",  # CVE-2019-10906
    "format-indirect": "{% set f = '{0.__class__.__base__.__subclasses__}'.format %}{{ f(x) }}",  # CVE-2024-56326
    "printf-filter": "{{ '%s'|format(x.__class__.__mro__) }}",
    "printf-operator": "{{ '%(a)s' % {'a': x} }}",
    # other files
    "include": "{% include '/etc/passwd' %}",
    "extends": "{% extends '/etc/passwd' %}",
    "import": "{% import 'os' as os %}{{ os.system('" + CMD + "') }}",
    "debug-tag": "{% debug %}",
}


def _body(payload: str, canary: Path) -> str:
    return payload.replace("{canary}", str(canary))


def _free_names(body: str) -> list[str]:
    return sorted(meta.find_undeclared_variables(sandbox.environment().parse(body)))


def test_there_are_at_least_thirty_payloads():
    assert len(PAYLOADS) >= 30


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_render_stops_each_payload_with_one_line_and_no_side_effect(name, tmp_path):
    canary = tmp_path / "canary"
    body = _body(PAYLOADS[name], canary)
    path = tmp_path / f"{name}.sms"
    path.write_text(template_source("Hi " + body), encoding="utf-8")
    try:
        names = _free_names(body)
    except Exception:  # noqa: BLE001 - a body that does not parse needs no values
        names = []
    # Give every free name a value, so the sandbox, not a missing variable, is what stops it.
    values = [arg for n in names for arg in ("--var", f"{n}=x")]
    # Render refuses what lint refuses (exit 1, the finding, nothing rendered) ...
    refused = run_cli("render", str(path), *values)
    assert refused.exit_code in (1, 2) and refused.stdout == ""
    assert not canary.exists()
    # ... and with the lint rules that see it switched off, the sandbox still stops it.
    config = tmp_path / "lax.yaml"
    config.write_text(f"ignore: [{', '.join(LINT_STOPS)}]\n", encoding="utf-8")
    result = run_cli("render", str(path), *values, "--config", str(config))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("templater: error: ") and str(path) in lines[0], lines
    assert "Traceback" not in result.output and result.stdout == ""
    assert not canary.exists()


def test_lint_reports_every_payload_and_runs_none(tmp_path):
    canary = tmp_path / "canary"
    folder = tmp_path / "payloads"
    folder.mkdir()
    for name, payload in PAYLOADS.items():
        (folder / f"{name}.sms").write_text(template_source("Hi " + _body(payload, canary)), encoding="utf-8")
    result = run_cli("lint", "--format", "json", str(folder))
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.stdout)
    stopped = {Path(f["path"]).stem for f in findings if f["rule"] in ("example-render", "jinja-syntax")}
    assert stopped == set(PAYLOADS)
    assert not canary.exists()


def test_jinja_default_globals_are_gone():
    """lipsum, cycler, joiner, namespace and dict are removed: only the bounded range is left."""
    env = sandbox.environment()
    assert set(env.globals) == {"range"}
    for name in ("lipsum", "cycler", "joiner", "namespace", "dict"):
        template = sandbox.compile_ast(env.parse("{{ %s }}" % name), "t")
        with pytest.raises(Exception, match=f"'{name}' is undefined"):
            sandbox.render_bounded(template, {})


@pytest.mark.parametrize("name", sandbox.REMOVED_FILTERS)
def test_removed_filters_are_a_syntax_error(name, write):
    path = write("t.sms", template_source("Hi {{ first_name|%s }}" % name,
                                          variables={"first_name": {"example": "Ana"}}))
    result = run_cli("render", str(path), "--example")
    assert result.exit_code == 1 and "error jinja-syntax" in result.stderr and f"No filter named '{name}'" in result.stderr
