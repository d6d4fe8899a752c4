"""Enquiries: a mail with no form and no reference is a question, not a bid.

It is kept (its message's state is ``enquiry``), shown to the office's
officers as an enquiry card with its words, and answered with how to apply.
It makes no bid, so it is in no round's counts, no listing and no export.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import our_domain, over_cap, send_then_record, sent_row
from intake.clock import Clock
from intake.config.model import Config, Fund, Office
from intake.jobs.kinds import EnquiryJob
from intake.reading.extract import Extraction
from intake.reading.mail import Mail, written_text
from intake.store import messages, outbox
from intake.store.engine import reading
from intake.store.messages import StoredMessage
from intake.store.queue import Payload, enqueue_many
from notifier.enquiry import (
    Enquiry,
    FundToApply,
    RoundDates,
    build_enquiry_acknowledgement,
)
from notifier.mailer import Mailer

MAX_KEPT_TEXT = 5000
"""Characters of an enquiry's words kept with its jobs (the spool keeps all of it)."""


class EnquiryContext(Protocol):
    """What keeping an enquiry needs of the service."""

    config: Config
    clock: Clock
    log: logging.Logger

    def card_chain(self, *, office: str, fund: str | None) -> str: ...


class AnswerContext(Protocol):
    """What answering an enquiry needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    mailer: Mailer
    mail_domain: str
    sending: asyncio.Lock


def is_enquiry(extraction: Extraction) -> bool:
    """Whether a mail with no reference is a question: no form, and nothing attached that
    could be one in disguise (an archive, an Outlook bundle, a file we could not read).
    Images (logos, signatures) travel with questions; anything else stays a bid, so an
    officer sees the file."""
    return extraction.no_form and all(a.kind == "image" for a in extraction.attachments)


async def keep_as_enquiry(
    runtime: EnquiryContext,
    connection: AsyncConnection,
    message: StoredMessage,
    facts: Mail,
    office: Office,
    extraction: Extraction,
    *,
    several_funds: Sequence[Fund] = (),
) -> None:
    """Keep the mail as an enquiry and queue its card and its answer, in the caller's
    transaction (the jobs' keys make a retried transaction queue nothing twice).

    With ``several_funds`` it is a mail sent to those funds' inboxes at once: kept
    the same way, and its answer asks the applicant which fund it is for.
    """
    payload: Payload = {
        "office": office.id,
        "sender": facts.from_addr or message.mail_from,
        # The envelope sender, which the front server's SPF and DMARC vouch for (RFC 3834 §4).
        "reply_to": message.mail_from or facts.from_addr,
        "subject": facts.subject[:300],
        "text": written_text(facts.text)[:MAX_KEPT_TEXT],
        "message_id": facts.message_id,
        "references": list(facts.references)[:20],
        "attachments": [a.name for a in extraction.attachments][:20],
        "received_at": message.received_at.isoformat(),
        "several_funds": [f.id for f in several_funds],
    }
    if several_funds:
        names = ", ".join(f.id for f in several_funds)
        state, outcome = "several_funds", f"sent to several funds ({names}): applicant asked"
    else:
        state, outcome = "enquiry", "enquiry: no form and no reference"
    await messages.set_message_outcome(connection, message.id, state=state, outcome=outcome)
    chain = runtime.card_chain(office=office.id, fund=message.fund)
    await enqueue_many(
        connection,
        [
            EnquiryJob.card(message.id, payload, chain=chain),
            EnquiryJob.answer(message.id, payload),
        ],
    )
    runtime.log.info("message %s: %s", message.id, outcome)


def postmaster_address(config: Config, recipients: Sequence[str]) -> str | None:
    """The ``postmaster`` address a mail was sent to, when it went to no fund's inbox
    (the receiver takes ``postmaster@`` each fund domain, RFC 5321 §4.5.1); else None."""
    if any(config.fund_for_inbox(r) is not None for r in recipients):
        return None
    return next((r for r in recipients if r.lower().partition("@")[0] == "postmaster"), None)


async def keep_postmaster_mail(
    runtime: EnquiryContext,
    connection: AsyncConnection,
    message: StoredMessage,
    facts: Mail,
    office: Office,
    extraction: Extraction,
    *,
    postmaster: str,
) -> None:
    """Keep mail to ``postmaster@`` as office correspondence, in the caller's transaction:
    its card in the office's channel, marked as postmaster mail, and no answer.

    What reaches a postmaster (a neighbour's server complaining, a bounce, a person
    who found no other address) is for the office; it never makes or changes a bid,
    whatever it names or carries, and answering it automatically could loop.
    """
    payload: Payload = {
        "office": office.id,
        "sender": facts.from_addr or message.mail_from,
        "postmaster": postmaster,
        "subject": facts.subject[:300],
        "text": written_text(facts.text)[:MAX_KEPT_TEXT],
        "message_id": facts.message_id,
        "attachments": [a.name for a in extraction.attachments][:20],
        "received_at": message.received_at.isoformat(),
    }
    await messages.set_message_outcome(
        connection,
        message.id,
        state="postmaster",
        outcome=f"mail to {postmaster}: shown to officers, not answered",
    )
    chain = runtime.card_chain(office=office.id, fund=None)
    await enqueue_many(connection, [EnquiryJob.card(message.id, payload, chain=chain)])
    runtime.log.info("message %s: mail to %s, shown to officers", message.id, postmaster)


def enquiry_of(config: Config, facts: Payload) -> Enquiry:
    """The enquiry as the notifier words it: its words, and the office's funds and rounds."""
    office = config.office(str(facts["office"]))
    funds = tuple(
        FundToApply(
            name=fund.name,
            inbox=fund.inbox,
            rounds=tuple(
                RoundDates(name=r.name, opens=r.opens, closes=r.closes) for r in fund.rounds
            ),
        )
        for fund in config.funds
        if fund.office == office.id
    )
    return Enquiry(
        office_name=office.name,
        timezone=office.timezone,
        sender=str(facts.get("sender") or ""),
        subject=str(facts.get("subject") or ""),
        text=str(facts.get("text") or ""),
        received_at=datetime.fromisoformat(str(facts["received_at"])),
        funds=funds,
        attachments=tuple(str(a) for a in facts.get("attachments") or ()),
        several_funds=tuple(
            config.fund(str(f)).name for f in facts.get("several_funds") or () if _known(config, f)
        ),
        postmaster=str(facts.get("postmaster") or "") or None,
    )


def _known(config: Config, fund: object) -> bool:
    return any(f.id == fund for f in config.funds)


async def answer_enquiry(runtime: AnswerContext, job: EnquiryJob) -> None:
    """The enquiry's answer: how to apply, mailed once to the enquirer (within the
    office's caps on automatic mail, which stop mail loops and floods)."""
    facts = job.facts
    office = runtime.config.office(str(facts["office"]))
    to = str(facts.get("reply_to") or "")
    async with reading(runtime.engine) as connection:
        if await outbox.was_sent(connection, job.key):
            return
    if "@" not in to:
        runtime.log.warning("enquiry %s: no reply address; not answered", job.message)
        return
    if await over_cap(runtime, office, to) is not None:
        return  # over_cap logged which cap, and told the office
    domain = our_domain(office, runtime.mail_domain)
    # Deterministic, so a retried send carries the same id; it names no bid, so a
    # reply to it is read as a new mail (a form then makes a bid).
    message_id = f"<grant-intake.enquiry.{job.message}@{domain}>"
    now = runtime.clock.now()
    mail = build_enquiry_acknowledgement(
        enquiry_of(runtime.config, facts),
        to=to,
        from_addr=office.reply_from,
        message_id=message_id,
        their_message_id=str(facts.get("message_id") or "") or None,
        their_references=tuple(str(r) for r in facts.get("references") or ()),
        now=now,
    )

    async def record(connection: AsyncConnection) -> None:
        await outbox.record_sent(
            connection,
            sent_row(
                mail,
                runtime.mailer,
                key=job.key,
                kind="enquiry",
                to=to,
                message_id=message_id,
                at=runtime.clock.now(),
                office=office.id,
            ),
        )

    await send_then_record(runtime, mail, record)
