"""The letters review post's buttons: "Send" for one letter, "Send all" for the post's.

A click is acknowledged at once, then the letters are marked as sent by the
officer and queued (:func:`intake.bids.letters.queue_sending`): a second click,
by anyone, finds them marked and queues nothing. Only letters of the offices of
the workspace the click came from are sent.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from intake.bids.letters import queue_sending
from intake.errors import NotFound
from intake.jobs.waker import EFFECTS, Waker
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import ListenerContext, ephemeral, officer_of
from notifier.escape import escape_mrkdwn
from notifier.letters import ACTION_LETTER_SEND, ACTION_LETTERS_SEND_ALL
from notifier.listings import notice


class LettersListenerContext(ListenerContext, Protocol):
    """What the buttons need: the listeners' context, and the workers to wake."""

    waker: Waker


def register(app: AsyncApp, runtime: LettersListenerContext) -> None:
    """Add the letters' buttons to ``app``."""

    async def send(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        try:
            ids = [int(part) for part in str(action.get("value") or "").split(",") if part]
        except ValueError:
            ids = []
        officer = officer_of(body)
        try:
            queued = await queue_sending(
                runtime, ids, officer=officer.id, offices=offices_of(context)
            )
        except NotFound:
            queued, words = [], "Those letters are not here."
        except Exception:
            runtime.log.exception("sending letters %s failed", ids)
            queued, words = [], "That did not work; please try again shortly."
        else:
            words = (
                f"Sending {len(queued)} letter{'s' if len(queued) != 1 else ''}: "
                + ", ".join(queued)
                if queued
                else "Already sent: nothing more to send."
            )
        if queued:
            runtime.waker.notify(EFFECTS, count=len(queued))
            runtime.log.info("%s sends letters: %s", officer.id, ", ".join(queued))
        await respond(**ephemeral(notice(escape_mrkdwn(words))))

    app.action(ACTION_LETTER_SEND)(send)
    app.action(ACTION_LETTERS_SEND_ALL)(send)
