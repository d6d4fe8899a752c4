"""The buttons under a card's "Possible duplicate of …" line: withdraw one of the pair.

Each button's value is the bid to withdraw, then the one it duplicates; a
confirmation dialog comes first, as withdrawing is a ruling on an application.
Action ids are numbered (Slack wants them unique within a block); the listener
matches them by :data:`ACTION_WITHDRAW`'s prefix.
"""

from __future__ import annotations

from typing import Any

from notifier.model import BidSummary

ACTION_WITHDRAW = "withdraw_duplicate"
"""The prefix of the buttons' action ids: ``withdraw_duplicate:0``, ``:1``…"""
MAX_PAIRS = 4
"""Duplicates a card offers to withdraw (each a button); the rest are in the line above."""


def withdraw_actions(bid: BidSummary) -> dict[str, Any] | None:
    """The buttons for ``bid``'s possible duplicates; None when it has none or is withdrawn."""
    if not bid.possible_duplicates or (bid.decision or "").startswith("withdrawn"):
        return None
    pairs = [ref for ref, _why in bid.possible_duplicates[:MAX_PAIRS]]
    buttons = [_button(0, bid.ref, pairs[0], this=True)]
    buttons += [_button(n, ref, bid.ref) for n, ref in enumerate(pairs, start=1)]
    return {"type": "actions", "block_id": "duplicate_actions", "elements": buttons}


def _button(number: int, withdrawn: str, kept: str, *, this: bool = False) -> dict[str, Any]:
    label = f"Withdraw {withdrawn}" + (" (this bid)" if this else "")
    return {
        "type": "button",
        "action_id": f"{ACTION_WITHDRAW}:{number}",
        "text": {"type": "plain_text", "text": label[:75]},
        "value": f"{withdrawn} {kept}",
        "confirm": {
            "title": {"type": "plain_text", "text": "Withdraw a duplicate?"},
            "text": {
                "type": "plain_text",
                "text": f"{withdrawn} will be marked withdrawn as a duplicate of {kept}; "
                f"{kept} stays the application.",
            },
            "confirm": {"type": "plain_text", "text": "Withdraw"},
            "deny": {"type": "plain_text", "text": "Cancel"},
        },
    }
