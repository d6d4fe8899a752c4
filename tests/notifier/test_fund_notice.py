"""The answer to mail sent to a fund that takes no bids here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.errors import AddressError
from notifier.fund_notice import FundNotice, build_fund_notice

NOW = datetime(2027, 5, 15, 9, 0, tzinfo=UTC)


def notice(**changes: object) -> FundNotice:
    values: dict[str, object] = {
        "to": "applicant@example.org",
        "from_addr": "Cambridgeshire OPCC Grants <grants@cambs.bids.example.org>",
        "office_name": "Office of the Cambridgeshire & Peterborough PCC",
        "fund_name": "Youth Fund",
        "reason": "partner",
        "message_id": "<fund-notice.1@cambs.bids.example.org>",
        "partner_name": "Cambridgeshire Community Foundation",
        "partner_url": "https://www.cambscf.org.uk/",
        "their_message_id": "<theirs@example.org>",
        **changes,
    }
    return FundNotice(**values)  # type: ignore[arg-type]


def test_a_partner_notice_says_where_to_apply_and_is_an_auto_reply_in_their_thread() -> None:
    mail = build_fund_notice(notice(), now=NOW)
    text = " ".join(mail.get_content().split())
    assert "they are made through Cambridgeshire Community Foundation" in text
    assert "https://www.cambscf.org.uk/" in text
    assert "not registered your mail as an application" in text
    assert mail["In-Reply-To"] == "<theirs@example.org>"
    assert mail["Auto-Submitted"] == "auto-replied"


def test_the_offices_note_is_added_and_the_subject_carries_none_of_the_senders_words() -> None:
    mail = build_fund_notice(
        notice(reason="closed", partner_name=None, partner_url=None, note="Reopens in 2028."),
        now=NOW,
    )
    assert mail["Subject"] == "The Youth Fund is closed"
    assert "\n\nReopens in 2028.\n\nWith best wishes," in mail.get_content()


def test_a_partner_notice_without_the_partner_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="partner's name and address"):
        notice(partner_url=None)


def test_an_unusable_address_is_a_permanent_error() -> None:
    with pytest.raises(AddressError):
        build_fund_notice(notice(to="not an address\nBcc: x@evil.example"), now=NOW)
