"""Awards and a staged approach's steps, as pure functions: the transparency list, the
distribution report, the amounts officers type, and which button a card shows next."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from intake.bids import stages
from intake.bids.awards import (
    award_lines,
    distribution,
    parse_amount,
    published_list,
    share_lines,
    short_description,
)
from intake.bids.triage import Refused
from intake.config.load import bundled_office, load_config
from intake.store.bids import Bid, BidVersion
from notifier.awards import (
    distribution_message,
    distribution_text,
    published_message,
    published_rows,
)
from tests.slack_api_server import block_kit_problems

CONFIG = load_config(bundled_office("all-offices"))
NOW = datetime(2027, 5, 15, 9, tzinfo=UTC)


def awarded(ref: str, amount: str, fund: str = "essex-csdf", **fields: Any) -> tuple[Bid, Any]:
    bid = Bid(
        id=int(ref.rsplit("-", 1)[1]),
        ref=ref,
        office=CONFIG.fund(fund).office,
        fund=fund,
        form=CONFIG.fund(fund).form,
        round=None,
        version=1,
        status="complete",
        organisation=fields.get("organisation_name"),
        project=fields.get("project_name"),
        amount_requested=amount,
        applicant="a@example.org",
        thread_subject=None,
        thread_message_id=None,
        received_at=NOW,
        updated_at=NOW,
        assigned_to=None,
        decision="awarded",
        decision_reason=None,
        scores=None,
        award_amount=amount,
    )
    version = BidVersion(
        id=bid.id,
        bid_id=bid.id,
        version=1,
        message_id=None,
        received_at=NOW,
        file=None,
        format="docx",
        fields=fields,
        problems=[],
        status="complete",
        sources={},
        attachments=[],
        round=None,
        mail=None,
    )
    return bid, version


FOUND = [
    awarded(
        "ESSEX-2027-0001",
        "6000.00",
        organisation_name="Thurrock Street Pastors",
        short_description="Volunteers helping people home safely in Grays.",
        area="thurrock",
        criteria=["crime_prevention", "violence_women_girls"],
    ),
    awarded(
        "ESSEX-2027-0002",
        "2500.00",
        organisation_name="Leigh Youth Club",
        project_name="Friday nights",
        postcode="SS9 1AA",
        criteria=["crime_prevention"],
    ),
    awarded("ESSEX-2027-0003", "1000.00", organisation_name="Somewhere Trust"),
]


def test_the_transparency_list_says_organisation_short_description_and_value() -> None:
    listed = [(a.organisation, a.description, a.value) for a in published_list(FOUND)]
    assert listed == [
        (
            "Thurrock Street Pastors",
            "Volunteers helping people home safely in Grays.",
            Decimal("6000.00"),
        ),
        ("Leigh Youth Club", "Friday nights", Decimal("2500.00")),
        ("Somewhere Trust", "Not given", Decimal("1000.00")),
    ]
    rows = published_rows(award_lines(FOUND))
    assert rows[0] == ["Organisation", "Short description", "Award value"]
    assert rows[1][2] == "£6,000.00"


def test_a_long_outline_is_cut_for_publication() -> None:
    text = short_description({"project_outline": " ".join(["word"] * 50)})
    assert text.endswith("…") and len(text.split()) == 40


def test_the_distribution_counts_awards_by_area_and_by_priority() -> None:
    report = distribution(CONFIG, CONFIG.fund("essex-csdf"), FOUND)
    assert (report.awards, report.total) == (3, Decimal("9500.00"))
    areas = {s.name: (s.awards, s.value) for s in report.by_area}
    assert areas == {
        "Southend-on-Sea": (1, Decimal("2500.00")),
        "Thurrock": (1, Decimal("6000.00")),
        "Essex": (0, Decimal(0)),
        "Area not named": (1, Decimal("1000.00")),
    }
    priorities = {s.name: s.awards for s in report.by_priority}
    assert priorities["Further investment in crime prevention"] == 2
    assert priorities["Reducing violence against women and girls"] == 1
    assert priorities["Protecting rural and isolated areas"] == 0
    text = distribution_text(
        report.fund,
        f"{report.total:.2f}",
        report.awards,
        share_lines(report.by_area),
        share_lines(report.by_priority),
    )
    assert "Community Safety Development Fund: 3 awards, £9,500.00 in all" in text
    message = distribution_message(
        report.fund,
        f"{report.total:.2f}",
        report.awards,
        share_lines(report.by_area),
        share_lines(report.by_priority),
    )
    assert not block_kit_problems(message["blocks"], text=str(message["text"]))
    assert "Thurrock: 1 award, £6,000.00" in str(message["blocks"])


def test_the_published_message_is_valid_block_kit_and_escaped() -> None:
    hostile = [awarded("ESSEX-2027-0009", "100.00", organisation_name="<!channel> *Org*")]
    message = published_message("Community Safety Development Fund", award_lines(hostile))
    assert not block_kit_problems(message["blocks"], text=str(message["text"]))
    assert "<!channel>" not in str(message["blocks"])
    many = [
        awarded(f"ESSEX-2027-{n:04d}", "100.00", organisation_name="x" * 300) for n in range(1, 800)
    ]
    message = published_message("Fund", award_lines(many))
    assert not block_kit_problems(message["blocks"], text=str(message["text"]))


@pytest.mark.parametrize(
    ("typed", "value"),
    [("£6,000", "6000.00"), ("2500", "2500.00"), (" 1 234.5 ", "1234.50")],
)
def test_an_amount_as_officers_type_it(typed: str, value: str) -> None:
    assert parse_amount(typed) == value


@pytest.mark.parametrize("typed", ["", "six thousand", "0", "-5", "NaN", "Infinity"])
def test_an_amount_that_is_not_money_is_refused(typed: str) -> None:
    with pytest.raises(Refused):
        parse_amount(typed)


def test_a_staged_approach_shows_the_button_of_its_next_step_only() -> None:
    bid, _ = awarded("DORSET-2027-0001", "2000.00", fund="dorset-one-off")
    bid = Bid(**{**{f: getattr(bid, f) for f in bid.__slots__}, "decision": None})

    def step(stage: str | None) -> list[str]:
        at = Bid(**{**{f: getattr(bid, f) for f in bid.__slots__}, "stage": stage})
        return [words for _, words, _ in stages.next_actions(CONFIG, at)]

    assert step(None) == ["Ask for proposal form"]
    assert step(stages.PROPOSAL_REQUESTED) == ["Recommend"]
    assert step(stages.RECOMMENDED) == ["Approve", "Decline"]
    assert step(stages.DECIDED) == []
    at = Bid(**{**{f: getattr(bid, f) for f in bid.__slots__}, "stage": stages.RECOMMENDED})
    with pytest.raises(Refused, match="cannot ask for its proposal form now"):
        stages.check_stage(CONFIG, at, None, "ask for its proposal form")


def test_an_ordinary_fund_offers_an_award_once_a_bid_is_eligible() -> None:
    bid, _ = awarded("ESSEX-2027-0001", "6000.00")
    fields = {f: getattr(bid, f) for f in bid.__slots__}
    assert stages.next_actions(CONFIG, Bid(**{**fields, "decision": None})) == ()
    eligible = stages.next_actions(CONFIG, Bid(**{**fields, "decision": "eligible"}))
    assert [words for _, words, _ in eligible] == ["Award"]
    assert stages.stage_words(CONFIG, bid) is None
