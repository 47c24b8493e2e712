"""The store owns all SQL: no module of the server outside ``server/store/`` imports SQLAlchemy or the
store's private modules (tables, models, engine, the mixins, the appenders...).

An AST scan of every .py under server/, imports inside functions included, relative imports resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # holds the `server` package
STORE = ROOT / "server" / "store"
# What the rest of the server may import from the store: the package itself (Store, open_store, records and
# errors it re-exports) and the modules of plain values with no database in them.
STORE_PUBLIC = frozenset(
    {"server.store", "server.store.records", "server.store.errors", "server.store.clock", "server.store.secrets"}
)


def module_name(path: Path, root: Path) -> str:
    """The dotted module name of a file under ``root`` (a package's __init__ is the package)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file; ``from X import y`` yields X and X.y (y may
    be a submodule)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
    return found


def forbidden(module: str) -> bool:
    """Whether a module outside the store may not import ``module``."""
    if module == "sqlalchemy" or module.startswith("sqlalchemy."):
        return True
    if module.startswith("server.store."):
        # `from server.store import Store` yields "server.store.Store": a name, not a module.
        first = module.split(".")[2]
        if not (STORE / f"{first}.py").exists() and not (STORE / first).is_dir():
            return False
        return ".".join(module.split(".")[:3]) not in STORE_PUBLIC
    return False


def violations(root: Path = ROOT) -> list[str]:
    """'path:line imports module' for every forbidden import under root/server/, outside server/store/."""
    out = []
    for path in sorted((root / "server").rglob("*.py")):
        if (root / "server" / "store") in path.parents:
            continue
        bad_lines: dict[int, str] = {}  # one report per import statement
        for line, module in imported_modules(path, root):
            if forbidden(module):
                bad_lines.setdefault(line, module)
        out.extend(f"{path.relative_to(root)}:{line} imports {module}" for line, module in sorted(bad_lines.items()))
    return out


def test_only_the_store_imports_sqlalchemy_or_its_private_modules() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import sqlalchemy\n", True),
        ("from sqlalchemy.exc import OperationalError\n", True),
        ("def f():\n    from sqlalchemy import text\n", True),
        ("from .store import tables\n", True),
        ("from .store.models import Base\n", True),
        ("from .store.messages import append_batch\n", True),
        ("import server.store.tables\n", True),
        ("from .store import Store, open_store\n", False),
        ("from .store.records import User\n", False),
        ("from .store.errors import is_unavailable\n", False),
        ("import json\n", False),
    ],
)
def test_the_scan_sees_each_kind_of_import(tmp_path: Path, source: str, bad: bool) -> None:
    (tmp_path / "server" / "web").mkdir(parents=True)
    (tmp_path / "server" / "probe.py").write_text(source)  # relative imports resolve from server/
    (tmp_path / "server" / "web" / "probe.py").write_text(source.replace("from .store", "from ..store"))
    (tmp_path / "server" / "store").mkdir()
    (tmp_path / "server" / "store" / "inside.py").write_text("from sqlalchemy import select\nfrom . import tables\n")
    found = violations(tmp_path)
    assert len(found) == (2 if bad else 0), found


def store_import_cycles(root: Path = ROOT) -> list[list[str]]:
    """Cycles among the store's modules (type-only imports included; the package __init__ left out)."""
    store = root / "server" / "store"
    graph: dict[str, set[str]] = {}
    for path in sorted(store.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        name = module_name(path, root)
        graph[name] = set()
        for _, module in imported_modules(path, root):
            parts = module.split(".")
            if parts[:2] == ["server", "store"] and len(parts) > 2:
                target = ".".join(parts[:3])
                if (store / f"{parts[2]}.py").exists() and target != name:
                    graph[name].add(target)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_the_store_has_no_import_cycle() -> None:
    assert store_import_cycles() == []


def test_the_cycle_scan_sees_a_type_only_cycle(tmp_path: Path) -> None:
    store = tmp_path / "server" / "store"
    store.mkdir(parents=True)
    (store / "a.py").write_text("from .b import B\n")
    (store / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import A\n")
    assert store_import_cycles(tmp_path) == [["server.store.a", "server.store.b", "server.store.a"]]
