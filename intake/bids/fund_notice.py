"""Mail to a fund that takes no bids here: kept, answered once, and no bid made.

A fund run by a partner, or closed, or under review, still has its inbox in the
configuration (applicants keep old addresses). A mail to it is recorded with
its outcome and the sender gets one polite automatic answer
(:mod:`notifier.fund_notice`) saying where to apply or that the fund is not
taking applications; automatic mail is kept and never answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import our_domain, over_cap, send_then_record, sent_row
from intake.clock import Clock
from intake.config.model import Config, Fund
from intake.jobs.kinds import FundNoticeJob
from intake.store import messages, outbox
from intake.store.engine import reading
from intake.store.messages import StoredMessage
from intake.store.queue import enqueue
from notifier.fund_notice import FundNotice, NoticeReason, build_fund_notice
from notifier.mailer import Mailer


class FundNoticeContext(Protocol):
    """What answering a mail to a fund that takes no bids needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    mailer: Mailer
    mail_domain: str
    sending: asyncio.Lock


def notice_reason(fund: Fund) -> NoticeReason:
    """Why ``fund`` takes no bids; a partner's fund says where to apply even when closed."""
    if fund.administered_by is not None:
        return "partner"
    return "under_review" if fund.status == "under_review" else "closed"


async def keep_unanswerable(
    connection: AsyncConnection,
    message: StoredMessage,
    fund: Fund,
    *,
    automatic: str | None,
    their_message_id: str | None,
) -> None:
    """In the caller's transaction: record what became of a mail to ``fund`` and,
    unless it is automatic mail, queue its one answer."""
    reason = notice_reason(fund)
    if automatic:
        await messages.set_message_outcome(
            connection, message.id, state="automatic", outcome=f"not answered: {automatic}"
        )
        return
    await messages.set_message_outcome(
        connection,
        message.id,
        state="fund_notice",
        outcome=f"no bid: {fund.id} is {_REASON_WORDS[reason]}; the sender was answered",
    )
    await enqueue(connection, FundNoticeJob(message=message.id, their_message_id=their_message_id))


_REASON_WORDS: dict[NoticeReason, str] = {
    "partner": "run by a partner",
    "closed": "closed",
    "under_review": "under review",
}


async def send_fund_notice(runtime: FundNoticeContext, job: FundNoticeJob) -> None:
    """The ``fund_notice`` job: mail the sender the fund's answer, once."""
    async with reading(runtime.engine) as connection:
        if await outbox.was_sent(connection, job.key):
            return
        message = await messages.get_message(connection, job.message)
        fund = runtime.config.fund(message.fund or "")
        office = runtime.config.office(fund.office)
        to = message.mail_from
    if not to or "@" not in to:
        runtime.log.info("message %s to %s: no address to answer", message.id, fund.id)
        return
    if await over_cap(runtime, office, to) is not None:
        return  # over_cap logged which cap, and told the office
    domain = our_domain(office, runtime.mail_domain)
    message_id = f"<fund-notice.{message.id}@{domain}>"
    partner = fund.administered_by
    notice = FundNotice(
        to=to,
        from_addr=office.reply_from,
        office_name=office.name,
        fund_name=fund.name,
        reason=notice_reason(fund),
        message_id=message_id,
        partner_name=partner.name if partner else None,
        partner_url=partner.url if partner else None,
        note=fund.status_note,
        their_message_id=job.their_message_id,
    )
    mail = build_fund_notice(notice, now=runtime.clock.now())

    async def record(connection: AsyncConnection) -> None:
        await outbox.record_sent(
            connection,
            sent_row(
                mail,
                runtime.mailer,
                key=job.key,
                kind="fund_notice",
                to=to,
                message_id=message_id,
                at=runtime.clock.now(),
                office=office.id,
            ),
        )

    await send_then_record(runtime, mail, record)
    runtime.log.info("message %s to %s: answered %s", message.id, fund.id, to)
