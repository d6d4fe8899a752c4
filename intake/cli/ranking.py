"""``intake ranking``: the panel's ranking of a fund's bids, against the fund's pot."""

from __future__ import annotations

import argparse
import asyncio
from decimal import Decimal

from intake.bids.panel import Ranking, stored_ranking
from intake.cli.common import (
    EXIT_OK,
    Commands,
    chosen_fund,
    chosen_office,
    database_to_read,
    with_data_dir,
)
from intake.clock import Clock
from intake.config.load import load_config
from intake.logs import printable
from intake.rules.scoring import shown
from intake.settings import Settings


def add_commands(commands: Commands) -> None:
    """Add ``ranking``."""
    ranking = commands.add_parser(
        "ranking",
        help="the scoring panel's ranking of a fund's bids, against its pot",
        description="Rank a fund's bids of a round (default: the round open now, else the "
        "last to have opened; a fund without rounds: this financial year) by the panel's "
        "weighted score, with the running total of requested amounts against the fund's pot.",
    )
    ranking.add_argument("--fund", required=True, help="the fund whose bids are ranked")
    ranking.add_argument("--round", help="the round's id (see intake check-config)")
    ranking.add_argument("--office", help="the office whose fund it is")
    ranking.set_defaults(run=_ranking)


def _ranking(args: argparse.Namespace, settings: Settings) -> int:
    config = load_config(settings.config)
    settings = with_data_dir(settings, config)
    office = chosen_office(args, settings, config)
    fund = chosen_fund(args.fund, config, office)
    assert fund is not None  # --fund is required
    url = database_to_read(settings)
    now = Clock(settings.now).now()
    found = asyncio.run(stored_ranking(url, config, fund, now=now, round_id=args.round))
    print(printable(ranking_table(found)))
    return EXIT_OK


def _left(amount: Decimal) -> str:
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def ranking_table(ranking: Ranking) -> str:
    """The ranking as a plain-text table, the budget's line drawn where the pot runs out."""
    pot = f"pot £{ranking.budget:,.2f}" if ranking.budget is not None else "no pot configured"
    count = len(ranking.lines)
    lines = [
        f"{ranking.fund.name} · {ranking.period.label} · {pot} · "
        f"{count} bid{'s' if count != 1 else ''} asking £{ranking.requested:,.2f} in all"
        + (f" ({_left(ranking.budget - ranking.requested)} left)" if ranking.budget else ""),
        "",
        f"{'Rank':>4}  {'Reference':<18} {'Organisation':<30} {'Requested':>12} "
        f"{'Quality':>7} {'Cost':>6} {'Score':>6} {'Scorers':>7}  {'Running total':>13}",
    ]
    crossed = False
    for line in ranking.lines:
        if line.within_budget is False and not crossed:
            lines.append(f"{'':>4}  --- the pot is spent: the bids below do not fit ---")
            crossed = True
        entry = line.entry
        organisation = (entry.organisation or "").replace("\n", " ")[:30]
        requested = f"£{entry.requested:,.2f}" if entry.requested is not None else "–"
        running = f"£{line.running_total:,.2f}" if line.running_total is not None else ""
        scorers = str(len(entry.panel.sheets)) + ("M" if entry.panel.moderated else "")
        flags = " disagree" if entry.panel.disagreements else ""
        lines.append(
            f"{line.rank if line.rank is not None else '–':>4}  {entry.ref:<18} "
            f"{organisation:<30} {requested:>12} {shown(line.quality):>7} "
            f"{shown(line.cost) if line.cost is not None else '':>6} {shown(line.score):>6} "
            f"{scorers:>7}  {running:>13}{flags}"
        )
    lines += ["", "Scorers: how many scored; M: the lead set the moderated score."]
    return "\n".join(lines)
