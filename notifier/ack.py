"""Acknowledgement mails to applicants, and the rule for when not to send one.

Pure: :func:`build_acknowledgement` turns an :class:`Acknowledgement` into an
:class:`email.message.EmailMessage`; :func:`is_automatic` says why a received
message must not be answered. Sending is :mod:`notifier.mailer`'s job.

The mail is written for a volunteer at a small charity: what arrived, the
reference to quote, what is wrong in plain words with the question as the form
asks it, and by when to send a corrected form.
"""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email import policy
from email.errors import NonASCIILocalPartDefect
from email.header import decode_header, make_header
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Any, Protocol

from notifier.errors import AddressError
from notifier.model import Acknowledgement, BidSummary, ProblemLine
from notifier.references import TAG, tag
from notifier.text import clean, labelled, one_line, shorten
from notifier.wording import clock, closing_day, deadline_phrase, fund_words, long_date

MAX_THEIR_SUBJECT = 150
# Enough of a thread for any mail client to place the reply; bounded so a
# crafted References header cannot make ours huge.
MAX_REFERENCES = 20
WIDTH = 72

_RE_PREFIX = re.compile(r"^\s*re\s*(\[\d+\])?\s*:", re.IGNORECASE)
_MSG_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")

# Problems that no corrected form can cure within this round.
_FINAL_CODES = frozenset({"late", "no_round"})


class _HeaderClasses(HeaderRegistry):
    """``policy.default``'s header registry, making each header's class once.

    The registry builds a new class with ``type()`` for every header it parses,
    and an acknowledgement sets or reads about seventeen: that was a fifth of
    the time to build one. The names it sees here are ours, so the cache stays
    small; it is bounded all the same.
    """

    LIMIT = 64

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._classes.get(name)
        if made is None:
            made = super().__getitem__(name)
            if len(self._classes) < self.LIMIT:
                self._classes[name] = made
        return made


_POLICY = policy.default.clone(header_factory=_HeaderClasses())
"""``policy.default`` (line breaks in a header value refused, RFC 2047 for the
rest), with header classes made once."""


def reply_subject(their_subject: str | None, ref: str) -> str:
    """``Re: <their subject> [Ref <REF>]``, without a second "Re:" or a second tag.

    The subject is rebuilt from plain text only: encoded words are decoded and
    all white space, line breaks included, folded to single spaces before
    anything is added. A subject that decodes to "Form A\\nBcc: x@evil" thus
    becomes one harmless line instead of a second header. A reference tag for
    another bid is replaced by ours so that a reply can only land on one bid.
    """
    subject = one_line(_decode_words(their_subject or ""))[:MAX_THEIR_SUBJECT]
    ours = tag(ref)
    tagged = False

    def keep_ours(match: re.Match[str]) -> str:
        nonlocal tagged
        if match.group(1).lower() == ref.lower() and not tagged:
            tagged = True
            return ours
        return ""

    subject = " ".join(TAG.sub(keep_ours, subject).split())
    if not subject:
        return f"Your grant application {ours}"
    if not tagged:
        subject = f"{subject} {ours}"
    if not _RE_PREFIX.match(subject):
        subject = f"Re: {subject}"
    return subject


def build_acknowledgement(ack: Acknowledgement, *, now: datetime | None = None) -> EmailMessage:
    """Build the acknowledgement mail, ready for a :class:`~notifier.mailer.Mailer`.

    Headers follow RFC 3834 (``Auto-Submitted: auto-replied``) and thread the
    mail under the applicant's (``In-Reply-To``, ``References``). ``now`` is the
    service clock (``Date`` and whether the round is still open); real time
    when not given. Raises :class:`AddressError` (permanent) for an address or
    Message-ID no mail can be sent with.
    """
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    to = _one_address("To", ack.to, what="applicant address")
    sender = _one_address("From", ack.from_addr, what="sender address")

    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = _subject(ack)
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = _own_message_id(ack.message_id)
    parent = _first_message_id(ack.their_message_id)
    if parent:
        message["In-Reply-To"] = parent
    references = _references(ack.their_references, parent)
    if references:
        message["References"] = " ".join(references)
    # RFC 3834 §5: we answer automatically; Exchange: no out-of-office back to us;
    # X-Loop: our own mail coming back is recognised by is_automatic.
    message["Auto-Submitted"] = _same_every_time("Auto-Submitted", "auto-replied")
    message["X-Auto-Response-Suppress"] = _same_every_time("X-Auto-Response-Suppress", "All")
    message["X-Loop"] = _same_every_time("X-Loop", str(sender.addresses[0].addr_spec))
    message["Content-Language"] = _same_every_time("Content-Language", "en-GB")
    message.set_content(acknowledgement_text(ack, now=now), charset="utf-8")
    return message


