"""Fixtures shared by every test package: a local Slack Web API, in-loop or in a thread.

The suite runs in parallel processes (pytest-xdist, ``-n`` in pyproject.toml), a
module at a time: a module's tests share its service and run in their order. The
tests that race a kill or a stop against a service's work, or time how fast it
answers under attack, all run one after another in one process: two of them at
once would measure each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.slack_api_server import SlackApiServer

ONE_AT_A_TIME = (
    "tests/drills/",
    "tests/intake/test_restart.py",
    "tests/pg/test_two_nodes.py",
)


def work_unit(nodeid: str) -> str:
    """The part of the suite a test runs in, on one xdist worker, in file order."""
    module = nodeid.split("::", 1)[0]
    return "one-at-a-time" if module.startswith(ONE_AT_A_TIME) else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Hand out whole modules, and the one-at-a-time tests as one unit.

    ``xdist_group`` marks would say the same, but pytest 9.2 no longer lets
    xdist 3.8 read them (pytest-dev/pytest-xdist#1386): the scheduler is ours.
    ``_split_scope`` is how xdist's own file scheduler is written;
    tests/test_suite_runner.py fails if an upgrade moves it.
    """
    from xdist.scheduler import LoadFileScheduling

    class ByModule(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return ByModule(config, log)


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiServer]:
    """A Slack Web API on loopback, with channel C0GRANTS1 (#grants) the bot is in."""
    async with SlackApiServer() as server:
        yield server


@pytest.fixture
def slack_api_thread() -> Iterator[SlackApiServer]:
    """The same Slack Web API on its own thread, for tests that run ``intake serve``."""
    with SlackApiServer().in_thread() as server:
        yield server
