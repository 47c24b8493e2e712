"""No import cycles in the server: neither between its modules nor between its packages.

An AST scan of every module under server/, counting every import: top-level ones, ones deferred inside
functions and ones under ``if TYPE_CHECKING:``. A deferred import still couples two modules both ways; it
only hides the cycle from the interpreter.

Graphs:
- modules: ``server.relay.hub`` -> ``server.store`` (an import of a package counts as an import of its
  ``__init__``, except of a package holding the importing module, which is always imported first;
  ``from pkg import name`` also counts as an import of ``pkg.name`` when that is a module);
- packages: each module counts for its unit, the first level below ``server`` (``server.relay.hub`` ->
  ``server.relay``; the top-level modules ``server.app``, ``server.settings``, ... are units of their own);
  imports within one unit are not edges.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "server"


def module_names(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name (``server.relay`` for server/relay/__init__.py)."""
    found: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_package(name: str, modules: Mapping[str, Path]) -> bool:
    return name in modules and modules[name].name == "__init__.py"


def _absolute(node: ast.ImportFrom, module: str, modules: Mapping[str, Path]) -> str:
    """The absolute module a ``from ... import`` names, resolving leading dots against ``module``."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not _is_package(module, modules):
        base.pop()  # a plain module's dots count from the package holding it
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, source: str, modules: Mapping[str, Path]) -> set[str]:
    """The server modules ``module`` imports anywhere in its source (functions and TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, modules)
            names = [f"{target}.{alias.name}" for alias in node.names]
            if not module.startswith(target + "."):  # a module's own packages are imported before it anyway
                names.append(target)
        else:
            continue
        for name in names:
            if name in modules and name != module:
                found.add(name)
    return found


def module_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the server modules it imports."""
    modules = module_names(root, package)
    return {name: imports_of(name, path.read_text(), modules) for name, path in modules.items()}


def unit_of(module: str) -> str:
    """The package-level unit a module belongs to: ``server.relay.hub`` -> ``server.relay``."""
    return ".".join(module.split(".")[:2])


def package_graph(modules: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Unit -> the other units its modules import."""
    graph: dict[str, set[str]] = {}
    for module, targets in modules.items():
        unit = unit_of(module)
        edges = graph.setdefault(unit, set())
        edges.update(unit_of(t) for t in targets if unit_of(t) != unit)
    return graph


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (each one holds at least one cycle),
    as sorted lists (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_cycles_between_server_modules() -> None:
    assert cycles(module_graph()) == []


def test_no_cycles_between_server_packages() -> None:
    assert cycles(package_graph(module_graph())) == []


def test_the_scan_sees_deferred_and_type_checking_imports(tmp_path: Path) -> None:
    """A cycle made only of an import inside a function and one under TYPE_CHECKING is still found, on
    both graphs; relative imports resolve from modules and from packages."""
    pkg = tmp_path / "pkg"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("from .one import thing\n")
    (pkg / "a" / "one.py").write_text("def thing():\n    from ..b import two\n    return two\n")
    (pkg / "b" / "__init__.py").write_text("")
    (pkg / "b" / "two.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.a import one\n"
    )
    (pkg / "lone.py").write_text("import json\nfrom . import a\n")
    graph = module_graph(tmp_path, "pkg")
    assert graph["pkg.a"] == {"pkg.a.one"}
    assert graph["pkg.a.one"] == {"pkg.b", "pkg.b.two"}
    assert graph["pkg.b.two"] == {"pkg.a", "pkg.a.one"}
    assert graph["pkg.lone"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.a.one", "pkg.b.two"]]
    assert cycles(package_graph(graph)) == [["pkg.a", "pkg.b"]]
