"""Front matter built the short way has the values (and types, and errors) PyYAML's constructor gives."""
from __future__ import annotations

from pathlib import Path

from templater import template

ROOT = Path(__file__).resolve().parent.parent
TRICKY = [
    "a: 1\nb: [1, 2.5, null, ~, true, yes, on, 0x1f, 0o17, 1_000, .inf, -.nan, 2024-01-02, 2024-01-02 10:00:00, !!binary aGk=]",
    "a: 2024-13-45\nb: 2024-14-01", "a: !!int abc", "<<: {a: 1}\nb: 2", "a: &x 1\nb: *x", "? [1, 2]\n: 3", "? {a: 1}\n: 2",
    "a: !!set {x, y}", "a: !!omap [{x: 1}]", "a: !!python/name:os.system", "= : 1", "a: {=: 1}",
    "1: 2\n1: 3\n2.0: x\nnull: y\ntrue: z", "a: !!str 12\nb: !!float 1", "a: |\n  line\n  two\nc: >\n  fold\n  ed",
    "a: &y {b: 1}\nc: d", "x: !custom 1", "a: [1, [2, [3, {b: c}]]]", "a:\n- 1\n- b: 2\n  c: [x]",
]


def _typed(value):
    if isinstance(value, dict):
        return "dict", [(_typed(k), _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return "list", [_typed(v) for v in value]
    return type(value).__name__, repr(value)


def _build(text: str, construct) -> tuple:
    loader = template.SafeLoader(text)
    try:
        return _typed(construct(loader, loader.get_single_node()))
    except Exception as exc:  # noqa: BLE001 - the error itself is compared
        return "error", type(exc).__name__, str(exc)
    finally:
        loader.dispose()


def test_values_match_the_constructors():
    heads = [p.read_text(encoding="utf-8").split("\n---\n")[0].removeprefix("---\n")
             for p in (ROOT / "template_library").rglob("*.sms")]
    for text in [*heads, *TRICKY]:
        short = _build(text, lambda loader, node: template._construct(loader, node, text))
        assert short == _build(text, lambda loader, node: loader.construct_document(node)), text