def _subject(ack: Acknowledgement) -> str:
    """Our subject. A mail about another sender's claim carries none of their words."""
    if ack.kind == "claim_received":
        return f"Your message about an application {tag(ack.bid.ref)}"
    if ack.kind == "claim_notice":
        return f"Another sender named your application {tag(ack.bid.ref)}"
    if ack.kind == "reminder":
        return f"Reminder: your application is not complete yet {tag(ack.bid.ref)}"
    if ack.kind == "monitoring":
        return f"Your grant: {_report(ack)[1]} due {tag(ack.bid.ref)}"
    return reply_subject(ack.their_subject, ack.bid.ref)


def acknowledgement_text(ack: Acknowledgement, *, now: datetime) -> str:
    """The plain-text body of the acknowledgement (see :func:`build_acknowledgement`)."""
    bid = ack.bid
    if ack.kind == "claim_received":
        # To a sender who is not the applicant: nothing of the bid, no promise.
        return (
            "\n\n".join(
                [
                    "Hello,",
                    f"We have received your message about {bid.ref}. It has been passed to "
                    "the officers of the fund, who will be in touch if they need anything "
                    "from you.",
                    f"Yours sincerely,\n{one_line(bid.office_name)}",
                    "This is an automatic message.",
                ]
            )
            + "\n"
        )
    paragraphs: list[str] = [_greeting(bid)]
    if ack.kind == "claim_notice":
        other = shorten(one_line(ack.note or "another address"), 120)
        paragraphs += [
            f"We have received a message from another sender, {other}, naming your "
            f"application {bid.ref}. It has not changed your application: our officers "
            "will look at it. If it was sent on your behalf, there is nothing you need "
            "to do; if not, please reply to this message to tell us.",
        ]
    elif ack.kind == "request_info":
        paragraphs += _request_info(ack, now)
    elif ack.kind == "reminder":
        paragraphs += _reminder(bid, now)
    elif ack.kind == "monitoring":
        paragraphs += _monitoring(ack)
    elif ack.kind == "proposal_request":
        paragraphs += _proposal_request(ack)
    elif ack.kind == "no_form":
        paragraphs += _no_form(bid, now)
    elif bid.status == "unreadable":
        paragraphs += _unreadable(bid, now)
    else:
        paragraphs += _received(bid, now)
    paragraphs += [
        f"Yours sincerely,\n{one_line(bid.office_name)}",
        "This is an automatic message. If you reply, a member of the team will read it.",
    ]
    return "\n\n".join(paragraphs) + "\n"


class HeaderItems(Protocol):
    """Anything with header ``items()``: a dict, or an :class:`email.message.Message`."""

    def items(self) -> Iterable[tuple[str, Any]]: ...


def is_automatic(
    headers: HeaderItems | Mapping[str, str],
    envelope_sender: str | None,
    own_addresses: Iterable[str] = (),
) -> str | None:
    """Say why a received message must not be answered, or None when a person sent it.

    Follows RFC 3834 and what RT and Zammad check: ``Auto-Submitted`` other
    than "no", ``Precedence`` bulk/list/junk, mailing-list headers, an empty
    envelope sender (bounces), MAILER-DAEMON, postmaster and no-reply senders,
    delivery reports, Exchange's ``X-Auto-Response-Suppress`` and our own mail
    coming back (``X-Loop`` or a From of ours). ``headers`` may be any mapping
    or an :class:`email.message.Message`; ``envelope_sender`` None means unknown.
    """
    lower = {name.lower(): str(value) for name, value in headers.items()}
    own = {address.strip().lower() for address in own_addresses if address.strip()}

    auto_submitted = _token(lower.get("auto-submitted"))
    if auto_submitted and auto_submitted != "no":
        return f"it is marked Auto-Submitted: {auto_submitted}"
    precedence = _token(lower.get("precedence"))
    if precedence in {"bulk", "list", "junk", "auto_reply"}:
        return f"it is marked Precedence: {precedence}"
    list_headers = sorted(name for name in lower if name.startswith("list-"))
    if list_headers:
        return f"it came through a mailing list ({list_headers[0]})"
    if envelope_sender is not None and envelope_sender.strip() in {"", "<>"}:
        return "its envelope sender is empty (a bounce or other automatic mail)"
    if _token(lower.get("content-type")) == "multipart/report":
        return "it is a delivery or read report"
    suppress = lower.get("x-auto-response-suppress", "").lower().replace(" ", "").split(",")
    if {"all", "autoreply", "oof"} & set(suppress):
        return "its sender asked for no automatic replies (X-Auto-Response-Suppress)"
    if "x-autoreply" in lower or "x-autorespond" in lower:
        return "it is an automatic reply"

    senders = [address for _, address in getaddresses([lower.get("from", "")]) if address]
    if envelope_sender:
        senders.append(envelope_sender.strip().strip("<>"))
    for address in senders:
        local = address.rsplit("@", 1)[0].lower()
        if local in {"mailer-daemon", "postmaster"} or re.match(
            r"(no-?reply|do-?not-?reply)\b", local
        ):
            return f"it was sent by {address}, which takes no replies"
        if address.lower() in own:
            return "it was sent from one of our own addresses"
    loop = lower.get("x-loop", "").lower()
    if own and any(address in loop for address in own):
        return "it is our own mail come back (X-Loop)"
    return None


