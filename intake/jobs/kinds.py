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
        if self.again is not None:
            return {"message": self.message, "again": self.again}
        return {"message": self.message}

    @classmethod
    def from_stored(cls, stored: Job) -> Self:
        again = stored.payload.get("again")
        sender = stored.chain.removeprefix("sender:") if stored.chain else None
        return cls(
            message=str(stored.payload["message"]),
            again=str(again) if again else None,
            sender=sender,
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
        if self.what in ("request_info", "proposal_request"):
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


KINDS: tuple[type[MessageJob | CardJob | AckJob | AlertJob | EnquiryJob], ...] = (
    MessageJob,
    CardJob,
    AckJob,
    AlertJob,
    EnquiryJob,
)
"""Every kind, parsing first (the order ``/metrics`` lists backlogs in)."""
