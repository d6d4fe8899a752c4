"""Sample bids for the notifier tests (a module of its own so tests can import it)."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.model import BidSummary, ProblemLine

RECEIVED = datetime(2027, 5, 4, 13, 5, tzinfo=UTC)  # 14:05 in London (BST)
CLOSES = datetime(2027, 5, 30, 23, 0, tzinfo=UTC)  # midnight ending Sunday 30 May, London

MISSING_AIMS = ProblemLine(
    field="organisation_aims",
    question="What are the aims and objectives of your organisation?",
    code="missing",
    message="This question is not answered.",
)
TOO_LONG_OUTLINE = ProblemLine(
    field="project_outline",
    question="Give an outline of your project / service (maximum 500 words)",
    code="too_long",
    message="Your answer has 612 words; the limit is 500.",
)

BID = BidSummary(
    ref="SIK-2027-0042",
    version=1,
    office_name="Kent OPCC Commissioning",
    fund_id="safer-in-kent",
    fund_name="Safer in Kent Fund",
    round_name="Round 1 2027/28",
    organisation="Medway Youth Trust",
    project="Street Mentors",
    contact_name="Jo Bloggs",
    amount_requested="9500.00",
    amount_cap="10000.00",
    total_cost="12000.00",
    status="incomplete",
    problems=(MISSING_AIMS, TOO_LONG_OUTLINE),
    received_at=RECEIVED,
    timezone="Europe/London",
    attachments=("application.docx", "budget.xlsx"),
    closes_at=CLOSES,
)
