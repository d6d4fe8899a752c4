"""Fixtures of the notifier tests: a bid to show (the Slack Web API is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from notifier.model import BidSummary
from tests.notifier.notifier_samples import BID


@pytest.fixture
def make_bid() -> Callable[..., BidSummary]:
    """A Safer in Kent bid with two problems; keyword arguments change any field."""

    def make(**changes: Any) -> BidSummary:
        return replace(BID, **changes)

    return make
