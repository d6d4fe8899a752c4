"""The install flow's stores on PostgreSQL: the same tests as on SQLite, on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store.engine import make_engine
from intake.store.migrate import migrate
from tests.intake.store.test_install_stores import (  # noqa: F401 - collected here with this engine
    test_a_new_first_key_reencrypts_at_start_and_the_old_key_can_then_go,
    test_a_state_is_taken_once_even_by_answers_arriving_together,
    test_a_token_no_key_decrypts_counts_as_not_installed,
    test_an_expired_state_is_refused_and_swept_by_the_next_install,
    test_an_installation_is_kept_encrypted_and_read_back,
)


@pytest.fixture
async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    await migrate(engine)
    yield engine
    await engine.dispose()
