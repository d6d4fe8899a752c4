"""The service's log set-up: what operators see, and what it costs when nobody looks."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from intake.logs import SLACK_SDK_LOGGER, configure_logging
from notifier.cards import triage_card
from notifier.model import BidSummary
from notifier.slack import SlackPoster
from tests.notifier.notifier_samples import BID
from tests.slack_api_server import TOKEN, SlackApiServer


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    yield
    logging.getLogger(SLACK_SDK_LOGGER).setLevel(logging.NOTSET)
    logging.getLogger("mail.log").setLevel(logging.NOTSET)


async def _post_a_card(server: SlackApiServer, bid: BidSummary) -> None:
    poster = SlackPoster(TOKEN, api_url=server.url, timeout=5)
    try:
        await poster.post("#grants", triage_card(bid))
    finally:
        await poster.close()


def _slack_sdk_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("slack_sdk")]


async def test_at_info_a_card_is_not_written_out_for_a_debug_line(
    slack_api: SlackApiServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """slack_sdk formats every request and response (a whole card, twice) whenever
    its logger's own level is unset, whatever the service logs: CPU for each card
    of a deadline-day burst, for lines that are then dropped."""
    configure_logging("INFO")
    caplog.set_level(logging.DEBUG)  # were a line made, it would be caught here
    await _post_a_card(slack_api, BID)
    assert slack_api.calls_to("chat.postMessage")
    assert _slack_sdk_lines(caplog) == []


async def test_at_debug_an_operator_sees_each_slack_call(
    slack_api: SlackApiServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("INFO")
    configure_logging("DEBUG")  # a restart at DEBUG undoes the INFO set-up
    caplog.set_level(logging.DEBUG)
    await _post_a_card(slack_api, replace(BID, project="Street Mentors"))
    lines = _slack_sdk_lines(caplog)
    assert any(
        line.startswith("Sending a request") and "chat.postMessage" in line for line in lines
    )
    assert any("Street Mentors" in line for line in lines)
