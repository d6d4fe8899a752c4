"""The panel's arithmetic: each scorer's sheet, the panel's score, its spread, the ranking.

Pure: a matrix (the fund's criteria, :meth:`intake.config.model.Config.matrix`)
and stored sheets in, numbers out. The formulas, as officers are told them
(README, "Scoring panel"):

- a sheet's **points** are Σ weight × level over the criteria, out of
  Σ weight × top level (Kent's Appendix Four, every weight 1: "14 / 20");
- the panel's points are the **moderated** sheet's when the lead has set one,
  else the mean of the scorers' points; the **quality score** is those points
  as a percentage of the most a bid can get;
- the scorers **disagree** on a criterion when their highest and lowest levels
  differ by more than the fund's ``spread_gap``;
- the **cost score** of a bid (West Mercia's "quality and cost") is
  100 × the lowest amount requested among the bids ranked with it ÷ its own
  amount: the usual "lowest price scores full marks" rule of public
  procurement, so it needs neither a cap nor answers the form may not ask;
  a bid that names no amount scores 0 for cost;
- the **weighted score** is (quality weight × quality + cost weight × cost) ÷
  (quality weight + cost weight); without a cost weight it is the quality score;
- bids are **ranked** by weighted score, highest first (equal scores: the one
  received first ranks first); bids no one has scored are listed after them,
  unranked. The running total adds each ranked bid's request in rank order and
  says whether it is still within the budget (the fund's pot).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from intake.config.model import Criterion

HUNDRED = Decimal(100)
ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One officer's scores of one bid: criterion id → level, with optional comments."""

    scorer: str
    levels: Mapping[str, int]
    comments: Mapping[str, str] = field(default_factory=dict)


def sheet_problems(matrix: Sequence[Criterion], levels: Mapping[str, int]) -> list[str]:
    """What is wrong with ``levels`` against ``matrix``, in words for the officer."""
    known = {c.id: c for c in matrix}
    if set(levels) != set(known):
        return ["Score every criterion of the matrix."]
    return [
        f"{known[key].name}: choose a level from 1 to {len(known[key].levels)}."
        for key, level in levels.items()
        if not 1 <= level <= len(known[key].levels)
    ]


def points(matrix: Sequence[Criterion], levels: Mapping[str, int]) -> Decimal:
    """Σ weight × level: a sheet's total (criteria it does not score count nothing)."""
    return sum((c.weight * levels[c.id] for c in matrix if c.id in levels), Decimal(0))


def out_of(matrix: Sequence[Criterion]) -> Decimal:
    """The most a sheet can score: Σ weight × top level."""
    return sum((c.weight * len(c.levels) for c in matrix), Decimal(0))


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A criterion the scorers' levels differ on by more than the gap."""

    criterion: str
    """The criterion's name."""
    low: int
    high: int


def disagreements(
    matrix: Sequence[Criterion], sheets: Sequence[Sheet], gap: int
) -> tuple[Disagreement, ...]:
    """The criteria on which the scorers' highest and lowest levels differ by more than ``gap``."""
    found = []
    for criterion in matrix:
        given = [s.levels[criterion.id] for s in sheets if criterion.id in s.levels]
        if len(given) >= 2 and max(given) - min(given) > gap:
            found.append(Disagreement(criterion.name, min(given), max(given)))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class PanelScore:
    """What a bid's panel has made of it so far."""

    sheets: tuple[Sheet, ...]
    moderated: Sheet | None
    points: Decimal | None
    """The moderated sheet's points, else the mean of the sheets'; None before any."""
    out_of: Decimal
    disagreements: tuple[Disagreement, ...]

    @property
    def quality(self) -> Decimal | None:
        """The panel's points as a percentage of the most a bid can get."""
        if self.points is None or not self.out_of:
            return None
        return self.points * HUNDRED / self.out_of

    @property
    def scorers(self) -> tuple[str, ...]:
        return tuple(s.scorer for s in self.sheets)

    def sheet_of(self, scorer: str) -> Sheet | None:
        return next((s for s in self.sheets if s.scorer == scorer), None)


