"""docs/security.md's threat model names a test for every control: each named test must exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def threat_model_rows() -> list[str]:
    text = (ROOT / "docs" / "security.md").read_text()
    section = text.split("## Threat model", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| ---")][1:]


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_threat_model_row_names_existing_tests() -> None:
    rows = threat_model_rows()
    assert len(rows) >= 15
    for row in rows:
        named = NAMED.findall(row)
        assert named, f"row names no test: {row[:80]}"
        for path, name in named:
            assert name in functions_in(ROOT / path), f"{path}::{name} does not exist"