# -- body paragraphs --------------------------------------------------------------------------


def _greeting(bid: BidSummary) -> str:
    name = shorten(one_line(bid.contact_name or ""), 80)
    return f"Dear {name}," if name else "Hello,"


def _received(bid: BidSummary, now: datetime) -> list[str]:
    paragraphs = [_thanks(bid), *_what_arrived(bid), _reference(bid)]
    final = [p for p in bid.told if p.code in _FINAL_CODES]
    if bid.status == "complete" or not bid.told:
        paragraphs.append(
            _fill(
                "Your application form is complete: every question we need is answered "
                "and the amount you asked for is within the fund's rules. You do not need "
                "to do anything more for now."
            )
        )
        if bid.unsure:
            paragraphs.append(
                _fill(
                    "A member of the team will check some of your answers against your "
                    "form by hand; you do not need to send anything for that."
                )
            )
    elif final and (round_opens := _opens_later(bid)) is not None:
        opens = long_date(round_opens, bid.zone)
        paragraphs.append(
            _fill("We cannot consider this application yet: the round has not opened.")
        )
        paragraphs.append(_problem_list(bid.told))
        paragraphs.append(
            _fill(
                f"The round opens on {opens}. You are welcome to send your application "
                f"again then: reply to this email on or after {opens} with the form "
                "attached, and it will be considered in that round."
            )
        )
        return paragraphs
    elif final:
        paragraphs.append(_fill("We are sorry, but we cannot consider this application:"))
        paragraphs.append(_problem_list(bid.told))
        paragraphs.append(
            _fill(
                "If you think we have got this wrong, please reply to this email and a "
                "member of the team will look into it."
            )
        )
        return [*paragraphs, *_next_steps(bid, now, considered=False)]
    else:
        count = len(bid.told)
        lead = (
            "Your application cannot be considered as it stands"
            if bid.status == "ineligible"
            else "Your application is not complete yet"
        )
        things = "one thing" if count == 1 else f"{count} things"
        paragraphs.append(_fill(f"{lead}. We found {things} to put right:"))
        paragraphs.append(_problem_list(bid.told))
        paragraphs.append(_resubmit(bid, now))
    return [*paragraphs, *_next_steps(bid, now, considered=True)]


def _opens_later(bid: BidSummary) -> datetime | None:
    """When the round opens, for a form that came before it opened; else None."""
    codes = {p.code for p in bid.told if p.code in _FINAL_CODES}
    if codes == {"no_round"} and bid.opens_at is not None and bid.opens_at > bid.received_at:
        return bid.opens_at
    return None


def _unreadable(bid: BidSummary, now: datetime) -> list[str]:
    paragraphs = [_thanks(bid), *_what_arrived(bid), _reference(bid)]
    reasons = [one_line(p.message) for p in bid.problems if p.message.strip()]
    said = f" ({'; '.join(reasons)})" if reasons else ""
    paragraphs.append(
        _fill(f"Unfortunately we could not read the application form in your email{said}.")
    )
    paragraphs.append(
        _fill(
            "Please reply to this email with the application form attached as a Word "
            "document (.docx) or as a PDF, "
            + _deadline_or_soon(bid, now)
            + ". A form filled in on the computer and saved from Word or your PDF reader "
            "works best; a scan or photo of a printed form is harder for us to read."
        )
    )
    return paragraphs


