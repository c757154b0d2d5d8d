"""The package's import graph follows docs/house.md: no upward edge, no cycle.

Every ``.py`` under ``pqstats/`` is parsed with :mod:`ast`; each ``import`` (at module level
or inside a function) becomes an edge from its module to the ``pqstats`` module it names.
Each module has the layer of the table below, which mirrors the table in docs/house.md
(change both together).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pqstats"

#: Layer of each top-level module or package of pqstats, from the bottom up (house.md).
LAYERS: dict[str, int] = {
    **dict.fromkeys(("_version", "_settings", "_checks", "_io", "_progress", "_fetch",
                     "_extras", "_choices", "_lazy", "_sentence", "_estimators", "_boosting",
                     "_calibrators", "_cluster"), 0),
    "knowledge": 1,
    "screens": 2,
    "features": 3,
    "enrichment": 3,
    "models": 4,
    **dict.fromkeys(("evaluation", "calibration", "knockdown_view", "oracles"), 5),
    "fit_cache": 6,
    **dict.fromkeys(("predict", "explain", "prioritise", "learning_curve", "best_cells",
                     "summer"), 7),
    "report": 8,
    "benchmark": 9,
    "cli": 10,
}
CLI = LAYERS["cli"]
TOP = CLI + 1  # pqstats/__init__.py: the flat public API


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int:
    """The layer of a module: its top-level unit's, except argument parsing (``cli``
    modules anywhere, ``*_cli`` modules), which is the cli layer's."""
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    if any(p == "cli" or p.endswith("_cli") for p in parts[1:]):
        return CLI
    if parts[1] not in LAYERS:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS here and to the "
                             "table in docs/house.md")
    return LAYERS[parts[1]]


def _target(name: str) -> str | None:
    """The pqstats module ``name`` names (a module, or the package holding a name)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str, top_level_only: bool = False) -> set[str]:
    """The pqstats modules that ``module`` imports (function-level imports included
    unless ``top_level_only``)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nodes = []
    if top_level_only:  # statements of the module body, inside if / try blocks too
        stack = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                nodes.append(node)
            elif isinstance(node, (ast.If, ast.Try)):
                stack += [*node.body, *node.orelse,
                          *(n for h in getattr(node, "handlers", []) for n in h.body),
                          *getattr(node, "finalbody", [])]
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            names = [f"{origin}.{a.name}" for a in node.names]
        for name in names:
            target = _target(name) if name.split(".")[0] == "pqstats" else None
            if target is not None and target != module:
                found.add(target)
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_every_module_has_a_layer():
    assert "pqstats.fit_cache" in MODULES and "pqstats.report.tables" in MODULES
    for module in MODULES:
        layer(module)


def test_no_module_imports_from_a_layer_above_it():
    upward = [f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})"
              for m in MODULES for t in sorted(imports(m)) if layer(t) > layer(m)]
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules_at_module_level():
    graph = {m: imports(m, top_level_only=True) for m in MODULES}
    cycle = _cycle(graph)
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_between_packages():
    def unit(module: str) -> str:
        return ".".join(module.split(".")[:2])

    graph: dict[str, set[str]] = {}
    for m in MODULES:
        if m == "pqstats" or layer(m) == CLI:
            continue  # the flat API and argument parsing sit above every package
        graph.setdefault(unit(m), set()).update(
            unit(t) for t in imports(m) if unit(t) != unit(m))
    cycle = _cycle(graph)
    assert cycle is None, "import cycle between packages: " + " -> ".join(cycle)


@pytest.mark.parametrize(("source", "expected"), [
    ("from pqstats.screens import get_screen\n", {"pqstats.screens"}),
    ("from pqstats import models as m\n", {"pqstats.models"}),
    ("import pqstats.report.tables\n", {"pqstats.report.tables"}),
    ("def f():\n    from pqstats.fit_cache import cached_scores\n", {"pqstats.fit_cache"}),
    ("import numpy\nfrom sklearn.base import clone\n", set()),
])
def test_imports_are_read_from_the_source(tmp_path, monkeypatch, source, expected):
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, "pqstats.probe", path)
    assert imports("pqstats.probe") == expected


def test_an_upward_edge_and_a_cycle_are_found():
    assert layer("pqstats.screens.registry") < layer("pqstats.benchmark")
    assert layer("pqstats.screens.cli") == layer("pqstats.knockdown_cli") == CLI
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
