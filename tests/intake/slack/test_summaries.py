"""What a card says about a stored bid: the answers read with doubt are among it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from intake.config.load import load_config
from intake.slack.summaries import bid_summary
from notifier.cards import triage_card


def _stored(sources: dict[str, dict[str, object]]) -> tuple[SimpleNamespace, SimpleNamespace]:
    bid = SimpleNamespace(
        ref="KENT-2027-0007",
        office="kent",
        fund="safer-in-kent",
        form="kent-funding-application",
        decision=None,
        decision_reason=None,
        scores=None,
        assigned_to=None,
    )
    version = SimpleNamespace(
        version=1,
        fields={"organisation_name": "Medway Youth Trust", "contact_email": "a@b.example"},
        problems=[],
        status="complete",
        sources=sources,
        attachments=[{"name": "form.pdf"}],
        round=None,
        received_at=datetime(2027, 5, 4, 13, 5, tzinfo=UTC),
    )
    return bid, version


def test_an_answer_ocr_was_unsure_of_is_on_the_card_to_check() -> None:
    config = load_config()
    bid, version = _stored(
        {
            "organisation_name": {"kind": "ocr", "confidence": 0.96, "flagged": False},
            "contact_email": {
                "kind": "ocr",
                "confidence": 0.41,
                "flagged": True,
                "note": "read by OCR with low confidence (41%)",
            },
        }
    )
    summary = bid_summary(config, bid, version)
    assert [(c.field, c.note) for c in summary.to_check] == [
        ("contact_email", "read by OCR with low confidence (41%)")
    ]
    question = summary.to_check[0].question
    assert question and "mail" in question.lower()
    card = str(triage_card(summary)["blocks"])
    assert "1 answer to check against the form" in card


def test_a_bid_read_with_certainty_has_nothing_to_check() -> None:
    bid, version = _stored({"organisation_name": {"kind": "table-cell", "flagged": False}})
    assert bid_summary(load_config(), bid, version).to_check == ()