def _no_form(bid: BidSummary, now: datetime) -> list[str]:
    fund = fund_words(bid)
    to_whom = f" about the {one_line(fund)}" if fund else ""
    paragraphs = [_fill(f"Thank you for your email{to_whom}.")]
    if bid.attachments:
        paragraphs.append(
            "It came with these files, but none of them is our application form:\n"
            + _bullets(bid.attachments)
        )
    else:
        paragraphs.append(_fill("It did not have an application form attached."))
    paragraphs.append(_reference(bid))
    paragraphs.append(
        _fill(
            "If you meant to apply, please reply to this email with the completed "
            "application form attached, as a Word document (.docx) or a PDF, "
            + _deadline_or_soon(bid, now)
            + "."
        )
    )
    return paragraphs


def _request_info(ack: Acknowledgement, now: datetime) -> list[str]:
    bid = ack.bid
    fund = fund_words(bid)
    about = f"your application to the {one_line(fund)}" if fund else "your application"
    paragraphs = [
        _fill(
            f"Thank you for {about} (reference {bid.ref}). Before it can go further, "
            "we need some more information from you:"
        )
    ]
    if bid.told:
        paragraphs.append(_problem_list(bid.told))
    if ack.note and ack.note.strip():
        note = "\n".join(_fill(line, indent="    ") for line in clean(ack.note).strip().split("\n"))
        paragraphs.append(f"A note from the officer:\n{note}")
    paragraphs.append(
        _fill(
            "Please reply to this email with the corrected form attached, or with the "
            f"missing information in your reply, {_deadline_or_soon(bid, now)}. "
            f"Please keep {tag(bid.ref)} in the subject line."
        )
    )
    return paragraphs


def _reminder(bid: BidSummary, now: datetime) -> list[str]:
    fund = fund_words(bid)
    about = f"your application to the {one_line(fund)}" if fund else "your application"
    count = len(bid.told)
    things = "one thing is" if count == 1 else f"{count} things are"
    closes = (
        f"at the end of {long_date(closing_day(bid.closes_at, bid.zone), bid.zone)}"
        if bid.closes_at
        else "soon"
    )
    return [
        _fill(
            f"This is a reminder about {about} (reference {bid.ref}). The round closes "
            f"{closes}, and {things} still missing from your application:"
        ),
        _problem_list(bid.told),
        _fill(
            "Please reply to this email with the corrected form attached "
            f"{_deadline_or_soon(bid, now)}. Please send the whole form again and keep "
            f"{tag(bid.ref)} in the subject line. An application still incomplete when "
            "the round closes may not be considered."
        ),
        _fill(
            "This is the only reminder we will send. If you have already sent a "
            "corrected form, thank you: there is nothing more to do."
        ),
    ]


def _report(ack: Acknowledgement) -> tuple[str, str]:
    """The monitoring mail's due day (ISO) and what is due, from its note."""
    note = one_line(ack.note or "")
    day, _, what = note.partition(" ")
    return day, shorten(what or "monitoring report", 80)


def _monitoring(ack: Acknowledgement) -> list[str]:
    bid = ack.bid
    day, what = _report(ack)
    fund = fund_words(bid)
    grant = f"your grant from the {one_line(fund)}" if fund else "your grant"
    project = one_line(bid.project or "")
    for_project = f" for {shorten(project, 100)}" if project else ""
    try:
        when = long_date(datetime.fromisoformat(day).replace(tzinfo=bid.zone), bid.zone)
    except ValueError:
        when = day
    return [
        _fill(
            f"Thank you for the work{for_project} supported by {grant} (reference "
            f"{bid.ref}). The conditions of the grant ask for a {what} by {when}."
        ),
        _fill(
            "Please reply to this email with your report attached, telling us what the "
            "project has done, the outcomes you measured, and how the money was spent. "
            f"Please keep {tag(bid.ref)} in the subject line."
        ),
    ]


def _proposal_request(ack: Acknowledgement) -> list[str]:
    """A staged approach taken further: the officer asks for the fund's proposal form."""
    bid = ack.bid
    fund = fund_words(bid)
    about = f"your approach to the {one_line(fund)}" if fund else "your approach"
    paragraphs = [
        _fill(
            f"Thank you for {about} (reference {bid.ref}). We would like to take it "
            "further, and ask you for a proposal."
        )
    ]
    if ack.note and ack.note.strip():
        paragraphs += [_fill(line) for line in clean(ack.note).strip().split("\n") if line.strip()]
    paragraphs.append(
        _fill(
            "Please reply to this email with your proposal attached, and keep "
            f"{tag(bid.ref)} in the subject line."
        )
    )
    return paragraphs


def _thanks(bid: BidSummary) -> str:
    fund = fund_words(bid)
    to_whom = f" to the {one_line(fund)}" if fund else ""
    zone_name = bid.received_at.astimezone(bid.zone).tzname()
    received = (
        f"{long_date(bid.received_at, bid.zone)} at {clock(bid.received_at, bid.zone)} {zone_name}"
    )
    return _fill(f"Thank you for your application{to_whom}. We received your email on {received}.")


