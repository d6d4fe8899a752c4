"""The ``ack`` job: the mail that tells an applicant what arrived, what is missing and by when.

An acknowledgement carries a Message-ID derived from its job, so a retry sends
the same message, not a new one; the caps on automatic mail
(:func:`intake.bids.outgoing.over_cap`) are checked before sending, and every
sent mail is recorded in the outbox table with its key.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import (
    alert_cap,
    cap_reached,
    our_domain,
    send_then_record,
    sent_row,
    thread_salt,
)
from intake.clock import Clock
from intake.config.model import Config
from intake.jobs.finishing import last_transaction
from intake.jobs.kinds import AckJob
from intake.rules.references import our_message_id
from intake.slack.summaries import bid_summary
from intake.store import bids, outbox
from intake.store.engine import reading
from notifier.ack import build_acknowledgement
from notifier.mailer import Mailer
from notifier.model import Acknowledgement


class AcknowledgeContext(Protocol):
    """What sending an acknowledgement needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    mailer: Mailer
    mail_domain: str
    sending: asyncio.Lock


async def send_acknowledgement(runtime: AcknowledgeContext, job: AckJob) -> None:
    """The ``ack`` job: mail the applicant what arrived, what is missing and by when."""
    bid_id, number, kind = job.bid, job.version, job.what
    async with reading(runtime.engine) as connection:
        # A reminder is about what is missing now, in the latest version: one sent
        # since the reminder was queued may have put it right, or an officer may
        # have ruled on the bid since.
        bid, version = await bids.bid_and_version(
            connection, bid_id, None if kind == "reminder" else number
        )
        if kind == "reminder":
            if bid.status != "incomplete" or bid.decision is not None:
                return
            number = bid.version
        if version is None or await outbox.was_sent(connection, job.key):
            return
        office = runtime.config.office(bid.office)
        mail = version.mail or {}
        to: str = mail.get("reply_address") or bid.applicant or ""
        their_subject = mail.get("subject")
        their_message_id = mail.get("message_id") or None
        their_references = tuple(mail.get("references") or ())
        note, seq = job.note, job.seq
        if job.event is not None:  # another sender's claim on the bid
            claim = await bids.event(connection, bid_id, job.event)
            data = (claim.data if claim else None) or {}
            note, seq = str(data.get("sender") or ""), job.event
            if kind == "claim_notice":
                to = bid.applicant or ""  # the applicant of record, never the claimant
            else:
                to = note
                their_subject, their_references = None, ()
                their_message_id = data.get("message_id") or None
        valid = bool(to) and "@" in to
        # The caps stop mail loops and floods between robots; an officer's request
        # is a person's act. Counted in this reading, not a second one.
        reached = None
        if valid and kind not in _PERSONS_ACTS:
            reached = await cap_reached(connection, office, to, now=runtime.clock.now())
    if not valid:
        await _note(runtime, bid_id, "No acknowledgement sent: the mail had no reply address.")
        return
    if reached is not None:
        await alert_cap(runtime, office, to, reached)
        await _note(runtime, bid_id, f"No acknowledgement sent to {to}: {reached.words()} reached.")
        return
    domain = our_domain(office, runtime.mail_domain)
    message_id = our_message_id(bid.ref, number, kind, seq, domain, salt=thread_salt(bid))
    ack = Acknowledgement(
        bid=bid_summary(runtime.config, bid, version),
        to=to,
        from_addr=office.reply_from,
        their_subject=their_subject,
        their_message_id=their_message_id,
        their_references=their_references,
        message_id=message_id,
        kind=kind,
        note=note,
    )
    message = build_acknowledgement(ack, now=runtime.clock.now())

    async def record(connection: AsyncConnection) -> None:
        now = runtime.clock.now()
        sent = sent_row(
            message,
            runtime.mailer,
            key=job.key,
            kind=kind,
            to=to,
            message_id=message_id,
            at=now,
            bid_id=bid_id,
            office=office.id,
        )
        await outbox.record_sent(connection, sent)
        await bids.add_event(
            connection,
            bid_id=bid_id,
            at=now,
            actor="intake",
            kind=_EVENT_KINDS.get(kind, "acknowledged"),
            text=_SENT_WORDS.get(kind, "Acknowledgement sent to {to}.").format(to=to, note=note),
            data={"message_id": message_id},
        )

    await send_then_record(runtime, message, record, finishing=True)


_SENT_WORDS = {
    "claim_notice": "The applicant, {to}, was told of another sender's mail.",
    "claim_received": "A neutral answer was sent to the other sender, {to}.",
    "reminder": "Reminder of what is still missing sent to {to}.",
    "monitoring": "Monitoring reminder sent to {to}: {note}.",
    "proposal_request": "The proposal form was asked of {to}.",
}
_EVENT_KINDS = {"reminder": "reminded", "monitoring": "monitoring_reminded"}
# Mails that answer no mail of theirs: one each, on a date the office set, so no
# loop between robots to stop (the daily cap is for automatic answers).
_PERSONS_ACTS = frozenset({"request_info", "proposal_request", "reminder", "monitoring"})


async def _note(runtime: AcknowledgeContext, bid_id: int, text: str) -> None:
    runtime.log.warning("bid %s: %s", bid_id, text)
    async with last_transaction(runtime.engine) as connection:  # the job ends with it
        await bids.add_event(
            connection,
            bid_id=bid_id,
            at=runtime.clock.now(),
            actor="intake",
            kind="note",
            text=text,
        )
