"""The import graph of src/segstat has no cycle.

Every ``import``/``from ... import`` counts, at module level or inside a function (a function-level import
that only hides a cycle is still a cycle), and so do imports under ``TYPE_CHECKING``. Importing a submodule
runs its packages' ``__init__`` too, but those edges are the language's, not the code's, and are left out.
"""

from __future__ import annotations

import ast
import pathlib

import segstat

ROOT = pathlib.Path(segstat.__file__).parent


def _module_name(path: pathlib.Path, root: pathlib.Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: pathlib.Path = ROOT) -> dict[str, set[str]]:
    """module -> the segstat modules it imports anywhere in its source."""
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in files:        # from . import datasets
                        deps.add(sub)
                    elif target in files:   # from .registry import areas
                        deps.add(target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in files)
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_function_level_and_relative_imports():
    graph = import_graph()
    # module level, relative
    assert "segstat.geography.registry" in graph["segstat.geography.locate"]
    # inside a function: locate() imports the Dask adapter only for Dask input
    assert "segstat.geography._dask_locate" in graph["segstat.geography.locate"]
    # "from . import datasets" names a module
    assert "segstat.datasets" in graph["segstat.demo"]


def test_cycle_finder_finds_a_planted_cycle(tmp_path):
    pkg = tmp_path / "segstat"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n")  # hidden in a function
    (pkg / "c.py").write_text("from . import a\n")
    assert cycles(import_graph(pkg)) == [["segstat.a", "segstat.sub.b"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []
