"""The workers run what the composition root gives them, each job read back into its kind."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import intake.jobs.scheduler
import intake.jobs.worker
from intake.jobs.kinds import CardJob
from intake.jobs.worker import runs
from intake.store import queue
from intake.store.engine import make_engine
from intake.store.migrate import migrate


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/intake.sqlite3")
    await migrate(engine)
    yield engine
    await engine.dispose()


async def test_a_handler_is_given_its_job_typed(database: AsyncEngine) -> None:
    handled: list[CardJob] = []

    async def post_card(job: CardJob) -> None:
        handled.append(job)

    queued = CardJob.for_event(7, 33, chain="slack:#grants")
    async with database.begin() as connection:
        await queue.enqueue(connection, queued)
    stored = await queue.claim(database, kinds=["card"], worker="test/w", lease=60)
    assert stored is not None
    await runs(CardJob, post_card)(stored)
    assert handled == [queued]


@pytest.mark.parametrize("runner", [intake.jobs.worker, intake.jobs.scheduler])
def test_the_job_runners_import_no_feature(runner: ModuleType) -> None:
    tree = ast.parse(Path(str(runner.__file__)).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    features = ("intake.bids", "intake.slack", "intake.reading", "intake.inbox", "intake.runtime")
    assert [m for m in imported if m.startswith(features)] == []
