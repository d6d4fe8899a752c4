"""Turning an accepted mail into a bid (or a new version of one).

The job runs again after a crash, so every step is idempotent: the bid version
a message made is unique per message, and the effects it queues (card,
acknowledgement) have unique keys. Parsing happens in a worker process; only
the database work runs here.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.config.model import Fund, Office
from intake.errors import NotFound
from intake.reading.extract import Extraction, extract_from_spool
from intake.reading.forms import form_spec
from intake.reading.mail import Mail
from intake.reading.pool import ParseFailed
from intake.rules.bid import Problem
from intake.rules.checks import Judgement, judge, unreadable
from intake.rules.references import find_reference
from intake.runtime import Runtime
from intake.slack.channels import card_chain
from intake.store import records
from intake.store.engine import reading
from intake.store.queue import Job, enqueue, enqueue_many
from intake.store.schema import bid_versions, bids
from notifier.ack import is_automatic

NO_FORM = "The mail had no application form attached (we look for a Word .docx or a PDF file)."

# Built once, executed with each bid's values (building one costs more than running it).
_NEW_BID = insert(bids).returning(bids.c.id)
_NEW_VERSION = insert(bid_versions)


async def process_message(runtime: Runtime, job: Job) -> None:
    """The ``message`` job: read the mail's form, judge it, store it, queue the effects."""
    message_id = job.payload["message"]
    async with reading(runtime.engine) as connection:
        message = await records.get_message(connection, message_id)
        if await records.version_for_message(connection, message_id) is not None:
            return
    if message.state not in ("queued",):
        return
    fund = runtime.config.fund(message.fund)
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
        )
    else:
        judgement = unreadable(extraction.unreadable or NO_FORM)

    own = [f.inbox for f in runtime.config.funds] + [_address(office.reply_from)]
    automatic = is_automatic({**facts.headers, "from": facts.from_addr}, message.mail_from, own)
    ref = find_reference(
        subject=facts.subject,
        text=facts.text,
        thread_ids=(facts.in_reply_to, *facts.references),
    )
    async with runtime.engine.begin() as connection:
        if await records.version_for_message(connection, message_id) is not None:
            return
        existing = await _bid_of_office(connection, ref, office.id) if ref else None
        if automatic or (existing is not None and extraction.no_form):
            await _keep_as_correspondence(runtime, connection, message, facts, existing, automatic)
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


async def _local_copy(runtime: Runtime, message: Any) -> str:
    """The message's spool file here; fetched from the database if another node took it."""
    path = runtime.spool.path(message.spool_name)
    if path.exists():
        return str(path)
    async with reading(runtime.engine) as connection:
        content = await records.message_content(connection, message.id)
    if content is None:
        raise FileNotFoundError(f"message {message.id} is in no spool here and not in the database")
    return str(await asyncio.to_thread(runtime.spool.restore, message.spool_name, content))


async def _bid_of_office(connection: AsyncConnection, ref: str, office: str) -> Any:
    try:
        bid = await records.bid_by_ref(connection, ref)
    except NotFound:  # a reference we never issued: the mail is a new bid
        return None
    return bid if bid.office == office else None


async def _keep_as_correspondence(
    runtime: Runtime,
    connection: AsyncConnection,
    message: Any,
    facts: Mail,
    bid: Any,
    automatic: str | None,
) -> None:
    """Mail that makes no bid: automatic mail, or a reply without a form."""
    now = runtime.clock.now()
    if bid is None:
        await records.set_message_outcome(
            connection,
            message.id,
            state="automatic",
            outcome=f"not answered: {automatic}",
        )
        return
    what = "an automatic message" if automatic else "a reply without a form"
    event = await records.add_event(
        connection,
        bid_id=bid.id,
        at=now,
        actor=facts.from_addr or message.mail_from,
        kind="correspondence",
        text=f"Received {what} from {facts.from_addr or message.mail_from}: "
        f'"{facts.subject[:150]}"',
        data={"message": message.id},
    )
    await records.set_message_outcome(
        connection,
        message.id,
        state="correspondence",
        outcome=f"kept on {bid.ref}",
        bid_id=bid.id,
    )
    await enqueue(
        connection,
        kind="card",
        key=f"card:{bid.id}:event:{event}",
        chain=card_chain(runtime.config, office=bid.office, fund=bid.fund),
        payload={"bid": bid.id, "event": event},
    )


