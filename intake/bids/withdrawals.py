"""An officer sets aside one of a possible-duplicate pair: that bid is marked withdrawn.

Duplicates are flagged, never merged (:mod:`intake.rules.duplicates`); when an
officer sees that two bids are one application, they mark one of the pair
withdrawn from the later bid's card. It is a ruling like "eligible": the bid
stays, with its history, its card says so, and the round's close summary counts
it apart (:func:`intake.bids.deadlines.round_counts`).
"""

from __future__ import annotations

from collections.abc import Collection

from intake.bids.triage import Officer, Refused, TriageContext, record_action
from intake.store import bids, duplicates
from intake.store.duplicates import WITHDRAWN


async def withdraw_duplicate(
    runtime: TriageContext,
    ref: str,
    other: str,
    officer: Officer,
    *,
    offices: Collection[str],
) -> str:
    """Mark ``ref`` withdrawn as a duplicate of ``other``; a sentence for the officer.

    Only one of a flagged pair, both of the officer's offices; once (a second
    click is told it is done).
    """
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        kept = await bids.bid_by_ref(connection, other, offices=offices)
        if not await duplicates.are_linked(connection, bid.id, kept.id):
            raise Refused(f"{bid.ref} and {kept.ref} are not flagged as possible duplicates.")
        if bid.decision == WITHDRAWN:
            return f"{bid.ref} is already marked withdrawn."
        if kept.decision == WITHDRAWN:
            raise Refused(f"{kept.ref} is already withdrawn: {bid.ref} is the one kept.")
        reason = f"a duplicate of {kept.ref}"
        await bids.decide(
            connection, bid.id, decision=WITHDRAWN, reason=reason, at=runtime.clock.now()
        )
        text = f"marked this bid withdrawn: {reason}."
        await record_action(
            runtime, connection, bid, officer, "withdrawn", text, of=kept.ref, decision=WITHDRAWN
        )
    return f"{bid.ref} is marked withdrawn ({reason})."
