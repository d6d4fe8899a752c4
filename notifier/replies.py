"""An officer's reply to an applicant: its Slack pieces (a thread line with a "Reply"
button, the modal the officer writes in) and the mail itself.

Pure, like the rest of the notifier. The mail goes to the applicant of record in
their own thread: ``In-Reply-To`` and ``References`` name the applicant's mail,
the subject is ours with the bid's ``[Ref …]`` tag (:func:`notifier.ack.reply_subject`),
so their answer joins the bid. A person wrote it, so it is not marked
``Auto-Submitted``: the applicant's mail system treats it as any other mail.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

# The acknowledgement's header rules (one address, our Message-ID, the thread) are
# the reply's too: one definition of what we put in headers.
from notifier.ack import (
    _POLICY,
    _first_message_id,
    _one_address,
    _own_message_id,
    _references,
    reply_subject,
)
from notifier.cards import ACTION_REPLY, thread_line
from notifier.escape import escape_mrkdwn, truncate
from notifier.references import tag
from notifier.text import clean, kept_lines, one_line

CALLBACK_REPLY = "reply_to_applicant"
BLOCK_REPLY = "reply"
ACTION_TEXT = "text"
MAX_REPLY = 3000
"""The longest reply an officer can write in the modal (Slack allows 3000)."""
MAX_QUOTED = 2800
"""How much of the applicant's mail the modal shows above the officer's reply."""

Payload = dict[str, Any]


def reply_button(value: str) -> dict[str, Any]:
    """The "Reply" button; ``value`` is the bid's reference, then the kept mail's event id."""
    return {
        "type": "button",
        "action_id": ACTION_REPLY,
        "text": {"type": "plain_text", "text": "Reply"},
        "value": value,
    }


def reply_line(text: str, *, value: str) -> Payload:
    """A thread line for a mail kept on the bid (a reply, a question), with "Reply"."""
    line = thread_line(text)
    line["blocks"].append({"type": "actions", "elements": [reply_button(value)]})
    return line


def reply_modal(
    *, ref: str, organisation: str | None, to: str, quoting: str | None, metadata: str
) -> dict[str, Any]:
    """The modal an officer writes a reply in: to whom, what they wrote, the reply."""
    name = one_line(organisation or "") or "an unnamed organisation"
    head = (
        f"To the applicant of *{ref}* ({truncate(escape_mrkdwn(name), 300)}), "
        f"{escape_mrkdwn(one_line(to))}, in their mail's thread."
    )
    blocks: list[dict[str, Any]] = [_section(head)]
    if quoting and kept_lines(quoting):
        quoted = "\n".join(f"> {line}" for line in kept_lines(quoting).split("\n"))
        blocks.append(_section("*They wrote:*\n" + truncate(escape_mrkdwn(quoted), MAX_QUOTED)))
    blocks.append(
        {
            "type": "input",
            "block_id": BLOCK_REPLY,
            "label": {"type": "plain_text", "text": "Your reply"},
            "element": {
                "type": "plain_text_input",
                "action_id": ACTION_TEXT,
                "multiline": True,
                "max_length": MAX_REPLY,
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": CALLBACK_REPLY,
        "title": {"type": "plain_text", "text": "Reply to the applicant"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": blocks,
    }


def read_reply(values: dict[str, Any]) -> str | None:
    """The reply typed in the modal, its line breaks kept; None when left blank."""
    value = ((values.get(BLOCK_REPLY) or {}).get(ACTION_TEXT) or {}).get("value")
    text = clean(str(value)).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True, slots=True, kw_only=True)
class OfficerReply:
    """One officer's reply to a bid's applicant, in the thread of ``their_message_id``."""

    ref: str
    office_name: str
    to: str
    from_addr: str
    their_subject: str | None
    their_message_id: str | None
    their_references: tuple[str, ...] = ()
    message_id: str
    text: str


def reply_text(reply: OfficerReply) -> str:
    """The body: the officer's words as written (line breaks kept), the office, the reference."""
    words = clean(reply.text).strip()
    footer = textwrap.fill(
        f"Your reference is {reply.ref}. Please keep {tag(reply.ref)} in the subject line "
        "if you reply, so that your message joins your application.",
        72,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return f"{words}\n\n{one_line(reply.office_name)}\n\n{footer}\n"


def build_reply(reply: OfficerReply, *, now: datetime) -> EmailMessage:
    """The reply as a mail ready for a :class:`~notifier.mailer.Mailer`.

    Raises :class:`~notifier.errors.AddressError` for an address or Message-ID no
    mail can be sent with.
    """
    message = EmailMessage(policy=_POLICY)
    message["From"] = _one_address("From", reply.from_addr, what="sender address")
    message["To"] = _one_address("To", reply.to, what="applicant address")
    message["Subject"] = reply_subject(reply.their_subject, reply.ref)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = _own_message_id(reply.message_id)
    parent = _first_message_id(reply.their_message_id)
    if parent:
        message["In-Reply-To"] = parent
    references = _references(reply.their_references, parent)
    if references:
        message["References"] = " ".join(references)
    message["Content-Language"] = "en-GB"
    message.set_content(reply_text(reply), charset="utf-8")
    return message


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
