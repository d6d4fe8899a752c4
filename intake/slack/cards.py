"""The ``card`` job: a bid's triage card in its office's channel, posted once, then updated.

A card is posted once per bid and updated in place afterwards (its ``ts`` is
stored); each officer action or new version adds a line to its thread, also
once. Without Slack credentials it is printed to the console and stored all
the same.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from intake.bids.panel import panel_of
from intake.bids.replies import ANSWERABLE
from intake.config.model import Config
from intake.jobs.finishing import last_transaction
from intake.jobs.kinds import CardJob
from intake.rules.pots import pot_period
from intake.slack import channels
from intake.slack.posts import PostingContext, guarded, post_once
from intake.slack.summaries import bid_summary
from intake.store import bids, cards, duplicates
from intake.store.bids import Bid, Event
from intake.store.engine import reading
from notifier.cards import claim_line, console_card, thread_line, triage_card
from notifier.model import PotLine
from notifier.replies import reply_line

CONSOLE = "console"


async def _pot(config: Config, connection: AsyncConnection, bid: Bid) -> PotLine | None:
    """The bid's fund's pot for the bid's year or round, and what its bids ask of it."""
    try:
        fund = config.fund(bid.fund or "")
    except KeyError:  # a fund no longer configured: its bids keep their cards, without a pot
        return None
    period = pot_period(fund, config.office(fund.office), bid.received_at, bid.round)
    if fund.pot is None or period is None:
        return None
    use = await bids.requested_of_pot(
        connection, fund=fund.id, round=period.round, since=period.starts, until=period.ends
    )
    return PotLine(
        total=f"{fund.pot:.2f}",
        requested=f"{use.requested:.2f}",
        bids=use.bids,
        awarded=f"{use.awarded:.2f}",
        awards=use.awards,
        period=period.label,
    )


async def post_card(runtime: PostingContext, job: CardJob) -> None:
    """The ``card`` job: post the bid's card, or update it and add a thread line.

    The card is posted once per bid (:func:`intake.slack.posts.post_once`);
    every later job updates it in place and, for an event, adds its line to
    the card's thread, also once.
    """
    bid_id = job.bid
    async with reading(runtime.engine) as connection:
        bid, version = await bids.bid_and_version(connection, bid_id)
        card = await cards.card_of(connection, bid_id)
        event = await bids.event(connection, bid_id, job.event) if job.event else None
        pot = await _pot(runtime.config, connection, bid)
        repeats = await duplicates.duplicates_of(connection, bid_id)
        panel = await panel_of(runtime.config, connection, bid)
    summary = replace(
        bid_summary(runtime.config, bid, version, duplicates=repeats, panel=panel), pot=pot
    )
    payload = triage_card(summary)
    channel = channel_for(runtime, bid, version.fields if version else None)
    place = channels.office_place(runtime.config, office=bid.office, channel=channel)
    now = runtime.clock.now()
    slack = await runtime.slack.poster_for(bid.office)
    if slack is None:
        _print(console_card(summary), event.text if event else None, updated=card is not None)
        ts = None
        channel = CONSOLE
    elif card is None or card.ts is None:

        async def save(connection: AsyncConnection, channel: str, ts: str) -> None:
            await _save_card(connection, bid_id, channel, ts, payload, now, exists=card is not None)

        # A new card is stored with the post's own commit; a retry finds it stored.
        channel, ts = await post_once(
            runtime,
            slack,
            key=f"card:{bid.ref}",
            channel=channel,
            place=place,
            payload=payload,
            then=save,
            finishing=event is None or card is not None,
        )
        if event is None or card is not None:
            # Stored with the post. A card that was only on the console says it all.
            return
    else:
        await guarded(runtime, place, slack.update(card.channel, card.ts, payload))
        channel, ts = card.channel, card.ts
    if slack is not None and event is not None and ts is not None:
        line = (
            claim_line(event.text, value=f"{bid.ref} {(event.data or {}).get('message', '')}")
            if event.kind == "claim"
            else thread_line(event.text, by=_actor(event))
        )
        if event.kind in ANSWERABLE:  # the applicant's mail: officers answer it from here
            line = reply_line(event.text, value=f"{bid.ref} {event.id}")
        # Once, like the card: a retry after a lost answer finds the line in the thread.
        await post_once(
            runtime,
            slack,
            key=f"line:{bid.ref}:{event.id}",
            channel=channel,
            place=place,
            payload=line,
            thread_ts=ts,
            finishing=card is None,
        )
        if card is None:
            return  # stored with the post
    async with last_transaction(runtime.engine) as connection:
        await _save_card(connection, bid_id, channel, ts, payload, now, exists=card is not None)


def channel_for(runtime: PostingContext, bid: Bid, fields: dict[str, Any] | None = None) -> str:
    """The channel of the bid's local area (from its answers ``fields``) where its office
    routes by area, else the fund's own channel where configured, else the office's.

    Its card jobs keep the fund's chain wherever the card goes, so a bid's card
    is posted before it is updated."""
    return channels.channel_for(runtime.config, office=bid.office, fund=bid.fund, fields=fields)


async def _save_card(
    connection: AsyncConnection,
    bid_id: int,
    channel: str,
    ts: str | None,
    payload: dict[str, Any],
    now: datetime,
    *,
    exists: bool,
) -> None:
    store = cards.update_card if exists else cards.add_card
    await store(connection, bid_id, channel=channel, ts=ts, payload=payload, at=now)


def _print(text: str, event: str | None, *, updated: bool) -> None:
    banner = "Triage card updated" if updated else "New triage card"
    lines = [f"── {banner} ".ljust(78, "─"), text]
    if event:
        lines.append(f"  ↳ {event}")
    print("\n".join(lines), file=sys.stdout, flush=True)


def _actor(event: Event) -> str | None:
    actor = str(event.actor)
    return actor if actor.startswith(("U", "W")) and actor.isalnum() else None
