"""The scoring panel in Slack: the matrix modal as one officer may see it, and the ranking.

A scorer who has not sent their sheet sees an empty matrix and nothing of the
others'; once sent, the "Score" button opens their own sheet to change, with
the other scorers' sheets and where they disagree. A lead of the fund's panel
may save the levels as the moderated score.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from intake.bids.panel import Ranking, bid_panel, is_lead, total_words
from intake.config.model import Config, Criterion
from intake.rules.scoring import Sheet, points, shown
from intake.store.bids import Bid
from intake.store.scores import Sheets
from notifier.modals import score_modal
from notifier.model import RankingLine, ScoreCriterion, ScoredSheet


def criteria_of(config: Config, bid: Bid) -> list[ScoreCriterion]:
    """The bid's fund's matrix, as the modal shows it."""
    return [
        ScoreCriterion(id=c.id, name=c.name, levels=c.levels)
        for c in config.matrix(bid.fund, bid.office)
    ]


def scoring_view(
    config: Config,
    bid: Bid,
    sheets: Sheets,
    *,
    officer: str,
    organisation: str | None,
    metadata: str,
    saved: bool = False,
) -> dict[str, Any]:
    """The "Score" modal for ``officer``: their sheet, and the others' once theirs is sent;
    ``saved``: as it shows just after the officer sent it."""
    matrix = config.matrix(bid.fund, bid.office)
    panel = bid_panel(config, bid, sheets)
    mine = panel.sheet_of(officer)
    others = [s for s in panel.sheets if s.scorer != officer] if mine else []
    lead = is_lead(config, bid.fund, officer)
    return score_modal(
        ref=bid.ref,
        organisation=organisation,
        criteria=criteria_of(config, bid),
        current=dict(mine.levels) if mine else {},
        comments=dict(mine.comments) if mine else {},
        others=[_scored(matrix, s) for s in others] + _moderated(matrix, sheets, shown=bool(mine)),
        disagree=[d.criterion for d in panel.disagreements] if mine else [],
        can_moderate=lead and mine is not None,
        metadata=metadata,
        saved=saved,
    )


def _moderated(matrix: tuple[Criterion, ...], sheets: Sheets, *, shown: bool) -> list[ScoredSheet]:
    """The lead's moderated sheet, under the scorers', for an officer who has sent theirs."""
    if not shown or sheets.moderated is None:
        return []
    return [replace(_scored(matrix, sheets.moderated), moderated=True)]


def _scored(matrix: tuple[Criterion, ...], sheet: Sheet) -> ScoredSheet:
    return ScoredSheet(
        scorer=sheet.scorer,
        total=total_words(points(matrix, sheet.levels), matrix) or "",
        levels=tuple(
            (c.name, sheet.levels[c.id], sheet.comments.get(c.id))
            for c in matrix
            if c.id in sheet.levels
        ),
    )


def ranking_lines(ranking: Ranking) -> list[RankingLine]:
    """The ranking's lines as ``/intake ranking`` shows them."""
    return [
        RankingLine(
            rank=line.rank,
            ref=line.entry.ref,
            organisation=line.entry.organisation,
            requested=_pounds(line.entry.requested),
            score=shown(line.score),
            scorers=len(line.entry.panel.sheets),
            moderated=line.entry.panel.moderated is not None,
            disagree=bool(line.entry.panel.disagreements),
            running_total=_pounds(line.running_total),
            within_budget=line.within_budget,
        )
        for line in ranking.lines
    ]


def _pounds(amount: Decimal | None) -> str | None:
    return None if amount is None else f"£{amount:,.2f}"
