"""The card's buttons: assign to me, request missing info, mark (not) eligible, score.

Every click is acknowledged at once. "Assign to me" acts straight away; the
others open a modal (Slack's ``trigger_id`` lasts about three seconds, so the
modal is opened before anything slow) whose submission does the work
(:mod:`.submissions`). The card itself is updated by the card job the action
queues, so the officer sees the change where everyone else does.

A button carries only a reference, so every click is checked against the
offices of the workspace it came from (:mod:`.authorize`): another office's
bid is "not here", whatever the payload says.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids import triage
from intake.bids.sender_limit import release_sender
from intake.errors import NotFound
from intake.jobs.waker import MESSAGES
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import (
    ListenerContext,
    ModalContext,
    not_here,
    officer_of,
    open_form,
    say,
)
from intake.slack.scoring import scoring_view
from intake.slack.sender_alerts import ACTION_RELEASE_SENDER
from intake.slack.summaries import bid_summary
from intake.store.bids import bid_by_ref, latest_version
from intake.store.engine import reading
from intake.store.scores import sheets_of
from notifier.cards import (
    ACTION_ASSIGN,
    ACTION_CLAIM_ACCEPT,
    ACTION_CLAIM_REJECT,
    ACTION_ELIGIBLE,
    ACTION_INELIGIBLE,
    ACTION_REQUEST_INFO,
    ACTION_SCORE,
)
from notifier.modals import decision_modal, request_info_modal


def register(app: AsyncApp, runtime: ListenerContext) -> None:
    """Add a listener for each of the card's buttons to ``app``."""

    async def assign_to_me(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref = str(action.get("value") or "")
        try:
            await triage.assign(runtime, ref, officer_of(body), offices=offices_of(context))
        except NotFound:
            await say(respond, not_here(ref))
        except Exception:
            runtime.log.exception("assign %s failed", action.get("value"))
            await say(respond, "That did not work; please try again shortly.")

    async def open_modal(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref = str(action.get("value") or "")
        kind = str(action.get("action_id"))
        try:
            view = await _modal_for(runtime, kind, ref, offices_of(context), officer_of(body).id)
        except NotFound:
            await say(respond, not_here(ref))
            return
        except triage.Refused as refusal:
            await say(respond, str(refusal))
            return
        await open_form(
            client, body, view, respond=respond, log=runtime.log, what=f"{kind} modal for {ref}"
        )

    async def answer_claim(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref, _, message = str(action.get("value") or "").partition(" ")
        accept = action.get("action_id") == ACTION_CLAIM_ACCEPT
        try:
            said = await triage.answer_claim(
                runtime, ref, message, officer_of(body), offices=offices_of(context), accept=accept
            )
        except NotFound:
            await say(respond, not_here(ref))
            return
        except triage.Refused as refusal:
            said = str(refusal)
        except Exception:
            runtime.log.exception("answering the claim %s on %s failed", message, ref)
            said = "That did not work; please try again shortly."
        await say(respond, said)

    async def release_held_sender(
        ack: AsyncAck, action: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        # The alert of a sender over its hourly limit: read its held mail now.
        await ack()
        office, _, sender = str(action.get("value") or "").partition(" ")
        if office not in offices_of(context):
            await say(respond, "That sender's mail is not this workspace's to release.")
            return
        try:
            count = await release_sender(runtime.engine, sender, office=office)
        except Exception:
            runtime.log.exception("releasing the held mail of %s failed", sender)
            await say(respond, "That did not work; please try again shortly.")
            return
        runtime.waker.notify(MESSAGES, count)
        await say(respond, f"{count} held mails of {sender} released: they are read in turn.")

    app.action(ACTION_RELEASE_SENDER)(release_held_sender)
    app.action(ACTION_ASSIGN)(assign_to_me)
    app.action(ACTION_CLAIM_ACCEPT)(answer_claim)
    app.action(ACTION_CLAIM_REJECT)(answer_claim)
    for action_id in (ACTION_REQUEST_INFO, ACTION_ELIGIBLE, ACTION_INELIGIBLE, ACTION_SCORE):
        app.action(action_id)(open_modal)


async def _modal_for(
    runtime: ListenerContext, action_id: str, ref: str, offices: Collection[str], officer: str
) -> dict[str, Any]:
    async with reading(runtime.engine) as connection:
        bid = await bid_by_ref(connection, ref, offices=offices)
        version = await latest_version(connection, bid.id)
        sheets = await sheets_of(connection, bid.id) if action_id == ACTION_SCORE else None
    number = version.version if version else bid.version
    organisation = (version.fields or {}).get("organisation_name") if version else None
    if sheets is not None:
        return scoring_view(
            runtime.config,
            bid,
            sheets,
            officer=officer,
            organisation=organisation,
            metadata=ModalContext(ref=bid.ref, version=number).encode(),
        )
    if action_id == ACTION_REQUEST_INFO:
        summary_problems = _problems(runtime, bid, version)
        if not summary_problems:
            raise triage.Refused(f"{bid.ref} has no problems to ask the applicant about.")
        return request_info_modal(
            ref=bid.ref,
            organisation=organisation,
            problems=summary_problems,
            metadata=ModalContext(ref=bid.ref, version=number).encode(),
        )
    eligible = action_id == ACTION_ELIGIBLE
    return decision_modal(
        ref=bid.ref,
        organisation=organisation,
        eligible=eligible,
        metadata=ModalContext(ref=bid.ref, version=number, eligible=eligible).encode(),
    )


def _problems(runtime: ListenerContext, bid: Any, version: Any) -> tuple[Any, ...]:
    """The problems exactly as the mail will word them (the bid's summary)."""
    if version is None:
        return ()
    return bid_summary(runtime.config, bid, version).problems
