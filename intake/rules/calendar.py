"""The deadline calendar of every fund: rounds opening and closing, reminders,
decisions and monitoring returns falling due. Pure: configuration in, dates out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from intake.config.model import Config, Fund, Office, Round
from notifier.model import ALERT_WORDS, AlertKind

DeadlineKind = Literal["opens", AlertKind]
"""A dated event of a round: its opening, and every deadline the officers are alerted to."""

_WORDS: dict[DeadlineKind, str] = {"opens": "opens for bids"}
_WORDS.update(ALERT_WORDS.items())


@dataclass(frozen=True, slots=True)
class Deadline:
    """One dated event of a fund's round."""

    at: datetime
    kind: DeadlineKind
    office: str
    fund: Fund
    round: Round

    @property
    def key(self) -> str:
        """Unique per event: an alert for it is sent once, whatever restarts."""
        return f"deadline:{self.fund.id}:{self.round.id}:{self.kind}"

    def describe(self) -> str:
        return f"{self.fund.name} {self.round.name} {_WORDS[self.kind]}"


def deadlines(config: Config, *, since: datetime | None = None) -> list[Deadline]:
    """Every deadline of every fund, soonest first; only those at or after ``since``."""
    found: list[Deadline] = []
    for fund in config.funds:
        office = config.office(fund.office)
        for round_ in fund.rounds:
            found += _round_deadlines(office, fund, round_)
    if since is not None:
        found = [d for d in found if d.at >= since]
    return sorted(found, key=lambda d: (d.at, d.fund.id, d.kind))


def _round_deadlines(office: Office, fund: Fund, round_: Round) -> list[Deadline]:
    tz = office.tz
    closes = round_.closes_at(tz)

    def morning(day: date) -> datetime:
        return datetime.combine(day, time(9, 0), tzinfo=tz)

    events: list[tuple[datetime, DeadlineKind]] = [
        (round_.opens_at(tz), "opens"),
        (morning(round_.closes - timedelta(days=7)), "closes_in_7_days"),
        (morning(round_.closes - timedelta(days=1)), "closes_in_1_day"),
        (closes, "closed"),
        (morning(round_.decisions_due_on()), "decisions_due"),
    ]
    events += [(morning(day), "updates_due") for day in round_.updates_due]
    if round_.monitoring_due:
        events.append((morning(round_.monitoring_due), "monitoring_due"))
    return [
        Deadline(at=at, kind=kind, office=office.id, fund=fund, round=round_)
        for at, kind in events
        if not (kind.startswith("closes_in") and at < round_.opens_at(tz))
    ]
