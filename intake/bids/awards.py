"""Awards: an officer awards a bid an amount; what the office publishes and how it spread.

Essex publishes every grant award with the organisation's name, a short
description of the project and the value (strategy 4.21), and aims at a fair
distribution across Essex, Southend and Thurrock and between the Police & Crime
Plan's priorities (4.11). :func:`award` records an award (one transaction: the
bid, an event, the card's update); :func:`published_list` and
:func:`distribution` are pure functions of the fund's awarded bids, shown by
``intake export --published`` / ``--distribution`` and ``/intake published`` /
``/intake distribution``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.bids import stages
from intake.bids.triage import Officer, Refused, TriageContext, record_action
from intake.config.model import Config, Fund
from intake.rules.areas import area_of
from intake.store import bids
from intake.store.bids import Bid, BidVersion
from intake.store.engine import make_engine, reading
from notifier.awards import AwardLine, ShareLine

NO_AREA = "Area not named"
SHORT_DESCRIPTION_WORDS = 40


async def award(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    *,
    offices: Collection[str],
    amount: str,
    note: str | None = None,
) -> str:
    """Award the bid ``amount`` (as typed: "£6,000", "6000"); returns a sentence for the officer.

    Refused for an amount that is not money above zero, or a bid already
    ruled not eligible; an award made again replaces the amount (recorded).
    """
    value = parse_amount(amount)
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        if bid.decision == "not_eligible":
            raise Refused(f"{bid.ref} is marked not eligible: mark it eligible before awarding.")
        now = runtime.clock.now()
        step: dict[str, str] = {}
        if stages.staged(runtime.config, bid):
            # A staged approach is approved only once recommended: the decision is its last step.
            stages.check_stage(runtime.config, bid, stages.RECOMMENDED, "be approved")
            await bids.set_stage(connection, bid.id, stage=stages.DECIDED, at=now)
            step = {"stage": stages.DECIDED}
        note = note.strip() if note and note.strip() else None
        await bids.award(connection, bid.id, amount=value, reason=note, at=now)
        text = f"awarded £{Decimal(value):,.2f}" + (f": {note}" if note else ".")
        await record_action(
            runtime,
            connection,
            bid,
            officer,
            "decision",
            text,
            decision="awarded",
            amount=value,
            **step,
        )
    return f"{bid.ref} is awarded £{Decimal(value):,.2f}."


def parse_amount(amount: str) -> str:
    """An amount of money as officers type it, as a decimal string ("6000.00")."""
    cleaned = amount.strip().replace(",", "").replace(" ", "").lstrip("£")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Refused(f"“{amount.strip()[:40]}” is not an amount of money.") from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e12"):
        raise Refused("The award must be an amount above £0.")
    return f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class PublishedAward:
    """One line of the transparency list: what the office publishes of an award."""

    ref: str
    organisation: str
    description: str
    value: Decimal


@dataclass(frozen=True, slots=True)
class Share:
    """Awards to one area or one priority: how many, and their value."""

    name: str
    awards: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class Distribution:
    """A fund's awards by local area and by priority (an award counts under every
    priority it ticked, so the priorities' values may add up to more than the total)."""

    fund: str
    awards: int
    total: Decimal
    by_area: tuple[Share, ...]
    by_priority: tuple[Share, ...]


Awarded = Sequence[tuple[Bid, BidVersion | None]]


async def awarded(engine: AsyncEngine, fund: str) -> list[tuple[Bid, BidVersion | None]]:
    """The fund's awarded bids with their latest versions (a read)."""
    async with reading(engine) as connection:
        return await bids.awarded_bids(connection, fund=fund)


async def awarded_in(database_url: str, fund: str) -> list[tuple[Bid, BidVersion | None]]:
    """:func:`awarded`, for the command line: its own engine, disposed after."""
    engine = make_engine(database_url)
    try:
        return await awarded(engine, fund)
    finally:
        await engine.dispose()


def award_lines(found: Awarded) -> list[AwardLine]:
    """The transparency list in the notifier's terms."""
    return [
        AwardLine(organisation=a.organisation, description=a.description, value=f"{a.value:.2f}")
        for a in published_list(found)
    ]


def share_lines(shares: Sequence[Share]) -> list[ShareLine]:
    """Areas' or priorities' shares in the notifier's terms."""
    return [ShareLine(name=s.name, awards=s.awards, value=f"{s.value:.2f}") for s in shares]


def published_list(found: Awarded) -> list[PublishedAward]:
    """The transparency list: organisation, short description and value of each award."""
    return [
        PublishedAward(
            ref=bid.ref,
            organisation=_text(_fields(version).get("organisation_name")) or "Not given",
            description=short_description(_fields(version)),
            value=Decimal(bid.award_amount or "0"),
        )
        for bid, version in found
    ]


def short_description(fields: dict[str, Any]) -> str:
    """The form's short description for publication, else the project's name, else the
    start of its outline (cut at :data:`SHORT_DESCRIPTION_WORDS` words)."""
    for key in ("short_description", "project_name", "project_outline", "business_case"):
        text = _text(fields.get(key))
        if text:
            words = text.split()
            cut = " ".join(words[:SHORT_DESCRIPTION_WORDS])
            return cut + ("…" if len(words) > SHORT_DESCRIPTION_WORDS else "")
    return "Not given"


def distribution(config: Config, fund: Fund, found: Awarded) -> Distribution:
    """The fund's awards by local area (its office's routing) and by priority (its criteria)."""
    routing = config.office(fund.office).routing
    areas: dict[str, list[Decimal]] = {}
    if routing:
        areas = {area.name: [] for area in routing.areas}
    priorities: dict[str, list[Decimal]] = {c.label: [] for c in fund.criteria}
    labels = {c.id: c.label for c in fund.criteria}
    form = config.form(fund.form)
    priority_fields = [f.id for f in form.fields if f.options_from == "fund_criteria"]
    total = Decimal(0)
    for bid, version in found:
        value = Decimal(bid.award_amount or "0")
        total += value
        fields = _fields(version)
        area = area_of(routing, fields)
        areas.setdefault(area.name if area else NO_AREA, []).append(value)
        ticked = {t for f in priority_fields for t in (fields.get(f) or [])}
        for option in ticked:
            if option in labels:
                priorities[labels[option]].append(value)
    return Distribution(
        fund=fund.name,
        awards=len(found),
        total=total,
        by_area=_shares(areas),
        by_priority=_shares(priorities),
    )


def _shares(groups: dict[str, list[Decimal]]) -> tuple[Share, ...]:
    return tuple(
        Share(name, len(values), sum(values, Decimal(0))) for name, values in groups.items()
    )


def _fields(version: BidVersion | None) -> dict[str, Any]:
    return dict(version.fields or {}) if version else {}


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "", []) else ""
