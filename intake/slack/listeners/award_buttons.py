"""The card's buttons for awards and a staged approach's steps, and their modals.

"Award" (and a staged approach's "Approve") and "Recommend" open a modal asking
the amount; "Ask for proposal form" and "Decline" act at once. As with the
card's other buttons, a click acts only on a bid of its workspace's offices,
and the card is updated by the card job the action queues.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids import awards, stages, triage
from intake.errors import NotFound
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import (
    ListenerContext,
    ModalContext,
    not_here,
    officer_of,
    open_form,
    say,
)
from intake.slack.listeners.submissions import save, values_of
from intake.store.bids import bid_by_ref, latest_version
from intake.store.engine import reading
from notifier.awards import (
    ACTION_ASK_PROPOSAL,
    ACTION_AWARD,
    ACTION_DECLINE,
    ACTION_RECOMMEND,
    BLOCK_AMOUNT,
    BLOCK_NOTE,
    CALLBACK_AWARD,
    CALLBACK_RECOMMEND,
    award_modal,
    read_amount,
    read_note,
    recommend_modal,
)

Step = Callable[..., Awaitable[str]]


def register(app: AsyncApp, runtime: ListenerContext) -> None:
    """Add the award and stage buttons' listeners, and their modals', to ``app``."""

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
            async with reading(runtime.engine) as connection:
                bid = await bid_by_ref(connection, ref, offices=offices_of(context))
                version = await latest_version(connection, bid.id)
        except NotFound:
            await say(respond, not_here(ref))
            return
        fields = (version.fields or {}) if version else {}
        build = award_modal if kind == ACTION_AWARD else recommend_modal
        amount = bid.award_amount or fields.get("amount_requested")
        view = build(
            ref=bid.ref,
            organisation=fields.get("organisation_name"),
            amount=f"{amount}" if amount else None,
            metadata=ModalContext(ref=bid.ref, version=bid.version).encode(),
        )
        await open_form(
            client, body, view, respond=respond, log=runtime.log, what=f"{kind} modal for {ref}"
        )

    async def act_now(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref = str(action.get("value") or "")
        step: Step = (
            stages.ask_for_proposal
            if action.get("action_id") == ACTION_ASK_PROPOSAL
            else stages.decline
        )
        try:
            said = await step(runtime, ref, officer_of(body), offices=offices_of(context))
        except NotFound:
            said = not_here(ref)
        except triage.Refused as refusal:
            said = str(refusal)
        except Exception:
            runtime.log.exception("%s on %s failed", action.get("action_id"), ref)
            said = "That did not work; please try again shortly."
        await say(respond, said)

    async def submit_award(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        modal = ModalContext.decode(view.get("private_metadata", ""))
        values = values_of(view)
        work = awards.award(
            runtime,
            modal.ref,
            officer_of(body),
            offices=offices_of(context),
            amount=read_amount(values) or "",
            note=read_note(values),
        )
        await save(runtime, ack, work, field=BLOCK_AMOUNT, ref=modal.ref)

    async def submit_recommendation(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        modal = ModalContext.decode(view.get("private_metadata", ""))
        values = values_of(view)
        note = read_note(values)
        if not note:
            await ack(response_action="errors", errors={BLOCK_NOTE: "Say what you recommend."})
            return
        work = stages.recommend(
            runtime,
            modal.ref,
            officer_of(body),
            offices=offices_of(context),
            amount=read_amount(values) or "",
            note=note,
        )
        await save(runtime, ack, work, field=BLOCK_AMOUNT, ref=modal.ref)

    app.action(ACTION_AWARD)(open_modal)
    app.action(ACTION_RECOMMEND)(open_modal)
    app.action(ACTION_ASK_PROPOSAL)(act_now)
    app.action(ACTION_DECLINE)(act_now)
    app.view(CALLBACK_AWARD)(submit_award)
    app.view(CALLBACK_RECOMMEND)(submit_recommendation)
