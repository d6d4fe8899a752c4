"""A sender held over its hourly limit: one alert in the office's channel, whose button
has the sender's held mail read (issue #18)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.harness import RunningService
from tests.intake.slack.conftest import ROUND_ONE, MailMaker, slack_env
from tests.intake.slack.driver import SlackDriver
from tests.slack_api_server import SlackApiServer

SENDER = "bulk@example.org"


def _alerts(slack: SlackApiServer) -> list[dict[str, Any]]:
    return [
        call.args
        for call in slack.calls_to("chat.postMessage")
        if "over the hourly limit" in str(call.args.get("text"))
    ]


def test_the_alerts_button_has_the_held_mail_read(
    tmp_path: Path, slack: SlackApiServer, mail: MailMaker
) -> None:
    service = RunningService(
        tmp_path, INTAKE_NOW=ROUND_ONE, **slack_env(slack, tmp_path, INTAKE_SENDER_HOURLY_LIMIT="1")
    )
    try:
        service.start()
        for _ in range(3):
            service.send(mail(), sender=SENDER)
        service.wait_for(lambda: service.health()["held_jobs"] == 2, what="two mails held")
        [alert] = service.wait_for(lambda: _alerts(slack), what="the alert")
        assert alert["channel"] == "#commissioning"  # the office's channel
        blocks = (
            alert["blocks"] if isinstance(alert["blocks"], list) else json.loads(alert["blocks"])
        )
        [button] = blocks[1]["elements"]
        assert button["action_id"] == "release_sender"

        driver = SlackDriver(service, slack)
        assert driver.click("release_sender", f"essex {SENDER}").status == 200
        said = driver.responses_to(driver.last_response_url)
        assert "not this workspace's" in json.dumps(said)
        assert service.health()["held_jobs"] == 2

        assert driver.click("release_sender", button["value"]).status == 200
        said = driver.responses_to(driver.last_response_url)
        assert f"2 held mails of {SENDER} released" in json.dumps(said)
        service.wait_for(
            lambda: (h := service.health())["held_jobs"] == 0 and h["backlog"] == {},
            timeout=60,
            what="the held mail read",
        )
        assert len(_alerts(slack)) == 1  # once per sender and hour
    finally:
        service.close()
