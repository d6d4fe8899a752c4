"""Socket Mode: the same listeners, with Slack's requests coming over a WebSocket."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RunningService
from tests.intake.slack.conftest import ROUND_ONE, MailMaker, slack_env, workspace
from tests.intake.slack.driver import OFFICER, SlackDriver, block_actions, command_fields
from tests.intake.slack.test_triage_in_slack import bid_for, fields, wait_card
from tests.slack_api_server import APP_TOKEN, SlackApiServer


@pytest.fixture
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


def test_commands_and_buttons_work_over_socket_mode(
    tmp_path: Path, slack: SlackApiServer, mail: MailMaker
) -> None:
    env = slack_env(slack, tmp_path, INTAKE_NOW=ROUND_ONE, SLACK_APP_TOKEN=APP_TOKEN)
    del env["SLACK_SIGNING_SECRET"]  # not needed: nothing comes in over HTTP
    service = RunningService(tmp_path, **env)
    try:
        service.start()
        service.wait_for(lambda: slack.calls_to("apps.connections.open"), what="a socket")

        helped = slack.run_in_loop(
            slack.socket_send(
                "slash_commands",
                command_fields(
                    "help",
                    user=OFFICER,
                    channel_id="C0COMMISS1",
                    channel_name="commissioning",
                    response_url=slack.response_url(),
                ),
            )
        )
        assert helped["payload"]["response_type"] == "ephemeral"
        assert "/intake open" in json.dumps(helped["payload"]["blocks"])

        ref = bid_for(service, service.send(mail()))
        card = wait_card(service, slack, "C0COMMISS1", ref)
        clicked = slack.run_in_loop(
            slack.socket_send(
                "interactive",
                block_actions(
                    "assign_to_me",
                    ref,
                    user=OFFICER,
                    trigger="1.2.3",
                    response_url=slack.response_url(),
                ),
            )
        )
        assert clicked["envelope_id"]
        service.wait_for(lambda: card.get("edited"), what="the card updated")
        assert fields(card)["Assigned to"] == f"<@{OFFICER}>"

        # Over HTTP, with no signing secret, nothing is accepted.
        body = urllib.parse.urlencode({"command": "/intake", "text": "help"}).encode()
        assert SlackDriver(service, slack, secret="anything").post(body).status == 401
        assert service.stop(timeout=15) == 0  # the socket closes with the service
    finally:
        service.close()
