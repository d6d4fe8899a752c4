"""The jobs the service queues: one class per kind, with its payload, its key and its chain.

A producer builds a job with its class's constructor (``CardJob.for_event(...)``)
and queues it (:func:`intake.store.queue.enqueue`); the worker reads the stored
payload back (``from_stored``) and hands its handler the typed job.

The key makes a job happen once: a job whose key is already queued is not
queued again, so a retried transaction or a second node queues nothing twice.
Keys and payloads are stored; their formats here must not change, or jobs
already in a database would be queued a second time or not be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar, Protocol, Self

from intake.store.queue import Job, Payload

if TYPE_CHECKING:
    # For the annotation only: the SMTP receiver's process reads MessageJob and must
    # not load the notifier (its Slack client among it).
    from notifier.model import AckKind


class JobKind(Protocol):
    """What every kind below has: its name, and a way back from its stored row."""

    kind: ClassVar[str]

    @classmethod
    def from_stored(cls, stored: Job) -> Self: ...


def mail_chain(bid: int) -> str:
    """The chain of a bid's mails to its applicant: they go out in the order queued."""
    return f"mail:{bid}"


@dataclass(frozen=True, slots=True)
class MessageJob:
    """Read an accepted message's form, judge it and store it as a bid."""

    kind: ClassVar[str] = "message"

    message: str
    """The message's id (``messages.id``)."""
    again: str | None = None
    """Why it is read a second time (an officer accepted it for a bid), which
    makes its key new; None the first time."""
    sender: str | None = None
    """The envelope sender's mailbox. One sender's mails are read one at a time
    (they share a chain), so however many slow files one sender sends, another
    sender's mail waits for one parse at most: the parsing is shared out."""
    released: bool = False
    """An officer let it through after it was held (its sender over the hourly
    limit): it is read whatever the count."""

    @property
    def key(self) -> str:
        if self.again is not None:
            return f"message:{self.message}:{self.again}"
        return f"message:{self.message}"

    @property
    def chain(self) -> str | None:
        # Different senders' mails are read in parallel, one sender's in turn.
        return f"sender:{self.sender}" if self.sender else None

    def payload(self) -> Payload:
        payload: Payload = {"message": self.message}
        if self.again is not None:
            payload["again"] = self.again
        if self.released:
            payload["released"] = True
        return payload

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        again = stored.payload.get("again")
        sender = stored.chain.removeprefix("sender:") if stored.chain else None
        return cls(
            message=str(stored.payload["message"]),
            again=str(again) if again else None,
            sender=sender,
            released=bool(stored.payload.get("released")),
        )


@dataclass(frozen=True, slots=True)
class CardJob:
    """Post a bid's card or update it; with an event, add its line to the card's thread.

    Build it with :meth:`for_version` or :meth:`for_event`: they hold the key's formats.
    """

    kind: ClassVar[str] = "card"

    bid: int
    event: int | None
    """The event whose line the card's thread gets (None for a new bid's card)."""
    key: str
    chain: str
    """The card's channel's chain (:func:`intake.slack.channels.card_chain`)."""

    @classmethod
    def for_version(cls, bid: int, version: int, *, event: int, chain: str) -> Self:
        """The card of a bid's new version; the first version's card has no thread line."""
        return cls(
            bid=bid, event=event if version > 1 else None, key=f"card:{bid}:v{version}", chain=chain
        )

    @classmethod
    def for_event(cls, bid: int, event: int, *, chain: str) -> Self:
        """The card's update for an event (an officer's action, a mail kept on the bid)."""
        return cls(bid=bid, event=event, key=f"card:{bid}:event:{event}", chain=chain)

    def payload(self) -> Payload:
        return {"bid": self.bid, "event": self.event}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        event = stored.payload.get("event")
        return cls(
            bid=int(stored.payload["bid"]),
            event=int(event) if event else None,
            key=stored.key,
            chain=stored.chain or "",
        )


