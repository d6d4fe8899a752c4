"""What officers do to a bid: take it, rule on it, ask for what is missing.

Scoring is the panel's (:mod:`intake.bids.panel`).

Each action is one transaction: the bid changes, an event records who did what,
and a card job (in the channel's chain) updates the card and adds the event as
a line in its thread. Asking for information also queues the mail to the
applicant (in the bid's mail chain, so it follows the acknowledgement). The
Slack listeners call these; so could a CLI or a web page.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.errors import IntakeError
from intake.jobs.kinds import AckJob, CardJob, MessageJob
from intake.jobs.waker import MESSAGES, Waker
from intake.rules.addresses import mailbox
from intake.store import bids, messages
from intake.store.bids import Bid
from intake.store.queue import enqueue

DECISIONS = ("eligible", "not_eligible")
# The events officers make; their text reads after the officer's name ("took this bid").
OFFICER_EVENTS = frozenset(
    {"assigned", "decision", "scored", "moderated", "info_requested", "replied", "withdrawn"}
)


class TriageContext(Protocol):
    """What an officer's action on a bid needs of the service."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger
    waker: Waker

    def card_chain(self, *, office: str, fund: str | None) -> str: ...


class Refused(IntakeError):
    """An action that cannot be done to this bid now; the message says why, for the officer."""


@dataclass(frozen=True, slots=True)
class Officer:
    """Who acts: a Slack user id (shown as a mention) and their name (for logs and the CLI)."""

    id: str
    name: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        return {"officer": self.id, "name": self.name}


async def assign(
    runtime: TriageContext, ref: str, officer: Officer, *, offices: Collection[str]
) -> str:
    """Make ``officer`` the one who deals with the bid; returns a sentence for them.

    ``offices`` are those the officer works for (their Slack workspace's): a
    bid of any other office is :class:`NotFound`, as in every action here.
    """
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        if bid.assigned_to == officer.id:
            return f"{bid.ref} is already assigned to you."
        before = bid.assigned_to
        await bids.assign(connection, bid.id, to=officer.id, at=runtime.clock.now())
        text = "took this bid" + (f" over from {before}" if before else "")
        await _record(runtime, connection, bid, officer, "assigned", text)
    return f"{bid.ref} is now assigned to you."


async def decide(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    *,
    offices: Collection[str],
    eligible: bool,
    reason: str | None,
) -> str:
    """Record the officer's ruling on eligibility, with their reason."""
    if not eligible and not (reason and reason.strip()):
        raise Refused("Say why the bid is not eligible.")
    decision = "eligible" if eligible else "not_eligible"
    reason = reason.strip() if reason else None
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        await bids.decide(
            connection, bid.id, decision=decision, reason=reason, at=runtime.clock.now()
        )
        words = "eligible" if eligible else "not eligible"
        text = f"marked this bid {words}" + (f": {reason}" if reason else ".")
        await _record(
            runtime, connection, bid, officer, "decision", text, decision=decision, reason=reason
        )
    return f"{bid.ref} is marked {words}."


async def request_info(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    *,
    offices: Collection[str],
    version: int,
    note: str | None,
    request: str,
) -> str:
    """Mail the applicant, in their thread, for exactly the problems of ``version``.

    ``version`` is the one the officer looked at: if a newer one has arrived
    since, its problems may differ, and the officer is told to look again.
    ``request`` identifies the officer's request (the modal's view id): the
    same request sent twice mails once; a new request mails again.
    """
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        latest = await bids.latest_version(connection, bid.id)
        if latest is None or latest.version != version:
            raise Refused(
                f"A newer version of {bid.ref} has arrived: look at its card again before asking."
            )
        problems = list(latest.problems or [])
        if not problems:
            raise Refused(f"{bid.ref} has no problems to ask about.")
        number = await bids.info_requests(connection, bid.id, version) + 1
        words = note.strip() if note and note.strip() else None
        queued = await enqueue(
            connection,
            AckJob.request_info(bid.id, version, request=request, note=words, seq=number),
        )
        if not queued:
            return f"The applicant of {bid.ref} is already being asked (request {request})."
        count = len(problems)
        text = (
            "asked the applicant for the missing information "
            f"({count} problem{'s' if count != 1 else ''})."
        )
        await _record(runtime, connection, bid, officer, "info_requested", text, version=version)
    return f"The applicant of {bid.ref} will be emailed the {count} problem(s)."


async def answer_claim(
    runtime: TriageContext,
    ref: str,
    message: str,
    officer: Officer,
    *,
    offices: Collection[str],
    accept: bool,
) -> str:
    """An officer's answer to another sender's mail naming the bid (a claim).

    Accepted, the sender's mailbox counts as the applicant's from then on and the
    mail is read again, becoming the bid's next version (or correspondence, with
    no form). Rejected, it stays kept aside. Either way once: a second click is
    told what the first decided.
    """
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        events = await bids.history(connection, bid.id)
        claim = next(
            (e for e in events if e.kind == "claim" and (e.data or {}).get("message") == message),
            None,
        )
        if claim is None:
            raise Refused(f"There is no mail from another sender {message} on {bid.ref}.")
        decided = next(
            (
                e
                for e in events
                if e.kind in ("claim_accepted", "claim_rejected")
                and (e.data or {}).get("message") == message
            ),
            None,
        )
        if decided is not None:
            done = "accepted" if decided.kind == "claim_accepted" else "rejected"
            return f"That mail was already {done}."
        sender = str((claim.data or {}).get("sender") or "")
        if not accept:
            await _record(
                runtime,
                connection,
                bid,
                officer,
                "claim_rejected",
                f"rejected the mail of {sender}: it stays aside.",
                message=message,
            )
            await messages.set_message_outcome(
                connection,
                message,
                state="claim",
                outcome=f"claim on {bid.ref} rejected",
                bid_id=bid.id,
            )
            return f"The mail of {sender} is rejected; {bid.ref} is unchanged."
        await _record(
            runtime,
            connection,
            bid,
            officer,
            "claim_accepted",
            f"accepted the mail of {sender} for this bid; it is read as its next version.",
            message=message,
            mailbox=mailbox(sender),
        )
        await messages.set_message_outcome(
            connection, message, state="queued", outcome=f"accepted for {bid.ref}", bid_id=bid.id
        )
        await enqueue(connection, MessageJob(message=message, again=f"accepted:{claim.id}"))
    runtime.waker.notify(MESSAGES)
    return f"The mail of {sender} is accepted; it becomes the next version of {bid.ref}."


async def _record(
    runtime: TriageContext,
    connection: AsyncConnection,
    bid: Bid,
    officer: Officer,
    kind: str,
    text: str,
    **data: Any,
) -> None:
    """The event of an action, and the card job that shows it (update + thread line)."""
    event = await bids.add_event(
        connection,
        bid_id=bid.id,
        at=runtime.clock.now(),
        actor=officer.id,
        kind=kind,
        text=text,
        data={**officer.data, **data},
    )
    chain = runtime.card_chain(office=bid.office, fund=bid.fund)
    await enqueue(connection, CardJob.for_event(bid.id, event, chain=chain))
    runtime.log.info("%s: %s %s", bid.ref, officer.name or officer.id, text)


# The event of an action and its card's update, for the modules of other actions
# (withdrawals, awards, a staged approach's steps): one way to record what an officer did.
record_action = _record
