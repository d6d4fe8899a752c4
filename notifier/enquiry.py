"""A mail with no form and no reference: an enquiry, not a bid.

Pure. :func:`enquiry_card` is what officers see in the office's channel (the
enquirer's own words, escaped and shortened); :func:`enquiry_acknowledgement`
is the answer the enquirer gets, which says how to apply: the funds, their
inboxes, the round dates, and "attach the application form".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from notifier.ack import (
    _POLICY,
    _fill,
    _first_message_id,
    _one_address,
    _own_message_id,
    _references,
    _same_every_time,
)
from notifier.escape import escape_mrkdwn, truncate
from notifier.text import clean, one_line, shorten, without_links
from notifier.wording import short_time

MAX_CARD_TEXT = 2500
"""Characters of the enquirer's words on the card (Slack's section limit is 3000)."""
MAX_SUBJECT = 150


@dataclass(frozen=True, kw_only=True, slots=True)
class RoundDates:
    """One round of a fund, as the enquirer is told of it."""

    name: str
    opens: date
    closes: date


@dataclass(frozen=True, kw_only=True, slots=True)
class FundToApply:
    """A fund the office runs: its name, the inbox its forms go to, its rounds."""

    name: str
    inbox: str
    rounds: tuple[RoundDates, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class Enquiry:
    """One enquiry: who wrote, what they wrote, and the office's funds to tell them of."""

    office_name: str
    timezone: str
    sender: str
    subject: str
    text: str
    received_at: datetime
    funds: tuple[FundToApply, ...]
    attachments: tuple[str, ...] = ()
    several_funds: tuple[str, ...] = ()
    """The funds whose inboxes one mail with a form was sent to: we ask which it is for."""
    postmaster: str | None = None
    """The ``postmaster@`` address it was sent to: office correspondence, never answered."""


def card_title(enquiry: Enquiry) -> str:
    """What the card is: an enquiry, a form sent to several funds at once, or postmaster mail."""
    if enquiry.postmaster:
        return "Postmaster mail (office correspondence)"
    if enquiry.several_funds:
        return "Sent to several funds (not a bid yet)"
    return "Enquiry (not a bid)"


def enquiry_card(enquiry: Enquiry) -> dict[str, Any]:
    """The enquiry's card for the office's channel: who, when, the subject and their words."""
    zone = ZoneInfo(enquiry.timezone)
    sender = escape_mrkdwn(one_line(enquiry.sender) or "an unknown sender")
    subject = escape_mrkdwn(shorten(one_line(enquiry.subject), MAX_SUBJECT)) or "(no subject)"
    words = truncate(escape_mrkdwn(clean(enquiry.text).strip()), MAX_CARD_TEXT) or "(no text)"
    when = short_time(enquiry.received_at, zone)
    title = card_title(enquiry)
    heading = f"{'Form' if enquiry.several_funds else 'Enquiry'} from {sender}"
    if enquiry.postmaster:
        heading = f"Mail to {escape_mrkdwn(one_line(enquiry.postmaster))} from {sender}"
    details = f"*Received:* {when}\n*Subject:* {subject}"
    if enquiry.several_funds:
        funds = escape_mrkdwn(" and ".join(one_line(f) for f in enquiry.several_funds))
        details += f"\n*Sent to:* {funds}. The applicant is asked which fund it is for."
    if enquiry.attachments:
        names = ", ".join(escape_mrkdwn(one_line(a)) for a in enquiry.attachments[:10])
        details += f"\n*Attachments:* {names}"
    quoted = "\n".join(f"> {line}" if line else ">" for line in words.split("\n"))
    return {
        "text": truncate(f"{title}: {heading}: {subject}", 300),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": title}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*\n{details}"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(quoted, 2900)}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _card_footer(enquiry),
                    }
                ],
            },
        ],
    }


def _card_footer(enquiry: Enquiry) -> str:
    if enquiry.postmaster:
        return (
            "Mail to the postmaster address (RFC 5321 §4.5.1): not a bid and not answered "
            "automatically. Reply from your own mail if it needs an answer."
        )
    return (
        "Answered automatically with how to apply. Reply from your own mail to answer the question."
    )


def console_enquiry(enquiry: Enquiry, *, width: int = 78) -> str:
    """The enquiry's card as plain text, for the console when Slack is not configured."""
    zone = ZoneInfo(enquiry.timezone)
    lines = [
        f"{card_title(enquiry)} from {one_line(enquiry.sender)}",
        f"Received: {short_time(enquiry.received_at, zone)}",
        f"Subject: {shorten(one_line(enquiry.subject), MAX_SUBJECT)}",
        "",
        shorten(clean(enquiry.text).strip(), MAX_CARD_TEXT),
    ]
    if enquiry.postmaster:
        lines.insert(1, f"To: {one_line(enquiry.postmaster)} (not answered automatically)")
    heading = "── Postmaster mail " if enquiry.postmaster else "── Enquiry "
    return heading.ljust(width, "─") + "\n" + "\n".join(lines)


