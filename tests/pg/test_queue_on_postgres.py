"""The work queue's behaviour on PostgreSQL, where claims lock rows (SKIP LOCKED)."""

from __future__ import annotations

import pytest

from intake.store.engine import make_engine
from intake.store.migrate import migrate
from tests.intake.jobs.test_job_health import (  # noqa: F401 - against PostgreSQL
    test_a_held_job_waits_until_released_and_then_runs_marked,
    test_a_senders_mails_read_this_hour_are_counted_up_to_the_limit,
    test_the_oldest_due_job_of_each_kind_is_read,
)
from tests.intake.store.test_queue import (  # noqa: F401 - collected here against PostgreSQL
    test_a_chain_runs_one_job_at_a_time_in_order,
    test_a_delayed_job_waits_its_turn,
    test_a_job_whose_lease_ran_out_is_taken_by_another_worker,
    test_a_lane_only_takes_its_own_kinds,
    test_jobs_come_out_oldest_first_across_kinds,
)


@pytest.fixture
async def engine(postgres_url: str):
    engine = make_engine(postgres_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(engine):  # the name the tests imported above take
    yield engine
