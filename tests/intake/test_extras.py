"""What an operator who installed without an optional extra sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.harness import ROOT


def _without(module: str, folder: Path) -> str:
    """A PYTHONPATH on which ``import module`` fails as if it were not installed."""
    blocked = folder / "blocked"
    blocked.mkdir()
    message = f"No module named {module!r}"
    (blocked / f"{module}.py").write_text(f"raise ImportError({message!r})\n")
    return f"{blocked}:{ROOT}"


def test_a_postgresql_url_without_the_postgres_extra_says_what_to_install(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "intake", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": _without("asyncpg", tmp_path),
            "INTAKE_DATA_DIR": str(tmp_path / "var"),
            "INTAKE_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",
        },
        check=False,
    )
    assert done.returncode != 0
    assert "grant-intake[postgres]" in done.stderr
    assert "Traceback" not in done.stderr
