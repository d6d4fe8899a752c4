"""Turning an accepted mail into a bid (or a new version of one).

The job runs again after a crash, so every step is idempotent: the bid version
a message made is unique per message, and the effects it queues (card,
acknowledgement) have unique keys. Parsing happens in a worker process; only
the database work runs here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids import stages
from intake.bids.enquiries import (
    is_enquiry,
    keep_as_enquiry,
    keep_postmaster_mail,
    postmaster_address,
)
from intake.bids.fund_notice import keep_unanswerable
from intake.clock import Clock
from intake.config.model import Config, Fund, Office
from intake.errors import NotFound
from intake.inbox.spool import Spool
from intake.jobs.finishing import last_transaction
from intake.jobs.kinds import AckJob, CardJob, MessageJob
from intake.reading.extract import Extraction, extract_from_spool
from intake.reading.forms import form_spec
from intake.reading.mail import Mail, written_text
from intake.reading.pool import ParseFailed, ParsePool
from intake.rules.addresses import mailbox
from intake.rules.bid import Problem
from intake.rules.checks import Judgement, judge, unreadable
from intake.rules.duplicates import MAX_LINKS, fingerprint, fingerprint_values, reasons_for
from intake.rules.references import find_reference, message_ids
from intake.store import bids, duplicates, messages, outbox
from intake.store.bids import Bid, NewBid, NewVersion, Standing
from intake.store.duplicates import Duplicate
from intake.store.engine import reading
from intake.store.messages import StoredMessage
from intake.store.queue import enqueue, enqueue_many
from notifier.ack import is_automatic
from notifier.text import one_line, shorten

NO_FORM = "The mail had no application form attached (we look for a Word .docx or a PDF file)."


MAX_KEPT_TEXT = 5000
"""Characters of a mail's own words kept on the bid (the spool keeps all of it)."""


class ReceiveContext(Protocol):
    """What reading a mail into a bid needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    spool: Spool
    pool: ParsePool

    def card_chain(self, *, office: str, fund: str | None) -> str: ...


async def process_message(runtime: ReceiveContext, job: MessageJob) -> None:
    """The ``message`` job: read the mail's form, judge it, store it, queue the effects."""
    message_id = job.message
    async with reading(runtime.engine) as connection:
        message, made_a_version = await messages.message_to_read(connection, message_id)
    if made_a_version or message.state not in ("queued",):
        return
    fund = runtime.config.fund(message.fund or "")  # every queued message has its fund
    office = runtime.config.office(fund.office)
    form = runtime.config.form(fund.form)
    spec = form_spec(runtime.config, form, fund)
    path = await _local_copy(runtime, message)
    try:
        extraction = await runtime.pool.run(extract_from_spool, path, spec)
    except ParseFailed as exc:
        extraction = Extraction(mail=None, attachments=[], unreadable=exc.reason)
    except FileNotFoundError:
        raise  # the spool lost a file: an operator must look, never a silent bid
    except Exception as exc:
        runtime.log.exception("reading message %s failed", message_id)
        reason = f"the mail could not be read ({exc.__class__.__name__}); an officer should open it"
        extraction = Extraction(mail=None, attachments=[], unreadable=reason)
    facts = extraction.mail or Mail(from_addr=message.mail_from)
    if extraction.document is not None:
        judgement = judge(
            form=form,
            fund=fund,
            office=office,
            answers=extraction.document.answers,
            received_at=message.received_at,
            attachments=[a.name for a in extraction.attachments],
        )
    else:
        judgement = unreadable(extraction.unreadable or NO_FORM)

    postmaster = postmaster_address(runtime.config, message.rcpt_tos)
    if postmaster is not None:  # office correspondence: never a bid, never answered
        async with last_transaction(runtime.engine) as connection:
            await keep_postmaster_mail(
                runtime, connection, message, facts, office, extraction, postmaster=postmaster
            )
        return
    own = [f.inbox for f in runtime.config.funds] + [_address(office.reply_from)]
    automatic = is_automatic({**facts.headers, "from": facts.from_addr}, message.mail_from, own)
    if not fund.takes_bids:  # partner-run, closed or under review: answered, no bid
        async with last_transaction(runtime.engine) as connection:
            await keep_unanswerable(
                connection,
                message,
                fund,
                automatic=automatic,
                their_message_id=facts.message_id,
            )
        return
    ref = find_reference(
        subject=facts.subject,
        text=facts.text,
        thread_ids=(facts.in_reply_to, *facts.references),
    )
    async with last_transaction(runtime.engine) as connection:
        if await bids.made_a_version(connection, message_id):
            return
        existing = await _replied_bid(connection, facts, office.id)
        if existing is None and ref:
            existing = await _bid_of_office(connection, ref, office.id)
        if (
            existing is not None
            and not automatic
            and not await _from_applicant(connection, existing, message, facts)
        ):
            await _keep_as_claim(runtime, connection, message, facts, existing, extraction)
            return
        if automatic or (existing is not None and extraction.no_form):
            await _keep_as_correspondence(
                runtime, connection, message, facts, existing, automatic, extraction
            )
            return
        if existing is not None and _a_proposal(runtime.config, existing, extraction):
            # A staged approach's proposal is its own document, not the fund's form
            # read again: kept on the bid for the officer, never a new version.
            await _keep_as_correspondence(
                runtime, connection, message, facts, existing, None, extraction, what="a proposal"
            )
            return
        addressed = _funds_addressed(runtime.config, message)
        if existing is None and len(addressed) > 1 and not _accepted_again(job):
            # One mail to several funds' inboxes: we ask which fund, never pick one.
            await keep_as_enquiry(
                runtime, connection, message, facts, office, extraction, several_funds=addressed
            )
            return
        if existing is None and is_enquiry(extraction) and not _accepted_again(job):
            # No form and no bid it belongs to: a question, not an application.
            await keep_as_enquiry(runtime, connection, message, facts, office, extraction)
            return
        await _store_version(
            runtime,
            connection,
            message=message,
            fund=fund,
            office=office,
            facts=facts,
            extraction=extraction,
            judgement=judgement,
            existing=existing,
        )


