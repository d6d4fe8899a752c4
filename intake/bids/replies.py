"""An officer answers an applicant from Slack: the reply recorded, then mailed in their thread.

:func:`reply` is the officer's act, one transaction: a ``replied`` event in the
bid's history (its thread line on the card says who answered and what), and a
:class:`ReplyJob` in the bid's mail chain. :func:`send_reply` is that job: the
mail goes to the applicant of record, never to whoever sent the mail answered,
in the thread of the applicant's mail (``In-Reply-To``, ``References``) with our
subject and the bid's ``[Ref …]`` tag, and is recorded in the outbox table.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import our_domain, send_then_record, sent_row, thread_salt
from intake.bids.triage import Officer, Refused, TriageContext
from intake.clock import Clock
from intake.config.model import Config
from intake.jobs.kinds import CardJob, ReplyJob
from intake.rules.references import our_message_id
from intake.store import bids, outbox
from intake.store.bids import Bid, Event
from intake.store.engine import reading
from intake.store.queue import enqueue_many
from notifier.mailer import Mailer
from notifier.replies import OfficerReply, build_reply
from notifier.text import one_line, shorten

ANSWERABLE = frozenset({"correspondence"})
"""The events whose thread line carries a "Reply" button: mail the applicant sent."""


class ReplyContext(Protocol):
    """What mailing an officer's reply needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    mailer: Mailer
    mail_domain: str
    sending: asyncio.Lock


async def answered_mail(
    runtime: TriageContext, ref: str, *, offices: Collection[str], about: int | None
) -> tuple[Bid, str | None, str | None]:
    """The bid, its applicant's organisation and the words of the mail a reply answers
    (for the modal): the kept mail ``about``, else the applicant's latest."""
    async with reading(runtime.engine) as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        version = await bids.latest_version(connection, bid.id)
        events = await bids.history(connection, bid.id)
    organisation = (version.fields or {}).get("organisation_name") if version else None
    kept = _kept_mail(events, about, since=version.received_at if version else None)
    words = str((kept.data or {}).get("text") or "") if kept else None
    return bid, organisation, words or None


async def reply(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    *,
    offices: Collection[str],
    text: str | None,
    about: int | None,
    request: str,
) -> str:
    """Record ``officer``'s reply to the bid's applicant and queue its mail; a sentence
    for the officer.

    ``about`` is the kept mail's event the reply answers (its thread line's
    button), None from the card: then the applicant's latest mail. ``request``
    names the officer's submission (the modal's view id): sent twice, it mails once.
    """
    words = (text or "").strip()
    if not words:
        raise Refused("Write the reply to send.")
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        if not bid.applicant or "@" not in bid.applicant:
            raise Refused(f"{bid.ref} has no applicant's address to reply to.")
        events = await bids.history(connection, bid.id)
        if any(e.kind == "replied" and (e.data or {}).get("request") == request for e in events):
            return f"Your reply to the applicant of {bid.ref} is already on its way."
        version = await bids.latest_version(connection, bid.id)
        kept = _kept_mail(events, about, since=version.received_at if version else None)
        if about is not None and kept is None:
            raise Refused(f"There is no mail {about} from the applicant of {bid.ref}.")
        # In the thread of the kept mail answered, else of the latest version's mail.
        answered = kept.data if kept is not None else version.mail if version is not None else None
        thread = _thread_of(answered or {})
        event = await bids.add_event(
            connection,
            bid_id=bid.id,
            at=runtime.clock.now(),
            actor=officer.id,
            kind="replied",
            text=f"replied to the applicant: {shorten(one_line(words), 300)}",
            data={
                **officer.data,
                "text": words,
                "about": kept.id if kept else None,
                "request": request,
                "to": bid.applicant,
                "version": version.version if version is not None else bid.version,
                **thread,
            },
        )
        chain = runtime.card_chain(office=bid.office, fund=bid.fund)
        await enqueue_many(
            connection,
            [CardJob.for_event(bid.id, event, chain=chain), ReplyJob.for_event(bid.id, event)],
        )
    runtime.log.info("%s: %s replied to the applicant", bid.ref, officer.name or officer.id)
    return f"Your reply to the applicant of {bid.ref} is on its way."


async def send_reply(runtime: ReplyContext, job: ReplyJob) -> None:
    """The ``reply`` job: mail the officer's words to the applicant in their thread, once."""
    async with reading(runtime.engine) as connection:
        bid = await bids.bid_by_id(connection, job.bid)
        event = await bids.event(connection, job.bid, job.event)
        if event is None or await outbox.was_sent(connection, job.key):
            return
    data = event.data or {}
    office = runtime.config.office(bid.office)
    to = str(data.get("to") or bid.applicant or "")
    domain = our_domain(office, runtime.mail_domain)
    # Of the version replied to, not the latest: a retry sends the same Message-ID.
    number = int(data.get("version") or 0)
    message_id = our_message_id(bid.ref, number, "reply", event.id, domain, salt=thread_salt(bid))
    mail = build_reply(
        OfficerReply(
            ref=bid.ref,
            office_name=office.name,
            to=to,
            from_addr=office.reply_from,
            their_subject=data.get("subject"),
            their_message_id=data.get("message_id") or None,
            their_references=tuple(data.get("references") or ()),
            message_id=message_id,
            text=str(data.get("text") or ""),
        ),
        now=runtime.clock.now(),
    )

    async def record(connection: AsyncConnection) -> None:
        now = runtime.clock.now()
        await outbox.record_sent(
            connection,
            sent_row(
                mail,
                runtime.mailer,
                key=job.key,
                kind="reply",
                to=to,
                message_id=message_id,
                at=now,
                office=office.id,
                bid_id=bid.id,
            ),
        )
        await bids.add_event(
            connection,
            bid_id=bid.id,
            at=now,
            actor="intake",
            kind="reply_sent",
            text=f"The officer's reply was sent to {to}.",
            data={"message_id": message_id, "reply": event.id},
        )

    await send_then_record(runtime, mail, record)


def _kept_mail(events: list[Event], about: int | None, *, since: Any) -> Event | None:
    """The kept mail event ``about``; without it, the applicant's latest kept mail if it
    came after the latest version (else the reply answers that version's mail: None)."""
    kept = [e for e in events if e.kind in ANSWERABLE]
    if about is not None:
        return next((e for e in kept if e.id == about), None)
    latest = kept[-1] if kept else None
    if latest is not None and (since is None or latest.at >= since):
        return latest
    return None


def _thread_of(mail: dict[str, Any]) -> dict[str, Any]:
    """What threads a reply under a mail: its subject, Message-ID and References."""
    return {
        "subject": mail.get("subject"),
        "message_id": mail.get("message_id") or None,
        "references": list(mail.get("references") or ())[-20:],
    }
