"""Fixtures shared by every test package: a local Slack Web API, in-loop or in a thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.slack_api_server import SlackApiServer


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