def panel_score(
    matrix: Sequence[Criterion],
    sheets: Sequence[Sheet],
    moderated: Sheet | None = None,
    *,
    gap: int,
) -> PanelScore:
    """The panel's score of a bid from its scorers' sheets and the lead's moderation."""
    if moderated is not None:
        total: Decimal | None = points(matrix, moderated.levels)
    elif sheets:
        total = sum((points(matrix, s.levels) for s in sheets), Decimal(0)) / len(sheets)
    else:
        total = None
    return PanelScore(
        sheets=tuple(sheets),
        moderated=moderated,
        points=total,
        out_of=out_of(matrix),
        disagreements=disagreements(matrix, sheets, gap),
    )


def cost_score(requested: Decimal | None, lowest: Decimal | None) -> Decimal:
    """100 × the lowest request ÷ this one; 0 for a bid that names no (positive) amount."""
    if requested is None or requested <= 0 or lowest is None or lowest <= 0:
        return Decimal(0)
    return min(HUNDRED, lowest * HUNDRED / requested)


def weighted(
    quality: Decimal, cost: Decimal | None, *, quality_weight: Decimal, cost_weight: Decimal
) -> Decimal:
    """(quality weight × quality + cost weight × cost) ÷ both weights."""
    if not cost_weight or cost is None:
        return quality
    return (quality_weight * quality + cost_weight * cost) / (quality_weight + cost_weight)


@dataclass(frozen=True, slots=True)
class Entry:
    """A bid to rank: what the ranking shows of it, and its panel's score."""

    ref: str
    organisation: str | None
    requested: Decimal | None
    received_at: datetime
    panel: PanelScore


@dataclass(frozen=True, slots=True)
class Ranked:
    """A line of the ranking. ``rank`` is None for a bid no one has scored yet."""

    entry: Entry
    rank: int | None
    quality: Decimal | None
    cost: Decimal | None
    score: Decimal | None
    running_total: Decimal | None
    within_budget: bool | None
    """Whether the running total is still within the budget; None without a budget."""


def rank(
    entries: Sequence[Entry],
    *,
    quality_weight: Decimal,
    cost_weight: Decimal,
    budget: Decimal | None,
) -> list[Ranked]:
    """The bids ranked by weighted score, with the running total of their requests."""
    scored = [e for e in entries if e.panel.quality is not None]
    unscored = [e for e in entries if e.panel.quality is None]
    asked = [e.requested for e in scored if e.requested is not None and e.requested > 0]
    lowest = min(asked) if asked else None
    lines: list[tuple[Decimal, Decimal | None, Entry]] = []
    for entry in scored:
        quality = entry.panel.quality
        assert quality is not None
        cost = cost_score(entry.requested, lowest) if cost_weight else None
        score = weighted(quality, cost, quality_weight=quality_weight, cost_weight=cost_weight)
        lines.append((score, cost, entry))
    lines.sort(key=lambda line: (-line[0], line[2].received_at, line[2].ref))
    ranked = []
    running = Decimal(0)
    for number, (score, cost, entry) in enumerate(lines, start=1):
        running += entry.requested or Decimal(0)
        ranked.append(
            Ranked(
                entry=entry,
                rank=number,
                quality=entry.panel.quality,
                cost=cost,
                score=score,
                running_total=running,
                within_budget=None if budget is None else running <= budget,
            )
        )
    unscored.sort(key=lambda e: (e.received_at, e.ref))
    ranked += [
        Ranked(e, None, None, None, None, running_total=None, within_budget=None) for e in unscored
    ]
    return ranked


def shown(value: Decimal | None) -> str:
    """A score as officers read it: one decimal place ("72.5"), a dash when there is none."""
    if value is None:
        return "–"
    return str(value.quantize(ONE_PLACE))