def enquiry_subject(their_subject: str) -> str:
    """``Re: <their subject>``, one line, without a second "Re:" and without links
    (an enquirer is nobody's applicant of record: their words go out in our name)."""
    subject = shorten(without_links(one_line(their_subject)), MAX_SUBJECT)
    if not subject:
        return "Your enquiry about our grants"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def enquiry_acknowledgement_text(enquiry: Enquiry, *, now: datetime) -> str:
    """The answer's plain text: thanks, then how to apply to each fund and when."""
    if enquiry.several_funds:
        return _several_funds_text(enquiry)
    paragraphs = [
        "Hello,",
        _fill(
            "Thank you for your message. It has been passed to our officers, "
            "who will answer any question in it."
        ),
        _fill(
            "It has not been treated as an application: no application form was "
            "attached. To apply, fill in the application form and send it, "
            "attached as a Word (.docx) or PDF file, to the inbox of the fund you "
            "are applying to:"
        ),
    ]
    today = now.astimezone(ZoneInfo(enquiry.timezone)).date()
    for fund in enquiry.funds:
        lines = [f"- {one_line(fund.name)}: {fund.inbox}"]
        coming = [r for r in fund.rounds if r.closes >= today]
        for found in coming:
            state = " (open now)" if found.opens <= today else ""
            lines.append(
                f"    {one_line(found.name)}: {_day(found.opens)} to {_day(found.closes)}{state}"
            )
        if not coming:
            lines.append("    No round is open or planned at present.")
        paragraphs.append("\n".join(lines))
    paragraphs += [
        _fill("Attach the application form: a mail without it cannot be considered as a bid."),
        f"Yours sincerely,\n{one_line(enquiry.office_name)}",
        "This is an automatic message. If you reply, a member of the team will read it.",
    ]
    return "\n\n".join(paragraphs) + "\n"


def _several_funds_text(enquiry: Enquiry) -> str:
    """The question to an applicant whose one mail went to several funds' inboxes."""
    names = " and ".join(one_line(f) for f in enquiry.several_funds)
    inboxes = "\n".join(
        f"- {one_line(f.name)}: {f.inbox}" for f in enquiry.funds if f.name in enquiry.several_funds
    )
    paragraphs = [
        "Hello,",
        _fill(
            f"Thank you for your application. Your email was sent to the inboxes of "
            f"more than one fund: the {names}. Each application is considered by one "
            "fund, so we have not registered it yet: we would rather ask than guess."
        ),
        _fill(
            "Please send it again, with the application form attached, to the inbox "
            "of the fund you are applying to. To apply to more than one fund, send a "
            "separate email to each fund's inbox:"
        ),
        inboxes,
        f"Yours sincerely,\n{one_line(enquiry.office_name)}",
        "This is an automatic message. If you reply, a member of the team will read it.",
    ]
    return "\n\n".join(paragraphs) + "\n"


def build_enquiry_acknowledgement(
    enquiry: Enquiry,
    *,
    to: str,
    from_addr: str,
    message_id: str,
    their_message_id: str | None,
    their_references: tuple[str, ...] = (),
    now: datetime,
) -> EmailMessage:
    """The answer to an enquiry, as a mail threaded under theirs (RFC 3834 headers).

    Raises :class:`notifier.errors.AddressError` (permanent) for an address no
    mail can be sent to.
    """
    sender = _one_address("From", from_addr, what="sender address")
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = _one_address("To", to, what="applicant address")
    message["Subject"] = enquiry_subject(enquiry.subject)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = _own_message_id(message_id)
    parent = _first_message_id(their_message_id)
    if parent:
        message["In-Reply-To"] = parent
    references = _references(their_references, parent)
    if references:
        message["References"] = " ".join(references)
    message["Auto-Submitted"] = _same_every_time("Auto-Submitted", "auto-replied")
    message["X-Auto-Response-Suppress"] = _same_every_time("X-Auto-Response-Suppress", "All")
    message["X-Loop"] = _same_every_time("X-Loop", str(sender.addresses[0].addr_spec))
    message["Content-Language"] = _same_every_time("Content-Language", "en-GB")
    message.set_content(enquiry_acknowledgement_text(enquiry, now=now), charset="utf-8")
    return message


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
