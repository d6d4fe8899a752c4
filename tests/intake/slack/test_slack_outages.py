"""Slack failing under a running service: rate limits, server errors, lost answers, an outage.

Cards wait in the store while Slack is down and go out once each, in the order
the bids arrived, when it returns; a card (or a line in its thread) whose post
went through but whose answer was lost is found again, not posted twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RunningService
from tests.intake.slack.conftest import ROUND_ONE, MailMaker, slack_env, workspace
from tests.intake.slack.driver import OFFICER, SlackDriver
from tests.intake.slack.test_triage_in_slack import bid_for, card_of, thread_texts, wait_card
from tests.slack_api_server import SlackApiServer, block_kit_problems


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


@pytest.fixture
def service(tmp_path: Path, slack: SlackApiServer) -> Iterator[RunningService]:
    running = RunningService(tmp_path, INTAKE_NOW=ROUND_ONE, **slack_env(slack, tmp_path))
    yield running
    running.close()


def _jobs(service: RunningService, kind: str) -> list[tuple[str, int]]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        return connection.execute(
            "SELECT state, attempts FROM jobs WHERE kind = ? ORDER BY id", (kind,)
        ).fetchall()


def test_cards_wait_out_an_outage_and_go_out_once_in_order(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    slack.go_down()
    service.start()
    refs = [
        bid_for(service, service.send(mail(organisation_name=f"Outage Trust {n}")))
        for n in range(3)
    ]

    def waiting() -> bool:
        jobs = _jobs(service, "card")
        return len(jobs) == 3 and jobs[0][1] >= 1 and {state for state, _ in jobs} == {"pending"}

    # The first card keeps trying; the others wait behind it in the channel's chain.
    service.wait_for(waiting, what="the cards waiting for Slack")
    health = service.health()
    assert health["backlog"].get("card") == 3 and health["failed_jobs"] == 0

    slack.come_back()
    service.wait_for(
        lambda: all(card_of(slack, "C0COMMISS1", ref) for ref in refs),
        timeout=45,
        what="every card posted after the outage",
    )
    posted = [m for m in slack.channels["C0COMMISS1"].top_level]
    order = [next(ref for ref in refs if ref in m["blocks"][0]["text"]["text"]) for m in posted]
    assert order == refs  # once each, in the order the bids arrived
    assert all(block_kit_problems(m["blocks"], text=m["text"]) == [] for m in posted)
    service.wait_for(
        lambda: {state for state, _ in _jobs(service, "card")} == {"done"}, what="jobs done"
    )


def test_rate_limits_are_waited_out_as_slack_asks(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    service.start()
    slack.fail_next(2, status=429, retry_after=1, method="chat.postMessage")
    ref = bid_for(service, service.send(mail()))
    wait_card(service, slack, "C0COMMISS1", ref)

    statuses = [c.status for c in slack.calls_to("chat.postMessage")]
    assert statuses == [429, 429, 200]
    times = [c.at for c in slack.calls_to("chat.postMessage")]
    assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95
    assert len(card_of(slack, "C0COMMISS1", ref)) == 1


def test_a_post_whose_answer_was_lost_is_found_not_posted_again(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    service.start()
    # Slack posts the card, then answers 500: the service cannot know it was posted.
    slack.fail_next(1, status=500, method="chat.postMessage", after=True)
    ref = bid_for(service, service.send(mail()))
    service.wait_for(
        lambda: _jobs(service, "card") and _jobs(service, "card")[0][0] == "done",
        timeout=20,
        what="the card job done",
    )
    assert len(card_of(slack, "C0COMMISS1", ref)) == 1
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [500]
    assert slack.calls_to("conversations.history")  # it looked before posting again
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        (ts,) = connection.execute("SELECT ts FROM cards").fetchone()
    assert ts == card_of(slack, "C0COMMISS1", ref)[0]["ts"]


def test_a_thread_line_whose_answer_was_lost_is_found_not_posted_again(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    service.start()
    driver = SlackDriver(service, slack)
    ref = bid_for(service, service.send(mail()))
    card = wait_card(service, slack, "C0COMMISS1", ref)
    # Slack adds the officer's line to the card's thread, then answers 500.
    slack.fail_next(1, status=500, method="chat.postMessage", after=True)
    driver.click("assign_to_me", ref)
    service.wait_for(
        lambda: [state for state, _ in _jobs(service, "card")] == ["done", "done"],
        timeout=20,
        what="the card's update done",
    )
    assert thread_texts(slack, "C0COMMISS1", card["ts"]) == [f"<@{OFFICER}> took this bid"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [200, 500]
    assert slack.calls_to("conversations.replies")  # it looked in the thread first


def test_health_says_starting_until_slack_has_been_checked(
    service: RunningService, slack: SlackApiServer
) -> None:
    # Slack makes the token check wait three seconds: until it is done, /healthz
    # must not say ok (a channel the bot is not in would not be known yet).
    slack.fail_next(1, status=429, retry_after=3, method="auth.test")
    slack.channels["C0MENTAL01"].is_member = False
    service.start(ready=False)
    early = service.health()
    assert early["status"] == "starting"
    later = service.wait_for(
        lambda: (health := service.health())["status"] != "starting" and health,
        timeout=20,
        what="the start-up checks done",
    )
    assert later["status"] == "degraded"
    assert any("not in the channel #mental-health" in p for p in later["problems"])


def test_a_channel_the_app_is_not_in_is_a_warning_and_its_cards_wait(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    slack.channels["C0MENTAL01"].is_member = False
    service.start()
    health = service.health()
    assert health["status"] == "degraded"
    assert any("not in the channel #mental-health" in p for p in health["problems"])

    raw = mail(fund="mental-health-policing")
    bid_for(service, service.send(raw, to="mental-health@bids.example.org"))
    # Tried, and waiting for the invitation (retried every minute), not failed.
    service.wait_for(
        lambda: _jobs(service, "card") and _jobs(service, "card")[0] == ("pending", 1),
        what="the card tried and waiting",
    )
    assert "/invite @grant-intake" in service.output