async def _store_version(
    runtime: Runtime,
    connection: AsyncConnection,
    *,
    message: Any,
    fund: Fund,
    office: Office,
    facts: Mail,
    extraction: Extraction,
    judgement: Judgement,
    existing: Any,
) -> None:
    now = runtime.clock.now()
    received: datetime = message.received_at
    fields = judgement.fields
    summary = {
        "status": judgement.status,
        "round": judgement.round.id if judgement.round else None,
        "organisation": fields.get("organisation_name"),
        "project": fields.get("project_name"),
        "amount_requested": fields.get("amount_requested"),
        "updated_at": now,
    }
    if existing is None:
        ref = await records.next_reference(
            connection,
            prefix=office.reference_prefix,
            year=received.astimezone(office.tz).year,
        )
        bid_id = (
            await connection.execute(
                _NEW_BID,
                {
                    "ref": ref,
                    "office": office.id,
                    "fund": fund.id,
                    "form": fund.form,
                    "version": 1,
                    "applicant": facts.reply_address or message.mail_from,
                    "thread_subject": facts.subject,
                    "thread_message_id": facts.message_id,
                    "received_at": received,
                    **summary,
                },
            )
        ).scalar_one()
        version = 1
    else:
        ref, bid_id, version = existing.ref, existing.id, existing.version + 1
        await connection.execute(
            update(bids).where(bids.c.id == bid_id).values(version=version, **summary)
        )
    await connection.execute(
        _NEW_VERSION,
        {
            "bid_id": bid_id,
            "version": version,
            "message_id": message.id,
            "received_at": received,
            "file": extraction.file,
            "format": extraction.document.format if extraction.document else None,
            "fields": fields,
            "problems": [p.model_dump() for p in judgement.problems],
            "status": judgement.status,
            "sources": extraction.sources(),
            "attachments": [asdict(a) for a in extraction.attachments],
            "round": summary["round"],
            "mail": {
                "subject": facts.subject,
                "from": facts.from_addr,
                "reply_address": facts.reply_address or message.mail_from,
                "message_id": facts.message_id,
                "references": list(facts.references),
                "warnings": facts.warnings,
            },
        },
    )
    await records.set_message_outcome(
        connection,
        message.id,
        state="processed",
        outcome=f"{ref} version {version}",
        bid_id=bid_id,
    )
    event = await records.add_event(
        connection,
        bid_id=bid_id,
        at=now,
        actor="intake",
        kind="received" if version == 1 else "resubmitted",
        text=_event_text(version, judgement.status, judgement.problems),
        data={"message": message.id, "version": version},
    )
    kind = "no_form" if extraction.no_form else "received"
    await enqueue_many(
        connection,
        [
            {
                "kind": "card",
                "key": f"card:{bid_id}:v{version}",
                "chain": card_chain(runtime.config, office=office.id, fund=fund.id),
                "payload": {"bid": bid_id, "event": event if version > 1 else None},
            },
            {
                "kind": "ack",
                "key": f"ack:{bid_id}:v{version}",
                "chain": f"mail:{bid_id}",
                "payload": {"bid": bid_id, "version": version, "kind": kind},
            },
        ],
    )
    runtime.log.info(
        "message %s -> %s version %d: %s (%d problems)",
        message.id,
        ref,
        version,
        judgement.status,
        len(judgement.problems),
    )


def _event_text(version: int, status: str, problems: list[Problem]) -> str:
    what = "Application received" if version == 1 else f"Version {version} received"
    count = len(problems)
    detail = "no problems" if not count else f"{count} problem{'s' if count != 1 else ''}"
    return f"{what}: {status}, {detail}."


def _address(value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(value)[1]
