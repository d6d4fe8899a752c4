"""The scoring panel's use cases: a bid's panel score, scoring and moderating, the ranking.

Several officers score a bid, each on their own sheet of the fund's matrix
(:meth:`intake.config.model.Config.matrix`); a scorer sees the others' sheets
only once they have sent their own; the lead (an officer the fund's
``panel.leads`` names) sets the moderated score. The arithmetic is
:mod:`intake.rules.scoring`'s; this module reads and writes through
:mod:`intake.store.scores`, each action one transaction with its event and the
card job that shows it (:func:`intake.bids.triage.record_action`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.triage import Officer, Refused, TriageContext, record_action
from intake.config.model import Config, Criterion, Fund, Panel
from intake.errors import UsageError
from intake.rules.pots import PotPeriod, ranking_period
from intake.rules.scoring import (
    Entry,
    PanelScore,
    Ranked,
    Sheet,
    out_of,
    panel_score,
    points,
    rank,
    sheet_problems,
)
from intake.store import bids, scores
from intake.store.bids import Bid
from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate
from intake.store.scores import Sheets


def bid_panel(config: Config, bid: Bid, sheets: Sheets) -> PanelScore:
    """The panel's score of ``bid`` from its stored sheets."""
    matrix = config.matrix(bid.fund, bid.office)
    fund = _fund(config, bid.fund)
    gap = (fund.panel if fund else Panel()).spread_gap
    return panel_score(matrix, sheets.scored, sheets.moderated, gap=gap)


async def panel_of(config: Config, connection: AsyncConnection, bid: Bid) -> PanelScore:
    """Read ``bid``'s sheets and make its panel score."""
    return bid_panel(config, bid, await scores.sheets_of(connection, bid.id))


def is_lead(config: Config, fund_id: str | None, officer: str) -> bool:
    """Whether ``officer`` may set the moderated score of the fund's bids."""
    fund = _fund(config, fund_id)
    return fund is not None and officer in fund.panel.leads


@dataclass(frozen=True, slots=True)
class Sent:
    """What an officer sent from the scoring modal."""

    levels: Mapping[str, int]
    comments: Mapping[str, str]
    moderate: bool = False


async def score(
    runtime: TriageContext,
    ref: str,
    officer: Officer,
    sent: Sent,
    *,
    offices: Collection[str],
) -> str:
    """Keep the officer's sheet of the bid, or, sent by a lead as such, the moderated score.

    The event in the card's thread says who scored, not what: the other scorers
    must not see a sheet before they have sent their own. The moderated score is
    the panel's, and shown on the card.
    """
    async with runtime.engine.begin() as connection:
        bid = await bids.bid_by_ref(connection, ref, offices=offices)
        matrix = runtime.config.matrix(bid.fund, bid.office)
        problems = sheet_problems(matrix, sent.levels)
        if problems:
            raise Refused(problems[0])
        comments = {k: v.strip()[:1500] for k, v in sent.comments.items() if v and v.strip()}
        sheet = Sheet(officer.id, dict(sent.levels), comments)
        now = runtime.clock.now()
        total = _total(points(matrix, sheet.levels), matrix)
        if sent.moderate:
            if not is_lead(runtime.config, bid.fund, officer.id):
                raise Refused(
                    "Only the panel's lead sets the moderated score "
                    "(the fund's panel.leads in the configuration)."
                )
            await scores.save_moderation(connection, bid.id, sheet, at=now)
            await record_action(
                runtime,
                connection,
                bid,
                officer,
                "moderated",
                f"set the moderated score: {total}.",
                levels=dict(sheet.levels),
            )
            return f"The moderated score of {bid.ref} is {total}."
        new = await scores.save_sheet(connection, bid.id, sheet, at=now)
        text = "scored this bid." if new else "changed their scores of this bid."
        await record_action(
            runtime, connection, bid, officer, "scored", text, scores=dict(sheet.levels)
        )
    return f"Your scores of {bid.ref} are saved ({total})."


def _total(value: Decimal, matrix: Sequence[Criterion]) -> str:
    return f"{_number(value)} / {_number(out_of(matrix))}"