def _a_proposal(config: Config, bid: Bid, extraction: Extraction) -> bool:
    """A staged approach's reply with documents, once its proposal form was asked for."""
    return (
        extraction.document is None
        and bool(extraction.attachments)
        and stages.staged(config, bid)
        and bid.stage == stages.PROPOSAL_REQUESTED
    )


def _funds_addressed(config: Config, message: StoredMessage) -> list[Fund]:
    """The funds whose inboxes the mail was sent to, each once, in the envelope's order."""
    found: list[Fund] = []
    for recipient in message.rcpt_tos:
        fund = config.fund_for_inbox(recipient)
        if fund is not None and fund not in found:
            found.append(fund)
    return found


def _accepted_again(job: MessageJob) -> bool:
    """Whether an officer had this mail read again for a bid (it is then never an enquiry)."""
    return job.again is not None


async def _local_copy(runtime: ReceiveContext, message: StoredMessage) -> str:
    """The message's spool file here; fetched from the database if another node took it."""
    path = runtime.spool.path(message.spool_name)
    if path.exists():
        return str(path)
    async with reading(runtime.engine) as connection:
        content = await messages.message_content(connection, message.id)
    if content is None:
        raise FileNotFoundError(f"message {message.id} is in no spool here and not in the database")
    return str(await asyncio.to_thread(runtime.spool.restore, message.spool_name, content))


async def _bid_of_office(connection: AsyncConnection, ref: str, office: str) -> Bid | None:
    try:
        bid = await bids.bid_by_ref(connection, ref)
    except NotFound:  # a reference we never issued: the mail is a new bid
        return None
    return bid if bid.office == office else None


async def _replied_bid(connection: AsyncConnection, facts: Mail, office: str) -> Bid | None:
    """The bid a reply answers, found by our own Message-ID in its ``In-Reply-To`` or
    ``References`` (ours carry no reference; the record of what we sent knows the bid)."""
    bid_id = await outbox.bid_of_message_ids(
        connection, message_ids(facts.in_reply_to, *facts.references)
    )
    if bid_id is None:
        return None
    try:
        bid = await bids.bid_by_id(connection, bid_id)
    except NotFound:  # erased since
        return None
    return bid if bid.office == office else None


async def _from_applicant(
    connection: AsyncConnection, bid: Bid, message: StoredMessage, facts: Mail
) -> bool:
    """Whether a mail naming ``bid`` comes from its applicant: the envelope sender or
    From of its first version, or an address an officer accepted for it."""
    known = {mailbox(bid.applicant)}
    first = await bids.version(connection, bid.id, 1)
    if first is not None and first.mail:
        known.add(mailbox(first.mail.get("from")))
    known |= await bids.accepted_senders(connection, bid.id)
    known.discard("")
    return any(mailbox(address) in known for address in (message.mail_from, facts.from_addr))


