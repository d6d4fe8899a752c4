"""Driving a running ``intake serve`` as Slack does: signed commands, clicks, submissions."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from intake.slack.signature import sign
from tests.harness import RunningService
from tests.slack_api_server import SlackApiServer

SECRET = "test-signing-secret"
OFFICER = "U0OFFICER1"
TEAM = {"id": "T0TEAM001", "domain": "commissioning"}


@dataclass
class Answer:
    """What the service answered over HTTP."""

    status: int
    body: str
    seconds: float

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackDriver:
    """Sends Slack's requests to the service and finds what it did in the fake Slack."""

    def __init__(
        self,
        service: RunningService,
        slack: SlackApiServer,
        secret: str = SECRET,
        *,
        team: dict[str, str] | None = None,
    ):
        """``team`` is the workspace the officer works in (``{"id": …, "domain": …}``)."""
        self.service = service
        self.slack = slack
        self.secret = secret
        self.team = team or TEAM
        self.last_response_url = ""
        self._triggers = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.service.http_port}/slack/events"

    # -- raw requests ---------------------------------------------------------------------

    def post(
        self,
        body: bytes,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Answer:
        """POST ``body`` signed now with the secret, unless told otherwise."""
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        if signature is None:
            signature = sign(self.secret, timestamp, body)
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature,
            },
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Answer(response.status, response.read().decode(), time.monotonic() - started)
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read().decode(), time.monotonic() - started)

    # -- what Slack sends -----------------------------------------------------------------

    def command(
        self,
        text: str,
        *,
        user: str = OFFICER,
        channel_id: str = "C0COMMISS1",
        channel_name: str = "commissioning",
    ) -> tuple[Answer, str]:
        """``/intake text`` typed in a channel; returns the answer and the response URL."""
        response_url = self.slack.response_url(self.team["id"])
        fields = command_fields(
            text,
            user=user,
            channel_id=channel_id,
            channel_name=channel_name,
            response_url=response_url,
            team=self.team,
        )
        return self.post(urllib.parse.urlencode(fields).encode()), response_url

    def click(self, action_id: str, ref: str, *, user: str = OFFICER) -> Answer:
        """A click on one of the buttons of ``ref``'s card; ``last_response_url`` is its URL."""
        response_url = self.last_response_url = self.slack.response_url(self.team["id"])
        payload = block_actions(
            action_id,
            ref,
            user=user,
            trigger=self._trigger(),
            response_url=response_url,
            team=self.team,
        )
        return self.post(_form(payload))

    def submit(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = OFFICER
    ) -> Answer:
        """Submit the modal ``view`` (as opened) with ``values`` as its state."""
        return self.post(_form(view_submission(view, values, user=user, team=self.team)))

    def _trigger(self) -> str:
        self._triggers += 1
        return f"{self._triggers}.1234.trigger"

    # -- what the service did -------------------------------------------------------------

    def responses_to(self, response_url: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """The first message the service sent to ``response_url``."""
        return self.service.wait_for(
            lambda: next((r for r in self.slack.responses if r["_url"] == response_url), None),
            timeout=timeout,
            what=f"a message to {response_url}",
        )

    def opened_view(self, callback_id: str, count: int = 1) -> dict[str, Any]:
        """The ``count``-th modal with ``callback_id`` the service opened."""

        def found() -> dict[str, Any] | None:
            views = [v for v in self.slack.views if v.get("callback_id") == callback_id]
            return views[count - 1] if len(views) >= count else None

        return self.service.wait_for(found, what=f"a {callback_id} modal")


def command_fields(
    text: str,
    *,
    user: str,
    channel_id: str,
    channel_name: str,
    response_url: str,
    team: dict[str, str] = TEAM,
) -> dict[str, str]:
    return {
        "token": "unused",
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user,
        "user_name": "sam.officer",
        "command": "/intake",
        "text": text,
        "api_app_id": "A0APP0001",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


def block_actions(
    action_id: str,
    ref: str,
    *,
    user: str,
    trigger: str,
    response_url: str,
    team: dict[str, str] = TEAM,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": team,
        "user": {"id": user, "username": "sam.officer", "team_id": team["id"]},
        "api_app_id": "A0APP0001",
        "token": "unused",
        "trigger_id": trigger,
        "container": {"type": "message", "channel_id": "C0COMMISS1", "message_ts": "1.2"},
        "channel": {"id": "C0COMMISS1", "name": "commissioning"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "triage_actions",
                "value": ref,
                "action_ts": str(time.time()),
            }
        ],
    }


def view_submission(
    view: dict[str, Any], values: dict[str, Any], *, user: str, team: dict[str, str] = TEAM
) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": team,
        "user": {"id": user, "username": "sam.officer", "team_id": team["id"]},
        "api_app_id": "A0APP0001",
        "token": "unused",
        "trigger_id": "9.9.9",
        "view": {**view, "state": {"values": values}},
    }


def text_value(block_id: str, text: str | None) -> dict[str, Any]:
    """The state of a plain text input."""
    return {block_id: {"text": {"type": "plain_text_input", "value": text}}}


def chosen(view: dict[str, Any], levels: dict[str, int]) -> dict[str, Any]:
    """The state of the score modal with ``levels`` chosen (block id suffix → level)."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input" or not block["block_id"].startswith("criterion:"):
            continue
        key = block["block_id"].split(":", 1)[1]
        if key in levels:
            option = block["element"]["options"][levels[key] - 1]
            values[block["block_id"]] = {
                "level": {"type": "radio_buttons", "selected_option": option}
            }
    return values


def _form(payload: dict[str, Any]) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
