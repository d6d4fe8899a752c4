"""Side effects of a bid: its Slack card and the mails to its applicant.

Each runs as a job with a unique key. A card is posted once and updated in
place afterwards (its ``ts`` is stored); without Slack credentials it is
printed to the console and stored all the same. An acknowledgement carries a
Message-ID derived from its job, so a retry sends the same message, not a new
one; the per-sender daily cap is checked before sending.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from intake.jobs.kinds import AckJob, CardJob
from intake.rules.references import our_message_id
from intake.runtime import Runtime
from intake.slack import channels
from intake.slack.posts import guarded, post_once
from intake.slack.summaries import bid_summary
from intake.store import bids, cards, outbox
from intake.store.bids import Bid, Event
from intake.store.engine import reading
from intake.store.outbox import SentMail
from notifier.ack import build_acknowledgement
from notifier.cards import console_card, thread_line, triage_card
from notifier.model import Acknowledgement

CONSOLE = "console"


async def post_card(runtime: Runtime, job: CardJob) -> None:
    """The ``card`` job: post the bid's card, or update it and add a thread line.

    The card is posted once per bid (:func:`intake.slack.posts.post_once`);
    every later job updates it in place and, for an event, adds its line to
    the card's thread, also once.
    """
    bid_id = job.bid
    async with reading(runtime.engine) as connection:
        bid = await bids.bid_by_id(connection, bid_id)
        version = await bids.latest_version(connection, bid_id)
        card = await cards.card_of(connection, bid_id)
        event = await bids.event(connection, bid_id, job.event) if job.event else None
    summary = bid_summary(runtime.config, bid, version)
    payload = triage_card(summary)
    channel = channel_for(runtime, bid)
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
        )
        if event is None or card is not None:
            # Stored with the post. A card that was only on the console says it all.
            return
    else:
        await guarded(runtime, place, slack.update(card.channel, card.ts, payload))
        channel, ts = card.channel, card.ts
    if slack is not None and event is not None and ts is not None:
        line = thread_line(event.text, by=_actor(event))
        # Once, like the card: a retry after a lost answer finds the line in the thread.
        await post_once(
            runtime,
            slack,
            key=f"line:{bid.ref}:{event.id}",
            channel=channel,
            place=place,
            payload=line,
            thread_ts=ts,
        )
        if card is None:
            return  # stored with the post
    async with runtime.engine.begin() as connection:
        await _save_card(connection, bid_id, channel, ts, payload, now, exists=card is not None)


def channel_for(runtime: Runtime, bid: Bid) -> str:
    """The fund's own channel where configured, else the office's."""
    return channels.channel_for(runtime.config, office=bid.office, fund=bid.fund)


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


async def send_acknowledgement(runtime: Runtime, job: AckJob) -> None:
    """The ``ack`` job: mail the applicant what arrived, what is missing and by when."""
    bid_id, number, kind = job.bid, job.version, job.what
    async with reading(runtime.engine) as connection:
        bid = await bids.bid_by_id(connection, bid_id)
        version = await bids.version(connection, bid_id, number)
        if version is None or await outbox.was_sent(connection, job.key):
            return
        office = runtime.config.office(bid.office)
        mail = version.mail or {}
        to: str = mail.get("reply_address") or bid.applicant or ""
        valid = bool(to) and "@" in to
        # The cap stops mail loops between robots; an officer's request is a person's act.
        capped = (
            valid
            and kind != "request_info"
            and await _sent_today(runtime, connection, to) >= office.acks_per_sender_per_day
        )
    if not valid:
        await _note(runtime, bid_id, "No acknowledgement sent: the mail had no reply address.")
        return
    if capped:
        await _note(
            runtime,
            bid_id,
            f"No acknowledgement sent to {to}: already {office.acks_per_sender_per_day} "
            "automatic replies to this address today.",
        )
        return
    domain = parseaddr(office.reply_from)[1].rsplit("@", 1)[-1] or runtime.mail_domain
    message_id = our_message_id(bid.ref, number, kind, job.seq, domain)
    ack = Acknowledgement(
        bid=bid_summary(runtime.config, bid, version),
        to=to,
        from_addr=office.reply_from,
        their_subject=mail.get("subject"),
        their_message_id=mail.get("message_id") or None,
        their_references=tuple(mail.get("references") or ()),
        message_id=message_id,
        kind=kind,
        note=job.note,
    )
    message = build_acknowledgement(ack, now=runtime.clock.now())
    await runtime.mailer.send(message)
    now = runtime.clock.now()
    async with runtime.engine.begin() as connection:
        sent = SentMail(
            key=job.key,
            bid_id=bid_id,
            kind=kind,
            to_addr=to.lower(),
            subject=str(message["Subject"]),
            message_id=message_id,
            sent_at=now,
            via="relay" if runtime.mailer.__class__.__name__ == "RelayMailer" else "outbox",
        )
        await outbox.record_sent(connection, sent)
        await bids.add_event(
            connection,
            bid_id=bid_id,
            at=now,
            actor="intake",
            kind="acknowledged",
            text=f"Acknowledgement sent to {to}.",
            data={"message_id": message_id},
        )


async def _sent_today(runtime: Runtime, connection: AsyncConnection, to: str) -> int:
    return await outbox.sent_since(connection, to, runtime.clock.now() - timedelta(days=1))


async def _note(runtime: Runtime, bid_id: int, text: str) -> None:
    runtime.log.warning("bid %s: %s", bid_id, text)
    async with runtime.engine.begin() as connection:
        await bids.add_event(
            connection,
            bid_id=bid_id,
            at=runtime.clock.now(),
            actor="intake",
            kind="note",
            text=text,
        )