async def _keep_as_claim(
    runtime: ReceiveContext,
    connection: AsyncConnection,
    message: StoredMessage,
    facts: Mail,
    bid: Bid,
    extraction: Extraction,
) -> None:
    """Mail naming a bid from someone else: kept aside for an officer, never applied.

    The card's thread shows it with the officer's two answers (take it as the
    next version, or reject it); the applicant of record is told by mail, and
    the sender gets a neutral answer that says nothing of the bid.
    """
    sender = message.mail_from or facts.from_addr
    what = "a new form" if extraction.document is not None else "a message"
    event = await bids.add_event(
        connection,
        bid_id=bid.id,
        at=runtime.clock.now(),
        actor="intake",
        kind="claim",
        text=f"Another sender, {sender}, sent {what} naming this bid: kept aside, not applied.",
        data={
            "message": message.id,
            "sender": sender,
            "from": facts.from_addr,
            "subject": facts.subject[:200],
            "message_id": facts.message_id,
            "form": extraction.document is not None,
            "text": written_text(facts.text)[:MAX_KEPT_TEXT],
        },
    )
    await messages.set_message_outcome(
        connection, message.id, state="claim", outcome=f"claim on {bid.ref}", bid_id=bid.id
    )
    chain = runtime.card_chain(office=bid.office, fund=bid.fund)
    await enqueue_many(
        connection,
        [
            CardJob.for_event(bid.id, event, chain=chain),
            AckJob.for_claim(bid.id, bid.version, event=event, what="claim_notice"),
            AckJob.for_claim(bid.id, bid.version, event=event, what="claim_received"),
        ],
    )
    runtime.log.info(
        "message %s names %s from another sender: kept as a claim", message.id, bid.ref
    )


async def _keep_as_correspondence(
    runtime: ReceiveContext,
    connection: AsyncConnection,
    message: StoredMessage,
    facts: Mail,
    bid: Bid | None,
    automatic: str | None,
    extraction: Extraction,
    *,
    what: str | None = None,
) -> None:
    """Mail that makes no bid: automatic mail, a reply without a form, or a proposal."""
    now = runtime.clock.now()
    if bid is None:
        await messages.set_message_outcome(
            connection,
            message.id,
            state="automatic",
            outcome=f"not answered: {automatic}",
        )
        return
    what = what or ("an automatic message" if automatic else "a reply without a form")
    written = written_text(facts.text)
    said = f": {shorten(one_line(written), 300)}" if written else ""
    names = [a.name for a in extraction.attachments]
    if names:  # a supporting document sent on its own: officers see it came
        said += f" (attached: {shorten(one_line(', '.join(names)), 200)})"
    event = await bids.add_event(
        connection,
        bid_id=bid.id,
        at=now,
        actor=facts.from_addr or message.mail_from,
        kind="correspondence",
        text=f"Received {what} from {facts.from_addr or message.mail_from}: "
        f'"{facts.subject[:150]}"{said}',
        data={
            "message": message.id,
            "text": written[:MAX_KEPT_TEXT],
            "attachments": [a.name for a in extraction.attachments],
            # Where an officer's reply goes in the applicant's thread (intake/bids/replies.py).
            "subject": facts.subject[:200],
            "message_id": facts.message_id,
            "references": list(facts.references)[-20:],
        },
    )
    await messages.set_message_outcome(
        connection,
        message.id,
        state="correspondence",
        outcome=f"kept on {bid.ref}",
        bid_id=bid.id,
    )
    chain = runtime.card_chain(office=bid.office, fund=bid.fund)
    await enqueue(connection, CardJob.for_event(bid.id, event, chain=chain))


async def _store_version(
    runtime: ReceiveContext,
    connection: AsyncConnection,
    *,
    message: StoredMessage,
    fund: Fund,
    office: Office,
    facts: Mail,
    extraction: Extraction,
    judgement: Judgement,
    existing: Bid | None,
) -> None:
    """Store the mail as a new bid or the next version of ``existing``, in the caller's
    transaction: the bid's row, the version's, the message's outcome, the event, the jobs."""
    now = runtime.clock.now()
    standing = _standing(judgement, now)
    if existing is None:
        ref = await _new_reference(connection, office, message.received_at)
        bid = _new_bid(ref, message, fund, office, facts)
        bid_id, number = await bids.add_bid(connection, bid, standing), 1
    else:
        ref, bid_id, number = existing.ref, existing.id, existing.version + 1
        await bids.advance_bid(connection, bid_id, version=number, standing=standing)
    version = _new_version(message, facts, extraction, judgement)
    await bids.add_version(connection, bid_id, number, version)
    await messages.set_message_outcome(
        connection, message.id, state="processed", outcome=f"{ref} version {number}", bid_id=bid_id
    )
    repeats = (
        await _flag_duplicates(connection, bid_id, fund, office, version, now)
        if (existing is None)
        else []
    )
    event = await bids.add_event(
        connection,
        bid_id=bid_id,
        at=now,
        actor="intake",
        kind="received" if number == 1 else "resubmitted",
        text=_event_text(number, judgement.status, judgement.problems) + repeats_text(repeats),
        data={"message": message.id, "version": number},
    )
    chain = runtime.card_chain(office=office.id, fund=fund.id)
    await enqueue_many(
        connection,
        [
            CardJob.for_version(bid_id, number, event=event, chain=chain),
            AckJob.for_version(bid_id, number, "no_form" if extraction.no_form else "received"),
        ],
    )
    runtime.log.info(
        "message %s -> %s version %d: %s (%d problems)",
        message.id,
        ref,
        number,
        judgement.status,
        len(judgement.problems),
    )