@dataclass(frozen=True, slots=True)
class AckJob:
    """Mail a bid's applicant: what arrived, what is missing and by when.

    Build it with :meth:`for_version` or :meth:`request_info`: they hold the key's formats.
    """

    kind: ClassVar[str] = "ack"

    bid: int
    version: int
    what: AckKind
    key: str
    note: str | None = None
    """The officer's words, for a request."""
    seq: int = 0
    """Which request of this version (numbers the mail's Message-ID)."""
    event: int | None = None
    """For a claim's mails: the ``claim`` event, which names the other sender."""

    @property
    def chain(self) -> str:
        return mail_chain(self.bid)

    @classmethod
    def for_version(cls, bid: int, version: int, what: AckKind) -> Self:
        """The acknowledgement of a bid's new version."""
        return cls(bid=bid, version=version, what=what, key=f"ack:{bid}:v{version}")

    @classmethod
    def request_info(
        cls, bid: int, version: int, *, request: str, note: str | None, seq: int
    ) -> Self:
        """An officer's request for the problems of ``version``; ``request`` names it
        (the same request queued twice mails once)."""
        return cls(
            bid=bid,
            version=version,
            what="request_info",
            key=f"ack:{bid}:v{version}:request_info:{request[:80]}",
            note=note,
            seq=seq,
        )

    @classmethod
    def reminder(cls, bid: int, version: int, *, round: str) -> Self:
        """The one reminder of what is still missing, before ``round`` closes."""
        return cls(bid=bid, version=version, what="reminder", key=f"ack:{bid}:reminder:{round}")

    @classmethod
    def monitoring(cls, bid: int, version: int, *, due: str, report: str, seq: int) -> Self:
        """The grantee's reminder that ``report`` is due on ``due`` (ISO day); the note
        carries both ("2028-04-30 year-end monitoring return"); ``seq`` numbers it
        among the award's reports (its Message-ID)."""
        return cls(
            bid=bid,
            version=version,
            what="monitoring",
            key=f"ack:{bid}:monitoring:{due}",
            note=f"{due} {report}",
            seq=seq,
        )

    @classmethod
    def proposal_request(cls, bid: int, version: int, *, note: str | None) -> Self:
        """A staged approach's request for its proposal form (mailed once per bid)."""
        return cls(
            bid=bid,
            version=version,
            what="proposal_request",
            key=f"ack:{bid}:stage:proposal_requested",
            note=note,
        )

    @classmethod
    def for_claim(cls, bid: int, version: int, *, event: int, what: AckKind) -> Self:
        """A mail about another sender's claim on the bid (``claim_notice`` to the
        applicant, ``claim_received`` to that sender); ``event`` is the claim's."""
        return cls(
            bid=bid, version=version, what=what, key=f"ack:{bid}:claim:{event}:{what}", event=event
        )

    def payload(self) -> Payload:
        payload: Payload = {"bid": self.bid, "version": self.version, "kind": self.what}
        if self.what in ("request_info", "monitoring", "proposal_request"):
            payload |= {"note": self.note, "seq": self.seq}
        if self.event is not None:
            payload["event"] = self.event
        return payload

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        payload = stored.payload
        return cls(
            bid=int(payload["bid"]),
            version=int(payload["version"]),
            what=payload["kind"],
            key=stored.key,
            note=payload.get("note"),
            seq=int(payload.get("seq") or 0),
            event=int(payload["event"]) if payload.get("event") is not None else None,
        )


@dataclass(frozen=True, slots=True)
class ReplyJob:
    """Mail an officer's reply to a bid's applicant, in the thread of the mail it answers."""

    kind: ClassVar[str] = "reply"

    bid: int
    event: int
    """The ``replied`` event: the officer's words, and the mail they answer."""
    key: str

    @property
    def chain(self) -> str:
        # After the bid's acknowledgements and requests, in the order queued.
        return mail_chain(self.bid)

    @classmethod
    def for_event(cls, bid: int, event: int) -> Self:
        """The mail of the officer's ``replied`` event (one mail per event)."""
        return cls(bid=bid, event=event, key=f"reply:{bid}:{event}")

    def payload(self) -> Payload:
        return {"bid": self.bid, "event": self.event}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        return cls(
            bid=int(stored.payload["bid"]), event=int(stored.payload["event"]), key=stored.key
        )


