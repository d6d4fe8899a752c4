"""Only ``intake/store/`` writes SQL: the rest of ``intake/`` calls its typed functions."""

from __future__ import annotations

import ast
from pathlib import Path

import intake

INTAKE = Path(intake.__file__).parent
# What the rest may take from SQLAlchemy: engine and connection types, its errors, URLs.
ALLOWED = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc", "sqlalchemy.engine")


def imported_modules(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found


def test_no_module_outside_the_store_builds_statements_or_names_tables() -> None:
    leaks = {}
    for path in sorted(INTAKE.rglob("*.py")):
        if path.is_relative_to(INTAKE / "store"):
            continue
        wrong = [
            name
            for name in imported_modules(path)
            if name == "intake.store.schema"
            or name.startswith("intake.store.schema.")
            or (
                (name == "sqlalchemy" or name.startswith("sqlalchemy."))
                and not any(name == a or name.startswith(f"{a}.") for a in ALLOWED)
            )
        ]
        if wrong:
            leaks[str(path.relative_to(INTAKE))] = wrong
    assert leaks == {}