async def _flag_duplicates(
    connection: AsyncConnection,
    bid_id: int,
    fund: Fund,
    office: Office,
    version: NewVersion,
    now: datetime,
) -> list[Duplicate]:
    """Link a new bid to the earlier bids of its fund and round it may repeat (never merged:
    an officer decides). Returns the links, oldest bid first."""
    sender = version.mail.get("reply_address") if version.mail else None
    values = fingerprint_values(fingerprint(version.fields, sender))
    matches = await duplicates.matching_bids(
        connection, fund=fund.id, round=version.round, values=values, but=bid_id, limit=MAX_LINKS
    )
    links = {other: reasons_for(kinds) for other, (_ref, kinds) in matches.items()}
    await duplicates.link_all(connection, bid_id, links, at=now)
    found = [Duplicate("", ref, links[other]) for other, (ref, _kinds) in matches.items()]
    await duplicates.keep_fingerprints(
        connection, bid_id, fund=fund.id, round=version.round, values=values
    )
    return found


def repeats_text(repeats: list[Duplicate]) -> str:
    """ " Possible duplicate of KENT-2027-0001 (the same organisation).", or nothing."""
    if not repeats:
        return ""
    first = repeats[0]
    more = f" and {len(repeats) - 1} more" if len(repeats) > 1 else ""
    return f" Possible duplicate of {first.of_ref}{more} ({', '.join(first.reasons)})."


async def _new_reference(connection: AsyncConnection, office: Office, received: datetime) -> str:
    """A new bid's reference: the office's next number for the year it arrived in, there."""
    year = received.astimezone(office.tz).year
    return await bids.next_reference(connection, prefix=office.reference_prefix, year=year)


def _standing(judgement: Judgement, now: datetime) -> Standing:
    fields = judgement.fields
    return Standing(
        status=judgement.status,
        round=judgement.round.id if judgement.round else None,
        organisation=fields.get("organisation_name"),
        project=fields.get("project_name"),
        amount_requested=fields.get("amount_requested"),
        updated_at=now,
    )


def _new_bid(ref: str, message: StoredMessage, fund: Fund, office: Office, facts: Mail) -> NewBid:
    return NewBid(
        ref=ref,
        office=office.id,
        fund=fund.id,
        form=fund.form,
        # The envelope sender, which the front mail server's SPF and DMARC vouch
        # for: the bid belongs to it, and automatic replies go to it (RFC 3834 §4).
        applicant=message.mail_from or facts.from_addr,
        thread_subject=facts.subject,
        thread_message_id=facts.message_id,
        received_at=message.received_at,
    )


def _new_version(
    message: StoredMessage, facts: Mail, extraction: Extraction, judgement: Judgement
) -> NewVersion:
    return NewVersion(
        message_id=message.id,
        received_at=message.received_at,
        file=extraction.file,
        format=extraction.document.format if extraction.document else None,
        fields=judgement.fields,
        problems=[p.model_dump() for p in judgement.problems],
        status=judgement.status,
        sources=extraction.sources(),
        attachments=[asdict(a) for a in extraction.attachments],
        round=judgement.round.id if judgement.round else None,
        mail={
            "subject": facts.subject,
            "from": facts.from_addr,
            "reply_address": message.mail_from or facts.from_addr,
            "reply_to": facts.reply_address,
            "message_id": facts.message_id,
            "references": list(facts.references),
            "warnings": facts.warnings,
        },
    )


def _event_text(version: int, status: str, problems: list[Problem]) -> str:
    what = "Application received" if version == 1 else f"Version {version} received"
    count = len(problems)
    detail = "no problems" if not count else f"{count} problem{'s' if count != 1 else ''}"
    return f"{what}: {status}, {detail}."


def _address(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value)[1]