def total_words(value: Decimal | None, matrix: Sequence[Criterion]) -> str | None:
    """Points as the matrix writes them: "14 / 20" (None: no score yet)."""
    return None if value is None else _total(value, matrix)


def _number(value: Decimal) -> str:
    """A total as written on the matrix: "14", or "14.5" with weights that make halves."""
    normal = value.normalize()
    return f"{normal:f}" if normal == normal.to_integral() else f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class Ranking:
    """A fund's ranking for a round or a year, against its budget (the fund's pot)."""

    fund: Fund
    period: PotPeriod
    budget: Decimal | None
    lines: list[Ranked]

    @property
    def requested(self) -> Decimal:
        """What every bid ranked or not asks for in all."""
        return sum((line.entry.requested or Decimal(0) for line in self.lines), Decimal(0))


async def ranking(
    config: Config,
    connection: AsyncConnection,
    fund_id: str,
    *,
    now: datetime,
    round_id: str | None = None,
) -> Ranking:
    """Rank the bids of ``fund_id``'s round (or year): one statement reads them all."""
    fund = _fund(config, fund_id)
    if fund is None:
        raise UsageError(f"there is no fund '{fund_id}'")
    office = config.office(fund.office)
    period = ranking_period(fund, office, now, round_id)
    if period is None:
        if round_id is not None:
            known = ", ".join(r.id for r in fund.rounds) or "none: it has no rounds"
            raise UsageError(f"fund '{fund.id}' has no round '{round_id}' (rounds: {known})")
        raise UsageError(f"no round of fund '{fund.id}' has opened yet")
    rows = await scores.ranking_rows(
        connection, fund=fund.id, round=period.round, since=period.starts, until=period.ends
    )
    matrix = config.matrix(fund.id, fund.office)
    entries = [
        Entry(
            ref=row.ref,
            organisation=row.organisation,
            requested=_amount(row.amount_requested),
            received_at=row.received_at,
            panel=panel_score(
                matrix, row.sheets.scored, row.sheets.moderated, gap=fund.panel.spread_gap
            ),
        )
        for row in rows
    ]
    lines = rank(
        entries,
        quality_weight=fund.panel.quality_weight,
        cost_weight=fund.panel.cost_weight,
        budget=fund.pot,
    )
    return Ranking(fund=fund, period=period, budget=fund.pot, lines=lines)


async def read_ranking(
    config: Config,
    engine: AsyncEngine,
    fund_id: str,
    *,
    now: datetime,
    round_id: str | None = None,
) -> Ranking:
    """:func:`ranking` on a connection of its own."""
    async with reading(engine) as connection:
        return await ranking(config, connection, fund_id, now=now, round_id=round_id)


class PackRanks:
    """Each bid's line in its fund's ranking, for the panel pack: a ranking is read once
    per fund and round (or year), when the pack meets its first bid."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._found: dict[tuple[str, str], dict[str, Ranked]] = {}

    async def of(self, connection: AsyncConnection, bid: Bid) -> Ranked | None:
        """``bid``'s line; None for a bid in no round, or one the ranking leaves out."""
        fund = _fund(self._config, bid.fund)
        if fund is None or (fund.rounds and bid.round is None):
            return None
        period = ranking_period(fund, self._config.office(fund.office), bid.received_at, bid.round)
        if period is None:
            return None
        key = (fund.id, period.label)
        if key not in self._found:
            found = await ranking(
                self._config, connection, fund.id, now=bid.received_at, round_id=period.round
            )
            self._found[key] = {line.entry.ref: line for line in found.lines}
        return self._found[key].get(bid.ref)


async def stored_ranking(
    database_url: str, config: Config, fund_id: str, *, now: datetime, round_id: str | None
) -> Ranking:
    """:func:`ranking` read from the database at ``database_url`` (the CLI's)."""
    engine = make_engine(database_url)
    try:
        await migrate(engine)
        return await read_ranking(config, engine, fund_id, now=now, round_id=round_id)
    finally:
        await engine.dispose()


def _amount(value: str | None) -> Decimal | None:
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _fund(config: Config, fund_id: str | None) -> Fund | None:
    if not fund_id:
        return None
    try:
        return config.fund(fund_id)
    except KeyError:
        return None
