"""Submitting the modals: a decision with its reason, scores, a request for information.

The submission is saved before Slack is answered, within a budget that keeps
the answer inside Slack's three seconds: if it cannot be saved in time the
modal stays open and says so, and the officer sends it again. Nothing is
acknowledged that is not stored. Mistakes (no reason to rule a bid out, a
criterion left unscored) are shown next to the field, as Slack does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from intake import triage
from intake.errors import NotFound
from intake.runtime import Runtime
from intake.slackapp.context import ModalContext, officer_of
from intake.store import records
from notifier.modals import (
    BLOCK_NOTE,
    BLOCK_REASON,
    CALLBACK_DECISION,
    CALLBACK_REQUEST_INFO,
    CALLBACK_SCORE,
    read_scores,
    read_text,
)
from notifier.model import ScoreCriterion

# Of Slack's three seconds, what saving may take (the rest is the network's).
SAVE_BUDGET = 2.0
_NOT_SAVED = "Not saved: the database was busy. Please submit again."


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Add a listener for each modal's submission to ``app``."""

    async def decision(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        context = ModalContext.decode(view.get("private_metadata", ""))
        reason = read_text(_values(view), BLOCK_REASON)
        if not context.eligible and not reason:
            await ack(
                response_action="errors", errors={BLOCK_REASON: "Say why it is not eligible."}
            )
            return
        work = triage.decide(
            runtime, context.ref, officer_of(body), eligible=bool(context.eligible), reason=reason
        )
        await _save(runtime, ack, work, field=BLOCK_REASON)

    async def score(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        context = ModalContext.decode(view.get("private_metadata", ""))
        try:
            criteria = await _criteria(runtime, context.ref)
        except NotFound:
            await ack()
            return
        scores, errors = read_scores(_values(view), criteria)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        first = next(iter(_values(view)), "")
        await _save(
            runtime, ack, triage.score(runtime, context.ref, officer_of(body), scores), field=first
        )

    async def request_info(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        context = ModalContext.decode(view.get("private_metadata", ""))
        note = read_text(_values(view), BLOCK_NOTE)
        work = triage.request_info(
            runtime,
            context.ref,
            officer_of(body),
            version=context.version,
            note=note,
            request=str(view.get("id") or view.get("hash") or ""),
        )
        await _save(runtime, ack, work, field=BLOCK_NOTE)

    app.view(CALLBACK_DECISION)(decision)
    app.view(CALLBACK_SCORE)(score)
    app.view(CALLBACK_REQUEST_INFO)(request_info)


async def _save(runtime: Runtime, ack: AsyncAck, work: Awaitable[str], *, field: str) -> None:
    """Run ``work`` within the budget; close the modal when saved, else say why beside ``field``."""
    try:
        await asyncio.wait_for(work, timeout=SAVE_BUDGET)
    except triage.Refused as refusal:
        await ack(response_action="errors", errors={field: str(refusal)})
        return
    except NotFound as missing:
        await ack(response_action="errors", errors={field: str(missing)})
        return
    except Exception:  # a busy or lost database: the officer must know it was not saved
        runtime.log.exception("a modal submission could not be saved")
        await ack(response_action="errors", errors={field: _NOT_SAVED})
        return
    await ack()


async def _criteria(runtime: Runtime, ref: str) -> list[ScoreCriterion]:
    async with runtime.engine.connect() as connection:
        bid = await records.bid_by_ref(connection, ref)
    return [
        ScoreCriterion(id=c.id, name=c.name, levels=c.levels)
        for c in runtime.config.office(bid.office).scoring
    ]


def _values(view: dict[str, Any]) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values") or {})
