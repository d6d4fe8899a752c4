"""The "Reply" action: an officer answers the applicant from the card or a kept mail's line.

The click opens a modal at once (Slack's ``trigger_id`` lasts about three
seconds) showing to whom it goes and what the applicant wrote; its submission
is saved before Slack is answered (:func:`.submissions.save`), and the mail is
sent by the ``reply`` job (:mod:`intake.bids.replies`). Like every action, a
reference of another workspace's office is "not here".
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids import replies
from intake.errors import NotFound
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import (
    ListenerContext,
    ephemeral,
    not_here,
    officer_of,
    open_form,
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
        metadata = json.dumps({"ref": bid.ref, "about": about}, separators=(",", ":"))
        view = reply_modal(
            ref=bid.ref,
            organisation=organisation,
            to=bid.applicant or "",
            quoting=words,
            metadata=metadata,
        )
        await open_form(
            client, body, view, respond=respond, log=runtime.log, what=f"reply modal for {ref}"
        )

    async def send(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        ref, about = _metadata(str(view.get("private_metadata") or ""))
        values = dict((view.get("state") or {}).get("values") or {})
        text = read_reply(values)
        if text is None:
            await ack(response_action="errors", errors={BLOCK_REPLY: "Write the reply to send."})
            return
        work = replies.reply(
            runtime,
            ref,
            officer_of(body),
            offices=offices_of(context),
            text=text,
            about=about,
            request=str(view.get("id") or view.get("hash") or ""),
        )
        await save(runtime, ack, work, field=BLOCK_REPLY, ref=ref)

    app.action(ACTION_REPLY)(open_reply)
    app.view(CALLBACK_REPLY)(send)


def _metadata(text: str) -> tuple[str, int | None]:
    """The modal's reference and the kept mail it answers (None: the latest mail)."""
    data = json.loads(text or "{}")
    about = data.get("about")
    return str(data.get("ref") or ""), int(about) if isinstance(about, int) else None


def _target(value: str) -> tuple[str, int | None]:
    """A button's value: the reference, then the kept mail's event id when it has one."""
    ref, _, about = value.partition(" ")
    return ref, int(about) if about.isdigit() else None