@dataclass(frozen=True, slots=True)
class FundNoticeJob:
    """Answer a mail sent to a fund that takes no bids (partner-run, closed, under review)."""

    kind: ClassVar[str] = "fund_notice"

    message: str
    """The message's id (``messages.id``): one answer per message."""
    their_message_id: str | None = None
    """The sender's Message-ID, to thread the answer under their mail."""

    @property
    def key(self) -> str:
        return f"fund_notice:{self.message}"

    @property
    def chain(self) -> None:
        return None

    def payload(self) -> Payload:
        return {"message": self.message, "their_message_id": self.their_message_id}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        theirs = stored.payload.get("their_message_id")
        return cls(message=str(stored.payload["message"]), their_message_id=theirs or None)


@dataclass(frozen=True, slots=True)
class AlertJob:
    """Post (or print) a claimed deadline alert, once."""

    kind: ClassVar[str] = "alert"

    alert: str
    """The alert's key (``alerts.key``, :attr:`intake.rules.calendar.Deadline.key`)."""
    chain: str
    """The alert's channel's chain (:func:`intake.slack.channels.slack_chain`)."""

    @property
    def key(self) -> str:
        return f"alert:{self.alert}"

    def payload(self) -> Payload:
        return {"alert": self.alert}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        return cls(alert=str(stored.payload["alert"]), chain=stored.chain or "")


@dataclass(frozen=True, slots=True)
class EnquiryJob:
    """Show an enquiry (a mail with no form and no reference) to the office's
    officers (``what="card"``), or answer it with how to apply (``what="ack"``).

    The payload carries the enquiry's words: an enquiry has no bid to keep them on.
    """

    kind: ClassVar[str] = "enquiry"

    message: str
    """The message's id (``messages.id``)."""
    what: str
    """``card`` or ``ack``."""
    chain: str
    """The office channel's chain for the card; the enquirer's mail chain for the answer."""
    facts: Payload
    """The enquiry: ``office``, ``sender``, ``reply_to``, ``subject``, ``text``,
    ``message_id``, ``references``, ``attachments``."""

    @property
    def key(self) -> str:
        return f"enquiry:{self.message}:{self.what}"

    @classmethod
    def card(cls, message: str, facts: Payload, *, chain: str) -> Self:
        """The enquiry's card in the office's channel."""
        return cls(message=message, what="card", chain=chain, facts=facts)

    @classmethod
    def answer(cls, message: str, facts: Payload) -> Self:
        """The mail that answers the enquirer with how to apply."""
        return cls(message=message, what="ack", chain=f"mail:enquiry:{message}", facts=facts)

    def payload(self) -> Payload:
        return {"message": self.message, "what": self.what, "facts": self.facts}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        payload = stored.payload
        return cls(
            message=str(payload["message"]),
            what=str(payload["what"]),
            chain=stored.chain or "",
            facts=dict(payload.get("facts") or {}),
        )


@dataclass(frozen=True, slots=True)
class CapAlertJob:
    """Tell an office's channel that a cap on automatic mail stopped a mail.

    Build it with :meth:`of`: the key names the office, the cap and the hour,
    so a cap that trips a thousand times in an hour is told once.
    """

    kind: ClassVar[str] = "cap_alert"

    office: str
    cap: str
    """``mailbox``, ``domain`` or ``office``."""
    words: str
    """The cap in words (:meth:`intake.bids.outgoing.CapReached.words`)."""
    hour: str
    """The hour it tripped in, UTC (``2027-03-01T14``)."""

    @property
    def key(self) -> str:
        return f"cap_alert:{self.office}:{self.cap}:{self.hour}"

    @property
    def chain(self) -> None:
        return None

    @classmethod
    def of(cls, office: str, cap: str, words: str, *, at: datetime) -> Self:
        """The alert of ``cap`` tripping in ``office`` at ``at``."""
        hour = at.astimezone(UTC).strftime("%Y-%m-%dT%H")
        return cls(office=office, cap=cap, words=words, hour=hour)

    def payload(self) -> Payload:
        return {"office": self.office, "cap": self.cap, "words": self.words, "hour": self.hour}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        p = stored.payload
        return cls(
            office=str(p["office"]), cap=str(p["cap"]), words=str(p["words"]), hour=str(p["hour"])
        )


