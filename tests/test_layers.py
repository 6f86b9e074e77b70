"""No import cycle between modules, nor between templater's packages and top-level modules (a
package counted as one module with all it holds). import-linter's acyclic_siblings contract
(pyproject.toml, run by .ci/run) checks the second too; the suite checks both without it."""
from __future__ import annotations

import grimp


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _graph() -> dict[str, set[str]]:
    graph = grimp.build_graph("templater", exclude_type_checking_imports=True)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def test_the_cycle_finder_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back():
    edges = _graph()
    assert len(edges) > 80  # the whole package was read
    assert _cycles(edges) == []



def test_no_package_imports_itself_back():
    """templater.rulepacks (the rule data) and templater.checks (the Python checks, which read the
    engine's LintContext) were one package, so the package imported context.py, which imported it."""
    top = {}
    for module, imported in _graph().items():
        here = ".".join(module.split(".")[:2])
        top.setdefault(here, set()).update(".".join(m.split(".")[:2]) for m in imported)
    edges = {name: {m for m in found if m != name and m in top} for name, found in top.items()}
    assert {"templater.rulepacks", "templater.checks", "templater.context"} <= set(edges)
    assert _cycles(edges) == []
