"""What every listener needs: of the service (:class:`ListenerContext`) and of a Slack
payload (who acts, and the modal's context)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids.triage import Officer, TriageContext
from intake.slack.tokens import SlackWorkspaces
from notifier.escape import escape_mrkdwn
from notifier.listings import notice
from notifier.text import one_line


class ListenerContext(TriageContext, Protocol):
    """What the Slack app's listeners need of the service: an officer's actions
    (:mod:`intake.bids.triage`), and the workspaces whose requests they answer."""

    slack: SlackWorkspaces


def officer_of(body: dict[str, Any]) -> Officer:
    """The officer who clicked or submitted (interactions) or typed the command."""
    user = body.get("user") or {}
    if isinstance(user, dict) and user.get("id"):
        return Officer(id=str(user["id"]), name=user.get("username") or user.get("name"))
    return Officer(id=str(body.get("user_id", "unknown")), name=body.get("user_name"))


@dataclass(frozen=True, slots=True)
class ModalContext:
    """What a modal carries from the click to the submission (its ``private_metadata``)."""

    ref: str
    version: int
    eligible: bool | None = None

    def encode(self) -> str:
        return json.dumps(
            {"ref": self.ref, "version": self.version, "eligible": self.eligible},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> ModalContext:
        data = json.loads(text or "{}")
        return cls(
            ref=str(data["ref"]),
            version=int(data["version"]),
            eligible=data.get("eligible"),
        )


def ephemeral(payload: dict[str, Any]) -> dict[str, Any]:
    """A message shown only to the officer who asked, never replacing the card."""
    return {"response_type": "ephemeral", "replace_original": False, **payload}


def in_ack(payload: dict[str, Any]) -> dict[str, Any]:
    """An ephemeral answer given in the acknowledgement itself (no response URL needed)."""
    return {"response_type": "ephemeral", "text": payload["text"], "blocks": payload["blocks"]}


def not_here(ref: str) -> str:
    """What an officer is told of a bid that is gone, or another office's (the same words)."""
    return f"No bid {one_line(ref)[:40]} here."


async def say(respond: AsyncRespond, words: str) -> None:
    """Tell the officer alone (through the click's response URL), escaped."""
    await respond(**ephemeral(notice(escape_mrkdwn(words))))


async def open_form(
    client: AsyncWebClient,
    body: dict[str, Any],
    view: dict[str, Any],
    *,
    respond: AsyncRespond,
    log: logging.Logger,
    what: str,
) -> None:
    """Open ``view`` for the click in ``body``; when Slack refuses (the trigger lasts
    three seconds), log it and ask the officer to click again, rather than fail silently."""
    try:
        await client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as exc:
        log.warning("could not open the %s form: %s", what, exc)
        await say(respond, "Slack did not open the form in time; please click again.")
