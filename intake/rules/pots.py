"""Which period of a fund's pot a bid counts against. Pure: configuration and times in.

A pot is the money a fund has for a year or for a round (``pot_period``). A
year is the public sector's financial year, 1 April to 31 March in the office's
time zone, named as offices name it ("2027/28").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from intake.config.model import Fund, Office

FINANCIAL_YEAR_STARTS = 4
"""April: the month a financial year starts in."""


@dataclass(frozen=True, slots=True)
class PotPeriod:
    """The year or round whose bids share a pot: a round's id, or a year's bounds."""

    label: str
    round: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    """Exclusive."""


def pot_period(
    fund: Fund, office: Office, received_at: datetime, round_id: str | None
) -> PotPeriod | None:
    """The period of ``fund``'s pot a bid received at ``received_at`` (judged in
    ``round_id``) counts against; None when the fund has no pot, or the pot is a
    round's and the bid is in none."""
    if fund.pot is None:
        return None
    if fund.pot_period == "round":
        round_ = next((r for r in fund.rounds if r.id == round_id), None)
        return PotPeriod(label=round_.name, round=round_.id) if round_ else None
    tz = office.tz
    local = received_at.astimezone(tz)
    first = local.year if local.month >= FINANCIAL_YEAR_STARTS else local.year - 1
    return PotPeriod(
        label=f"{first}/{(first + 1) % 100:02d}",
        starts=datetime(first, FINANCIAL_YEAR_STARTS, 1, tzinfo=tz),
        ends=datetime(first + 1, FINANCIAL_YEAR_STARTS, 1, tzinfo=tz),
    )


def ranking_period(
    fund: Fund, office: Office, now: datetime, round_id: str | None = None
) -> PotPeriod | None:
    """The bids a panel's ranking covers: a fund with rounds ranks a round's bids (the
    round named, else the one open at ``now``, else the last to have opened); a fund
    without rounds ranks the financial year's of ``now``. None for an unknown round,
    or when no round has opened yet."""
    if fund.rounds:
        if round_id is not None:
            round_ = next((r for r in fund.rounds if r.id == round_id), None)
        else:
            opened = [r for r in fund.rounds if r.opens_at(office.tz) <= now]
            round_ = max(opened, key=lambda r: r.opens, default=None)
        return PotPeriod(label=round_.name, round=round_.id) if round_ else None
    if round_id is not None:
        return None
    local = now.astimezone(office.tz)
    first = local.year if local.month >= FINANCIAL_YEAR_STARTS else local.year - 1
    return PotPeriod(
        label=f"{first}/{(first + 1) % 100:02d}",
        starts=datetime(first, FINANCIAL_YEAR_STARTS, 1, tzinfo=office.tz),
        ends=datetime(first + 1, FINANCIAL_YEAR_STARTS, 1, tzinfo=office.tz),
    )