@dataclass(frozen=True, slots=True)
class RetentionJob:
    """Erase what every office's retention has run out for: one a day (its key is the day)."""

    kind: ClassVar[str] = "retention"

    day: str
    """The day it runs for, UTC (``2027-03-01``)."""

    @property
    def key(self) -> str:
        return f"retention:{self.day}"

    @property
    def chain(self) -> str:
        # One at a time, should a late run meet the next day's.
        return "retention"

    def payload(self) -> Payload:
        return {"day": self.day}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        return cls(day=str(stored.payload["day"]))


@dataclass(frozen=True, slots=True)
class SenderAlertJob:
    """Tell an office's channel, once a sender and hour, that a sender's mail is held
    (over the hourly limit) until an officer releases it."""

    kind: ClassVar[str] = "sender_alert"

    sender: str
    """The sender's mailbox."""
    hour: str
    """The clock hour (ISO 8601, UTC) it went over the limit in: one alert each."""
    office: str
    limit: int
    chain: str
    """The office channel's chain (:func:`intake.slack.channels.slack_chain`)."""

    @property
    def key(self) -> str:
        return f"sender_alert:{self.sender}:{self.hour}"

    def payload(self) -> Payload:
        return {
            "sender": self.sender,
            "hour": self.hour,
            "office": self.office,
            "limit": self.limit,
        }

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        payload = stored.payload
        return cls(
            sender=str(payload["sender"]),
            hour=str(payload["hour"]),
            office=str(payload["office"]),
            limit=int(payload["limit"]),
            chain=stored.chain or "",
        )


@dataclass(frozen=True, slots=True)
class RoundMailJob:
    """Queue the mails a round owes its applicants at a moment of its calendar:
    ``reminders`` (what is still missing, before it closes) or ``monitoring``
    (a report falls due: ``due`` is its ISO day). One per moment: its key is the
    moment's, so a restart or a second node queues nothing twice."""

    kind: ClassVar[str] = "round_mail"

    what: str
    fund: str
    round: str
    due: str | None = None

    @property
    def key(self) -> str:
        tail = f":{self.due}" if self.due else ""
        return f"round_mail:{self.what}:{self.fund}:{self.round}{tail}"

    @property
    def chain(self) -> None:
        return None

    def payload(self) -> Payload:
        return {"what": self.what, "fund": self.fund, "round": self.round, "due": self.due}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        payload = stored.payload
        return cls(
            what=str(payload["what"]),
            fund=str(payload["fund"]),
            round=str(payload["round"]),
            due=str(payload["due"]) if payload.get("due") else None,
        )


@dataclass(frozen=True, slots=True)
class LetterJob:
    """Mail an award or regret letter an officer sent from Slack or the CLI, once."""

    kind: ClassVar[str] = "letter"

    letter: int
    """The letter's id (``letters.id``)."""
    bid: int

    @property
    def key(self) -> str:
        return f"letter:{self.letter}"

    @property
    def chain(self) -> str:
        return mail_chain(self.bid)

    def payload(self) -> Payload:
        return {"letter": self.letter, "bid": self.bid}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        return cls(letter=int(stored.payload["letter"]), bid=int(stored.payload["bid"]))


KINDS: tuple[
    type[
        MessageJob
        | CardJob
        | AckJob
        | AlertJob
        | EnquiryJob
        | CapAlertJob
        | RetentionJob
        | SenderAlertJob
        | FundNoticeJob
        | ReplyJob
        | RoundMailJob
        | LetterJob
    ],
    ...,
] = (
    MessageJob,
    CardJob,
    AckJob,
    AlertJob,
    EnquiryJob,
    CapAlertJob,
    RetentionJob,
    SenderAlertJob,
    FundNoticeJob,
    ReplyJob,
    RoundMailJob,
    LetterJob,
)
"""Every kind, parsing first (the order ``/metrics`` lists backlogs in)."""
