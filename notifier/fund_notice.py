"""The answer to mail sent to a fund that takes no bids here.

Some funds an office lists are run by a partner (applications go through the
partner's own process), and some are closed or under review. Mail to their
inboxes makes no bid; the sender gets one polite automatic answer saying where
to apply, or that the fund is not taking applications. Pure: a
:class:`FundNotice` in, an :class:`email.message.EmailMessage` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from notifier.ack import (
    _POLICY,
    _fill,
    _first_message_id,
    _one_address,
    _own_message_id,
    _same_every_time,
)
from notifier.text import one_line

NoticeReason = Literal["partner", "closed", "under_review"]


@dataclass(frozen=True, kw_only=True)
class FundNotice:
    """One answer to a sender who mailed a fund that takes no bids here.

    ``reason`` says why: ``partner`` (``partner_name`` runs the fund's
    applications, at ``partner_url``), ``closed`` or ``under_review``.
    ``note`` is the office's own words from the configuration, added as they are.
    """

    to: str
    from_addr: str
    office_name: str
    fund_name: str
    reason: NoticeReason
    message_id: str
    partner_name: str | None = None
    partner_url: str | None = None
    note: str | None = None
    their_message_id: str | None = None

    def __post_init__(self) -> None:
        if self.reason == "partner" and not (self.partner_name and self.partner_url):
            raise ValueError("a partner notice needs the partner's name and address")


def build_fund_notice(notice: FundNotice, *, now: datetime | None = None) -> EmailMessage:
    """The answer mail (RFC 3834 auto-reply headers, threaded under the sender's mail).

    Raises :class:`~notifier.errors.AddressError` (permanent) for an address
    no mail can be sent to.
    """
    now = now or datetime.now(UTC)
    to = _one_address("To", notice.to, what="sender address")
    sender = _one_address("From", notice.from_addr, what="sender address")
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = notice_subject(notice)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = _own_message_id(notice.message_id)
    parent = _first_message_id(notice.their_message_id)
    if parent:
        message["In-Reply-To"] = parent
        message["References"] = parent
    message["Auto-Submitted"] = _same_every_time("Auto-Submitted", "auto-replied")
    message["X-Auto-Response-Suppress"] = _same_every_time("X-Auto-Response-Suppress", "All")
    message["X-Loop"] = _same_every_time("X-Loop", str(sender.addresses[0].addr_spec))
    message["Content-Language"] = _same_every_time("Content-Language", "en-GB")
    message.set_content(notice_text(notice), charset="utf-8")
    return message


def notice_subject(notice: FundNotice) -> str:
    """Our own subject: none of the sender's words (they may be anyone)."""
    fund = one_line(notice.fund_name)
    if notice.reason == "partner":
        return f"How to apply to the {fund}"
    if notice.reason == "under_review":
        return f"The {fund} is under review"
    return f"The {fund} is closed"


def notice_text(notice: FundNotice) -> str:
    """The plain-text body of the answer."""
    fund, office = one_line(notice.fund_name), one_line(notice.office_name)
    if notice.reason == "partner":
        body = [
            f"Thank you for your interest in the {fund}. Applications to this fund are "
            f"not made to {office}: they are made through {one_line(notice.partner_name or '')}, "
            "who run the fund on our behalf.",
            f"Please apply through their website: {notice.partner_url}",
            "We have not registered your mail as an application, so please do not "
            "wait for a reference number from us.",
        ]
    elif notice.reason == "under_review":
        body = [
            f"Thank you for your interest in the {fund}. The fund is under review and "
            "is not taking applications at the moment.",
            "We have not registered your mail as an application. Please look out for "
            f"news of the fund from {office} before applying again.",
        ]
    else:
        body = [
            f"Thank you for your interest in the {fund}. The fund is closed and is not "
            "taking applications.",
            "We have not registered your mail as an application.",
        ]
    if notice.note:
        body.append(one_line(notice.note))
    paragraphs = [_fill(p) for p in body]
    return "\n\n".join(["Hello,", *paragraphs, f"With best wishes,\n{office}"]) + "\n"
