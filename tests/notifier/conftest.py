"""Fixtures of the notifier tests: a bid to show, and a local Slack Web API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest

from notifier.model import BidSummary
from tests.notifier.notifier_samples import BID
from tests.notifier.slack_api_server import SlackApiServer


@pytest.fixture
def make_bid() -> Callable[..., BidSummary]:
    """A Safer in Kent bid with two problems; keyword arguments change any field."""

    def make(**changes: Any) -> BidSummary:
        return replace(BID, **changes)

    return make


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiServer]:
    """A Slack Web API on loopback, with channel C0GRANTS1 (#grants) the bot is in."""
    async with SlackApiServer() as server:
        yield server
