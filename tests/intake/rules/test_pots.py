"""Which year or round of a fund's pot a bid counts against."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from intake.config.load import bundled_office, load_config
from intake.rules.pots import pot_period

CONFIG = load_config(bundled_office("all-offices"))
DORSET = CONFIG.fund("dorset-community-grant")
OFFICE = CONFIG.office("dorset")


def test_a_yearly_pot_runs_from_april_to_march_in_the_offices_time() -> None:
    late_march = pot_period(
        DORSET, OFFICE, datetime.fromisoformat("2028-03-31T23:30:00+01:00"), None
    )
    april = pot_period(DORSET, OFFICE, datetime.fromisoformat("2028-03-31T23:30:00+00:00"), None)
    assert late_march is not None and late_march.label == "2027/28"
    assert april is not None and april.label == "2028/29"  # 00:30 BST on 1 April
    assert april.starts is not None and april.starts.isoformat() == "2028-04-01T00:00:00+01:00"


def test_a_rounds_pot_counts_the_bids_judged_in_that_round() -> None:
    fund = CONFIG.fund("essex-csdf").model_copy(
        update={"pot": Decimal(60000), "pot_period": "round"}
    )
    office = CONFIG.office("essex")
    moment = datetime.fromisoformat("2027-05-01T10:00:00+01:00")
    period = pot_period(fund, office, moment, "2027")
    assert period is not None and (period.label, period.round) == ("2027/28", "2027")
    assert pot_period(fund, office, moment, None) is None  # a bid in no round: no round's pot


def test_a_fund_without_a_pot_has_no_period() -> None:
    fund = CONFIG.fund("safer-in-kent")
    assert (
        pot_period(
            fund,
            CONFIG.office("kent"),
            datetime.fromisoformat("2027-05-01T10:00:00+01:00"),
            "2027-r1",
        )
        is None
    )
