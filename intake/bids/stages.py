"""A staged process for one-off approaches (Dorset's one-off grant making).

An organisation approaches with a business case (the bid, on the fund's form);
the Commissioning Manager asks for a Proposal Form (the applicant is mailed),
then recommends an amount to the decision makers, who approve it (an award,
:func:`intake.bids.awards.award`) or decline it. Each step is an officer's
button on the card, allowed only after the one before; the bid keeps its stage
and each step is an event of its history (and a line in the card's thread).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from intake.bids.triage import Officer, Refused, TriageContext, record_action
from intake.config.model import Config
from intake.jobs.kinds import AckJob
from intake.jobs.waker import EFFECTS
from intake.store import bids
from intake.store.bids import Bid
from intake.store.queue import enqueue
from notifier.awards import ACTION_ASK_PROPOSAL, ACTION_AWARD, ACTION_DECLINE, ACTION_RECOMMEND

PROPOSAL_REQUESTED = "proposal_requested"
RECOMMENDED = "recommended"
DECIDED = "decided"
STAGE_WORDS = {
    None: "approach received",
    PROPOSAL_REQUESTED: "proposal form requested",
    RECOMMENDED: "recommended",
    DECIDED: "decided",
}


def staged(config: Config, bid: Bid) -> bool:
    """Whether the bid's fund takes one-off approaches through stages."""
    try:
        return config.fund(bid.fund or "").staged
    except KeyError:
        return False


def stage_words(config: Config, bid: Bid) -> str | None:
    """Where a staged approach is, for its card; None for other funds' bids."""
    return STAGE_WORDS.get(bid.stage, bid.stage) if staged(config, bid) else None


def next_actions(config: Config, bid: Bid) -> tuple[tuple[str, str, str | None], ...]:
    """The card's buttons for the bid's next step: an award for an eligible bid of an
    ordinary fund; for a staged approach, the step its stage allows."""
    if not staged(config, bid):
        if bid.decision in ("eligible", "awarded"):
            words = "Change award" if bid.decision == "awarded" else "Award"
            return ((ACTION_AWARD, words, "primary"),)
        return ()
    if bid.stage is None:
        return ((ACTION_ASK_PROPOSAL, "Ask for proposal form", "primary"),)
    if bid.stage == PROPOSAL_REQUESTED:
        return ((ACTION_RECOMMEND, "Recommend", "primary"),)
    if bid.stage == RECOMMENDED:
        return ((ACTION_AWARD, "Approve", "primary"), (ACTION_DECLINE, "Decline", "danger"))
    return ()


async def ask_for_proposal(
    runtime: TriageContext, ref: str, officer: Officer, *, offices: Collection[str]
) -> str:
    """Step two: ask the applicant for the fund's proposal form (mailed once)."""
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        check_stage(runtime.config, bid, None, "ask for its proposal form")
        await bids.set_stage(connection, bid.id, stage=PROPOSAL_REQUESTED, at=runtime.clock.now())
        await record_action(
            runtime,
            connection,
            bid,
            officer,
            "stage",
            "asked the applicant for the proposal form.",
            stage=PROPOSAL_REQUESTED,
        )
        note = runtime.config.fund(bid.fund or "").proposal_form
        await enqueue(connection, AckJob.proposal_request(bid.id, bid.version, note=note))
    runtime.waker.notify(EFFECTS)
    return f"{bid.ref}: the applicant is asked for the proposal form."


async def recommend(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    *,
    offices: Collection[str],
    amount: str,
    note: str | None,
) -> str:
    """Step three: recommend an amount to the decision makers, saying why."""
    from intake.bids.awards import parse_amount  # awards imports this module: here, not above

    if not (note and note.strip()):
        raise Refused("Say what you recommend, and why.")
    value = parse_amount(amount)
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        check_stage(runtime.config, bid, PROPOSAL_REQUESTED, "be recommended")
        await bids.set_stage(connection, bid.id, stage=RECOMMENDED, at=runtime.clock.now())
        text = f"recommended £{Decimal(value):,.2f}: {note.strip()}"
        await record_action(
            runtime, connection, bid, officer, "stage", text, stage=RECOMMENDED, amount=value
        )
    return f"{bid.ref} is recommended for £{Decimal(value):,.2f}."


async def decline(
    runtime: TriageContext, ref: str, officer: Officer, *, offices: Collection[str]
) -> str:
    """Step four, the other way: the decision makers decline the recommendation."""
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        check_stage(runtime.config, bid, RECOMMENDED, "be decided")
        now = runtime.clock.now()
        await bids.decide(connection, bid.id, decision="declined", reason=None, at=now)
        await bids.set_stage(connection, bid.id, stage=DECIDED, at=now)
        await record_action(
            runtime,
            connection,
            bid,
            officer,
            "decision",
            "declined this approach.",
            decision="declined",
            stage=DECIDED,
        )
    return f"{bid.ref} is declined."


def check_stage(config: Config, bid: Bid, stage: str | None, to: str) -> None:
    """Refuse a step out of order (a second click, a card shown before the last step)."""
    if not staged(config, bid):
        raise Refused(f"{bid.ref} is not a staged approach.")
    if bid.stage != stage:
        raise Refused(
            f"{bid.ref} is at “{STAGE_WORDS.get(bid.stage, bid.stage)}”: it cannot {to} now."
        )
