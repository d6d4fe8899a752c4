"""The "Reply" action: an officer answers the applicant from the card or a kept mail's line.

The click opens a modal at once (Slack's ``trigger_id`` lasts about three
seconds) showing to whom it goes and what the applicant wrote; its submission
is saved before Slack is answered (:func:`.submissions.save`), and the mail is
sent by the ``reply`` job (:mod:`intake.bids.replies`). Like every action, a
reference of another workspace's office is "not here".
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids import replies
from intake.errors import NotFound
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import (
    ListenerContext,
    ModalContext,
    ephemeral,
    not_here,
    officer_of,
)
from intake.slack.listeners.submissions import save
from notifier.cards import ACTION_REPLY
from notifier.escape import escape_mrkdwn
from notifier.listings import notice
from notifier.replies import BLOCK_REPLY, CALLBACK_REPLY, read_reply, reply_modal


def register(app: AsyncApp, runtime: ListenerContext) -> None:
    """Add the "Reply" button's listener and its modal's submission to ``app``."""

    async def open_reply(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref, about = _target(str(action.get("value") or ""))
        try:
            bid, organisation, words = await replies.answered_mail(
                runtime, ref, offices=offices_of(context), about=about
            )
        except NotFound:
            await respond(**ephemeral(notice(escape_mrkdwn(not_here(ref)))))
            return
        # The kept mail answered rides in the version slot of the modal's context.
        metadata = ModalContext(ref=bid.ref, version=about or 0).encode()
        view = reply_modal(
            ref=bid.ref,
            organisation=organisation,
            to=bid.applicant or "",
            quoting=words,
            metadata=metadata,
        )
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            runtime.log.warning("could not open the reply modal for %s: %s", ref, exc)
            said = "Slack did not open the form in time; please click again."
            await respond(**ephemeral(notice(said)))

    async def send(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        modal = ModalContext.decode(view.get("private_metadata", ""))
        values = dict((view.get("state") or {}).get("values") or {})
        text = read_reply(values)
        if text is None:
            await ack(response_action="errors", errors={BLOCK_REPLY: "Write the reply to send."})
            return
        work = replies.reply(
            runtime,
            modal.ref,
            officer_of(body),
            offices=offices_of(context),
            text=text,
            about=modal.version or None,
            request=str(view.get("id") or view.get("hash") or ""),
        )
        await save(runtime, ack, work, field=BLOCK_REPLY, ref=modal.ref)

    app.action(ACTION_REPLY)(open_reply)
    app.view(CALLBACK_REPLY)(send)


def _target(value: str) -> tuple[str, int | None]:
    """A button's value: the reference, then the kept mail's event id when it has one."""
    ref, _, about = value.partition(" ")
    return ref, int(about) if about.isdigit() else None
