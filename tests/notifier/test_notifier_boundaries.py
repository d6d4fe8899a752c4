"""The notifier stays a leaf: it imports neither intake nor parsers, and reads no settings."""

from __future__ import annotations

import ast
from pathlib import Path

import notifier

PACKAGE = Path(notifier.__file__).parent


def modules() -> list[Path]:
    found = sorted(PACKAGE.glob("*.py"))
    assert found
    return found


def test_notifier_imports_neither_intake_nor_parsers() -> None:
    for path in modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"intake", "parsers"}, f"{path.name}: {name}"


def test_notifier_reads_no_environment() -> None:
    for path in modules():
        source = path.read_text()
        assert "os.environ" not in source, path.name
        assert "getenv" not in source, path.name
