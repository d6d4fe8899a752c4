"""The card's pot line: what the bids ask of a fund's pot and, once made, what was awarded."""

from __future__ import annotations

from dataclasses import replace

from notifier.model import PotLine
from notifier.wording import pot_line
from tests.notifier.notifier_samples import BID


def test_before_any_award_the_pot_line_says_what_is_asked_and_left() -> None:
    pot = PotLine(total="12000.00", requested="2550.00", bids=3, period="2027/28")
    assert pot_line(replace(BID, pot=pot)) == (
        "£2,550.00 asked by 3 bids of the £12,000.00 pot for 2027/28 (£9,450.00 left)"
    )


def test_awards_are_counted_against_the_pot_apart_from_requests() -> None:
    pot = PotLine(
        total="12000.00",
        requested="14500.00",
        bids=5,
        period="2027/28",
        awarded="11000.00",
        awards=4,
    )
    assert pot_line(replace(BID, pot=pot)) == (
        "£14,500.00 asked by 5 bids of the £12,000.00 pot for 2027/28 (£2,500.00 over); "
        "£11,000.00 awarded to 4 bids (£1,000.00 left to award)"
    )
