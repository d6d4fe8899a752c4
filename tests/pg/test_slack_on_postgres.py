"""Two nodes on one PostgreSQL behind one Slack app: alerts once, officers' actions once."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form
from tests.intake.slack.conftest import slack_env, workspace
from tests.intake.slack.driver import SlackDriver, text_value
from tests.pg.test_two_nodes import _query
from tests.slack_api_server import SlackApiServer

SEVEN_DAYS_BEFORE = "2027-05-23T08:59:57+01:00"


def _incomplete_mail() -> bytes:
    return build_mail(
        sender="Priya Shah <priya@example.org>",
        to="safer-in-kent@bids.example.org",
        subject="Our application",
        body="Attached.",
        date=datetime(2027, 5, 23, 8, 0, tzinfo=UTC),
        message_id="<slack-on-postgres@example.org>",
        attachments=[
            ("form.docx", fixture_form("incomplete-missing.docx"), "application/octet-stream")
        ],
    )


def test_two_nodes_send_each_alert_once_and_act_on_a_bid_once(
    tmp_path: Path, postgres_url: str
) -> None:
    with SlackApiServer().in_thread() as slack:
        workspace(slack)
        env = slack_env(
            slack, tmp_path, INTAKE_DATABASE_URL=postgres_url, INTAKE_NOW=SEVEN_DAYS_BEFORE
        )
        first = RunningService(tmp_path / "a", **env)
        second = RunningService(tmp_path / "b", **env)
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        try:
            first.start()
            second.start()
            first.send(_incomplete_mail())

            def alerts() -> list:
                return _query(postgres_url, "SELECT key FROM alerts WHERE posted_at IS NOT NULL")

            first.wait_for(lambda: len(alerts()) == 2, what="both 7-day alerts sent")
            refs = first.wait_for(
                lambda: _query(postgres_url, "SELECT ref FROM bids"), what="the bid stored"
            )
            ref = refs[0]["ref"]
            first.wait_for(
                lambda: _query(postgres_url, "SELECT ts FROM cards WHERE ts IS NOT NULL"),
                what="the card posted",
            )

            # The request reaches the second node; its modal is submitted to the first.
            SlackDriver(second, slack).click("request_info", ref)
            view = first.wait_for(lambda: slack.views and slack.views[-1], what="the modal")
            driver = SlackDriver(first, slack)
            assert driver.submit(view, text_value("note", None)).status == 200
            assert driver.submit(view, text_value("note", None)).status == 200  # sent again
            time.sleep(1.0)
        finally:
            first.close()
            second.close()

    posted = [
        m
        for channel in ("C0COMMISS1", "C0MENTAL01")
        for m in slack.channels[channel].top_level
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("alert:")
    ]
    assert len(posted) == 2
    requests = _query(
        postgres_url, "SELECT key FROM jobs WHERE kind = 'ack' AND key LIKE '%request_info%'"
    )
    assert len(requests) == 1
    events = _query(postgres_url, "SELECT kind FROM events WHERE kind = 'info_requested'")
    assert len(events) == 1
