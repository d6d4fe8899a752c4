"""How amounts, times, deadlines and statuses read, for cards and mails alike.

Kept in one place so that the card an officer sees and the mail an applicant
receives say the same thing the same way.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from notifier.model import BidSummary
from notifier.text import one_line

STATUS_TITLES: dict[str, str] = {
    "complete": "Complete",
    "incomplete": "Incomplete",
    "ineligible": "Ineligible under the fund's rules",
    "unreadable": "Form could not be read",
}


def money(amount: str | None) -> str | None:
    """Format "9500.00" as "£9,500.00"; anything not a number comes back cleaned, as given."""
    if amount is None or not amount.strip():
        return None
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        return one_line(amount)
    if not value.is_finite():
        return one_line(amount)
    return f"£{value:,.2f}"


def amount_line(bid: BidSummary) -> str | None:
    """Say "£9,500.00 of £10,000.00 cap", or just the amount when no cap applies."""
    requested = money(bid.amount_requested)
    if requested is None:
        return None
    cap = money(bid.amount_cap)
    return f"{requested} of {cap} cap" if cap else requested


def pot_line(bid: BidSummary) -> str | None:
    """Say "£2,550.00 asked by 3 bids of the £12,000.00 pot for 2027/28 (£9,450.00 left)",
    and once awards are made, what they took: "…; £1,000.00 awarded to 1 bid
    (£11,000.00 left to award)"."""
    pot = bid.pot
    if pot is None:
        return None
    total, requested = Decimal(pot.total), Decimal(pot.requested)
    bids = f"{pot.bids} bid{'s' if pot.bids != 1 else ''}"
    line = (
        f"{money(pot.requested)} asked by {bids} of the {money(pot.total)} pot "
        f"for {one_line(pot.period)} ({_left(total - requested)})"
    )
    if pot.awards:
        awards = f"{pot.awards} bid{'s' if pot.awards != 1 else ''}"
        left = _left(total - Decimal(pot.awarded), what=" to award")
        line += f"; {money(pot.awarded)} awarded to {awards} ({left})"
    return line


def _left(left: Decimal, *, what: str = "") -> str:
    return f"{money(str(left))} left{what}" if left >= 0 else f"{money(str(-left))} over"


def fund_words(bid: BidSummary) -> str | None:
    """The fund's name with its round in brackets: "Safer in Kent Fund (Round 1 2027/28)"."""
    name = bid.fund_name or bid.fund_id
    if name is None:
        return None
    return f"{name} ({bid.round_name})" if bid.round_name else name


def short_time(moment: datetime, zone: ZoneInfo) -> str:
    """Say a moment compactly, for cards: "Tue 4 May 2027, 14:05 BST"."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def long_date(moment: datetime, zone: ZoneInfo) -> str:
    """Say the day in the office's time zone: "Tuesday 4 May 2027"."""
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}"


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """Say a time of day as a letter would: "2:05pm", "9am", "12 noon"."""
    local = moment.astimezone(zone)
    if local.hour == 12 and local.minute == 0:
        return "12 noon"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def closing_day(closes_at: datetime, zone: ZoneInfo) -> datetime:
    """The local day a round closes on, as a date-bearing datetime.

    A round "closes at the end of its closing day"; configurations store that
    either as midnight starting the next day or as 23:59(:59). Midnight
    belongs to the day before.
    """
    local = closes_at.astimezone(zone)
    return local - timedelta(days=1) if local.time() == time(0, 0) else local


def deadline_phrase(closes_at: datetime, zone: ZoneInfo) -> str:
    """When a round closes, in words: "by the end of Sunday 30 May 2027".

    Midnight and 23:59 both read as the end of the closing day; any other time
    is given as a time ("before 5pm on Friday 28 May 2027").
    """
    local = closes_at.astimezone(zone)
    day = long_date(closing_day(closes_at, zone), zone)
    if local.time() == time(0, 0) or (local.hour == 23 and local.minute == 59):
        return f"by the end of {day}"
    return f"before {clock(local, zone)} on {day}"