def _what_arrived(bid: BidSummary) -> list[str]:
    if not bid.attachments:
        return []
    return ["What we received:\n" + _bullets(bid.attachments)]


def _reference(bid: BidSummary) -> str:
    return _fill(
        f"Your reference is {bid.ref}. Please keep {tag(bid.ref)} in the subject line "
        "if you reply, so that your message joins your application."
    )


def _resubmit(bid: BidSummary, now: datetime) -> str:
    return _fill(
        "To put this right, please reply to this email with the corrected form "
        f"attached {_deadline_or_soon(bid, now)}. Please send the whole form again: "
        "we will treat it as a new version of the same application."
    )


def _next_steps(bid: BidSummary, now: datetime, *, considered: bool) -> list[str]:
    if not considered:
        return []
    if bid.closes_at is not None and bid.closes_at > now:
        day = long_date(closing_day(bid.closes_at, bid.zone), bid.zone)
        when = f"after the round closes on {day}, our officers"
    else:
        when = "our officers"
    return [
        _fill(
            f"What happens next: {when} will look at every application, and we aim to "
            "tell you our decision within one month of the round's closing date."
        )
    ]


def _deadline_or_soon(bid: BidSummary, now: datetime) -> str:
    """Say by when to resubmit: "by the end of …, when the round closes" or "as soon as you can"."""
    if bid.closes_at is not None and bid.closes_at > now:
        return f"{deadline_phrase(bid.closes_at, bid.zone)}, when the round closes"
    return "as soon as you can"


def _problem_list(problems: Iterable[ProblemLine]) -> str:
    items = []
    for number, problem in enumerate(problems, start=1):
        words = labelled(problem.question, problem.message)
        items.append(_fill(f"{number}. {words}", indent="  ", hanging="     "))
    return "\n".join(items)


def _bullets(names: Iterable[str]) -> str:
    return "\n".join(_fill(f"- {one_line(name)}", indent="  ", hanging="    ") for name in names)


def _fill(text: str, *, indent: str = "", hanging: str | None = None) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )


# -- headers ----------------------------------------------------------------------------------


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words if the caller passed a raw header; text stays text."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        return value


@functools.lru_cache(maxsize=64)
def _same_every_time(name: str, value: str) -> BaseHeader:
    """A header that is the same in every acknowledgement (or every one of an
    office), parsed once: a message takes a parsed header as it is."""
    return _POLICY.header_factory(name, value)


@functools.lru_cache(maxsize=1024)
def _one_address(name: str, value: str, *, what: str) -> AddressHeader:
    """Header ``name`` holding ``value``, which must be exactly one well-formed address
    (the message takes the parsed header as it is: one parse, not two). Remembered:
    an office's own address is parsed once, not for every mail; a parsed header is
    read only."""
    if "\r" in value or "\n" in value:
        raise AddressError(f"The {what} contains a line break.")
    header = _POLICY.header_factory(name, value)
    # A non-ASCII local part is fine: the relay carries it with SMTPUTF8.
    defects = [d for d in header.defects if not isinstance(d, NonASCIILocalPartDefect)]
    if defects or len(header.addresses) != 1 or "@" not in header.addresses[0].addr_spec:
        raise AddressError(f"The {what} {value!r} is not one usable email address.")
    return header


def _own_message_id(value: str) -> str:
    candidate = value.strip()
    if not candidate.startswith("<"):
        candidate = f"<{candidate}>"
    if not _MSG_ID.fullmatch(candidate):
        raise AddressError(f"{value!r} is not a usable Message-ID.")
    return candidate


def _first_message_id(value: str | None) -> str | None:
    """The first well-formed ``<id@host>`` in a header we received; junk around it is dropped."""
    if not value:
        return None
    found = _MSG_ID.search(value)
    return found.group(0) if found else None


def _references(theirs: Iterable[str], parent: str | None) -> list[str]:
    ids: list[str] = []
    for header in theirs:
        for found in _MSG_ID.findall(header or ""):
            if found not in ids:
                ids.append(found)
    if parent:
        if parent in ids:
            ids.remove(parent)
        ids.append(parent)
    # Keep the thread's root and its most recent messages (RFC 5322 §3.6.4).
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids


def _token(value: str | None) -> str:
    """The first token of a structured header, lower case: "auto-replied; x=y" -> "auto-replied"."""
    if not value:
        return ""
    return value.split(";", 1)[0].strip().lower()
