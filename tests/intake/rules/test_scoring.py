"""The panel's arithmetic: sheets, the panel score, disagreement, cost, weighting, ranking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from intake.config.load import ConfigError, bundled_config_text, parse_config
from intake.config.model import Config, Criterion, Panel
from intake.config.scoring import APPENDIX_FOUR
from intake.rules.scoring import (
    Entry,
    Sheet,
    cost_score,
    disagreements,
    out_of,
    panel_score,
    points,
    rank,
    sheet_problems,
    shown,
    weighted,
)

KENT = tuple(Criterion.model_validate(c) for c in APPENDIX_FOUR)
LEVELS = {"credible_history": 4, "sustainability": 3, "strategy_and_measurement": 4, "localism": 3}
T0 = datetime(2027, 4, 15, 9, tzinfo=UTC)


def sheet(scorer: str, **changed: int) -> Sheet:
    return Sheet(scorer, {**LEVELS, **changed})


def test_kents_matrix_totals_as_the_appendix_does() -> None:
    assert points(KENT, LEVELS) == 14
    assert out_of(KENT) == 20
    assert panel_score(KENT, [sheet("U1")], gap=1).quality == 70


def test_weights_multiply_each_level() -> None:
    weighted_matrix = (
        KENT[0].model_copy(update={"weight": Decimal(2)}),
        *KENT[1:],
    )
    assert points(weighted_matrix, LEVELS) == 18  # 2×4 + 3 + 4 + 3
    assert out_of(weighted_matrix) == 25


def test_a_sheet_must_score_every_criterion_within_its_scale() -> None:
    assert sheet_problems(KENT, LEVELS) == []
    assert sheet_problems(KENT, {"localism": 3}) == ["Score every criterion of the matrix."]
    assert sheet_problems(KENT, {**LEVELS, "localism": 6}) == [
        "Localism: choose a level from 1 to 5."
    ]


def test_three_scorers_the_panel_is_their_mean_and_disagreement_past_the_gap_is_flagged() -> None:
    sheets = [sheet("U1"), sheet("U2", localism=5), sheet("U3", localism=2)]
    panel = panel_score(KENT, sheets, gap=1)
    assert shown(panel.points) == "14.3"  # (14 + 16 + 13) / 3
    assert shown(panel.quality) == "71.7"
    assert [(d.criterion, d.low, d.high) for d in panel.disagreements] == [("Localism", 2, 5)]
    # Within the gap, no flag: levels 3 and 4 differ by one.
    assert disagreements(KENT, [sheet("U1"), sheet("U2", localism=4)], 1) == ()
    assert disagreements(KENT, sheets, 3) == ()


def test_the_moderated_sheet_is_the_panels_score() -> None:
    sheets = [sheet("U1"), sheet("U2", localism=5)]
    moderated = Sheet("U9", {**LEVELS, "localism": 4})
    panel = panel_score(KENT, sheets, moderated, gap=1)
    assert panel.points == 15
    assert panel.quality == 75
    assert panel.scorers == ("U1", "U2")  # the lead's sheet is not a scorer's


def test_cost_scores_against_the_lowest_request() -> None:
    assert cost_score(Decimal(2000), Decimal(2000)) == 100
    assert cost_score(Decimal(4000), Decimal(2000)) == 50
    assert cost_score(None, Decimal(2000)) == 0
    assert (
        weighted(Decimal(80), Decimal(50), quality_weight=Decimal(70), cost_weight=Decimal(30))
        == 71
    )
    assert weighted(Decimal(80), None, quality_weight=Decimal(100), cost_weight=Decimal(0)) == 80


def entry(ref: str, requested: str | None, *sheets: Sheet, minutes: int = 0) -> Entry:
    return Entry(
        ref=ref,
        organisation=f"Org {ref}",
        requested=Decimal(requested) if requested else None,
        received_at=T0 + timedelta(minutes=minutes),
        panel=panel_score(KENT, sheets, gap=1),
    )


def test_ranking_runs_the_total_against_the_budget_and_lists_the_unscored_last() -> None:
    entries = [
        entry("A", "6000", sheet("U1", localism=1), minutes=1),  # 12 / 20
        entry("B", "5000", sheet("U1", localism=5), minutes=2),  # 16
        entry("C", "3000", minutes=0),  # not scored
        entry("D", "4000", sheet("U1"), minutes=3),  # 14
    ]
    lines = rank(
        entries, quality_weight=Decimal(100), cost_weight=Decimal(0), budget=Decimal(10000)
    )
    assert [(x.entry.ref, x.rank) for x in lines] == [("B", 1), ("D", 2), ("A", 3), ("C", None)]
    assert [x.running_total for x in lines] == [5000, 9000, 15000, None]
    assert [x.within_budget for x in lines] == [True, True, False, None]


def test_a_cost_weight_lets_a_cheaper_bid_overtake_a_better_one() -> None:
    better = entry("BETTER", "8000", sheet("U1", localism=5))  # 80
    cheaper = entry("CHEAPER", "2000", sheet("U1"), minutes=1)  # 70
    by_quality = rank(
        [better, cheaper], quality_weight=Decimal(1), cost_weight=Decimal(0), budget=None
    )
    assert [x.entry.ref for x in by_quality] == ["BETTER", "CHEAPER"]
    mixed = rank(
        [better, cheaper], quality_weight=Decimal(70), cost_weight=Decimal(30), budget=None
    )
    assert [(x.entry.ref, shown(x.score)) for x in mixed] == [
        ("CHEAPER", "79.0"),
        ("BETTER", "63.5"),
    ]
    assert mixed[0].within_budget is None


def test_equal_scores_rank_the_first_received_first() -> None:
    late = entry("LATE", "100", sheet("U1"), minutes=9)
    early = entry("EARLY", "100", sheet("U2"), minutes=1)
    lines = rank([late, early], quality_weight=Decimal(1), cost_weight=Decimal(0), budget=None)
    assert [x.entry.ref for x in lines] == ["EARLY", "LATE"]


def test_a_panel_cannot_weigh_nothing() -> None:
    with pytest.raises(ValueError, match="cannot both be 0"):
        Panel(quality_weight=Decimal(0), cost_weight=Decimal(0))


def _kent_with(panel: str) -> Config:
    fund = 'name = "Safer in Kent Fund"\n'
    text = bundled_config_text().replace(fund, fund + panel, 1)
    return parse_config(text, source="kent.toml")


def test_a_fund_may_have_its_own_matrix_and_the_others_keep_the_offices() -> None:
    config = _kent_with(
        'panel = { criteria = [{ id = "value", name = "Value for money", '
        'levels = ["Poor", "Fair", "Good"], weight = 2 }] }\n'
    )
    assert [c.id for c in config.matrix("safer-in-kent", "kent")] == ["value"]
    assert config.matrix("mental-health-policing", "kent") == KENT
    assert config.matrix(None, "kent") == KENT


def test_a_lead_is_a_slack_user_id() -> None:
    with pytest.raises(ConfigError, match="leads"):
        _kent_with('panel = { leads = ["sam"] }\n')
