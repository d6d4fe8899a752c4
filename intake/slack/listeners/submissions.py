"""Submitting the modals: a decision with its reason, scores, a request for information.

The submission is saved before Slack is answered, within a budget that keeps
the answer inside Slack's three seconds: if it cannot be saved in time the
modal stays open and says so, and the officer sends it again. Nothing is
acknowledged that is not stored. Mistakes (no reason to rule a bid out, a
criterion left unscored) are shown next to the field, as Slack does.

A modal's reference comes back in its ``private_metadata``; like a click, a
submission acts only on a bid of its workspace's offices (:mod:`.authorize`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from intake.bids import panel, triage
from intake.errors import NotFound
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import ListenerContext, ModalContext, not_here, officer_of
from intake.slack.scoring import criteria_of, scoring_view
from intake.store.bids import bid_by_ref
from intake.store.engine import reading
from intake.store.scores import sheets_of
from notifier.modals import (
    BLOCK_NOTE,
    BLOCK_REASON,
    CALLBACK_DECISION,
    CALLBACK_REQUEST_INFO,
    CALLBACK_SCORE,
    SAVE_MODERATED,
    read_comments,
    read_save_as,
    read_scores,
    read_text,
)
from notifier.model import ScoreCriterion

# Of Slack's three seconds, what saving may take (the rest is the network's).
SAVE_BUDGET = 2.0
_NOT_SAVED = "Not saved: the database was busy. Please submit again."


def register(app: AsyncApp, runtime: ListenerContext) -> None:
    """Add a listener for each modal's submission to ``app``."""

    async def decision(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        offices = offices_of(context)
        modal = ModalContext.decode(view.get("private_metadata", ""))
        reason = read_text(_values(view), BLOCK_REASON)
        if not modal.eligible and not reason:
            await ack(
                response_action="errors", errors={BLOCK_REASON: "Say why it is not eligible."}
            )
            return
        work = triage.decide(
            runtime,
            modal.ref,
            officer_of(body),
            offices=offices,
            eligible=bool(modal.eligible),
            reason=reason,
        )
        await _save(runtime, ack, work, field=BLOCK_REASON, ref=modal.ref)

    async def score(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        offices = offices_of(context)
        modal = ModalContext.decode(view.get("private_metadata", ""))
        try:
            criteria = await _criteria(runtime, modal.ref, offices)
        except NotFound:
            first = next(iter(_values(view)), "")
            await ack(response_action="errors", errors={first: not_here(modal.ref)})
            return
        scores, errors = read_scores(_values(view), criteria)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        first = next(iter(_values(view)), "")
        sent = panel.Sent(
            levels=scores,
            comments=read_comments(_values(view), criteria),
            moderate=read_save_as(_values(view)) == SAVE_MODERATED,
        )
        officer = officer_of(body)
        work = panel.score(runtime, modal.ref, officer, sent, offices=offices)

        async def sheets_now() -> dict[str, Any]:
            # Sent: the modal turns into the officer's sheet beside the others'.
            async with reading(runtime.engine) as connection:
                bid = await bid_by_ref(connection, modal.ref, offices=offices)
                sheets = await sheets_of(connection, bid.id)
            return scoring_view(
                runtime.config,
                bid,
                sheets,
                officer=officer.id,
                organisation=bid.organisation,
                metadata=view.get("private_metadata", ""),
                saved=True,
            )

        await _save(runtime, ack, work, field=first, ref=modal.ref, then=sheets_now)

    async def request_info(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        modal = ModalContext.decode(view.get("private_metadata", ""))
        note = read_text(_values(view), BLOCK_NOTE)
        work = triage.request_info(
            runtime,
            modal.ref,
            officer_of(body),
            offices=offices_of(context),
            version=modal.version,
            note=note,
            request=str(view.get("id") or view.get("hash") or ""),
        )
        await _save(runtime, ack, work, field=BLOCK_NOTE, ref=modal.ref)

    app.view(CALLBACK_DECISION)(decision)
    app.view(CALLBACK_SCORE)(score)
    app.view(CALLBACK_REQUEST_INFO)(request_info)


async def _save(
    runtime: ListenerContext,
    ack: AsyncAck,
    work: Awaitable[str],
    *,
    field: str,
    ref: str,
    then: Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> None:
    """Run ``work`` within the budget; close the modal when saved, else say why beside ``field``.

    ``then`` makes the view the modal becomes once saved; if it cannot be made in
    what is left of the budget, the modal just closes (what was sent is saved).
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await asyncio.wait_for(work, timeout=SAVE_BUDGET)
    except triage.Refused as refusal:
        await ack(response_action="errors", errors={field: str(refusal)})
        return
    except NotFound:
        await ack(response_action="errors", errors={field: not_here(ref)})
        return
    except Exception:  # a busy or lost database: the officer must know it was not saved
        runtime.log.exception("a modal submission could not be saved")
        await ack(response_action="errors", errors={field: _NOT_SAVED})
        return
    if then is not None:
        left = SAVE_BUDGET - (loop.time() - started)
        try:
            view = await asyncio.wait_for(then(), timeout=max(left, 0.05))
        except Exception:  # saved all the same: the modal closes
            runtime.log.exception("the view after saving %s could not be made in time", ref)
        else:
            await ack(response_action="update", view=view)
            return
    await ack()


save = _save
"""For the other modals' listeners (:mod:`.replies`): saved within the budget, or said why not."""


async def _criteria(
    runtime: ListenerContext, ref: str, offices: Collection[str]
) -> list[ScoreCriterion]:
    async with reading(runtime.engine) as connection:
        bid = await bid_by_ref(connection, ref, offices=offices)
    return criteria_of(runtime.config, bid)


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})


values_of = _values
"""A submitted modal's values, for modals handled beside this module."""
