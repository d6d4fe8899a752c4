"""Mail to postmaster@: a card marked as postmaster mail, escaped, that promises no answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from intake.bids.enquiries import postmaster_address
from intake.config.load import load_config
from notifier.enquiry import Enquiry, console_enquiry, enquiry_card

MAIL = Enquiry(
    office_name="Kent OPCC",
    timezone="Europe/London",
    sender="<!channel> admin@neighbour.example",
    subject="Your server \x1b[2J sends us spam",
    text="Please look at <https://evil.example|this>.",
    received_at=datetime(2027, 5, 4, 13, 5, tzinfo=UTC),
    funds=(),
    postmaster="postmaster@bids.example.org",
)


def test_the_card_says_postmaster_mail_and_no_automatic_answer() -> None:
    card = enquiry_card(MAIL)
    text = json.dumps(card, ensure_ascii=False)
    assert card["blocks"][0]["text"]["text"] == "Postmaster mail (office correspondence)"
    assert "postmaster@bids.example.org" in text and "not answered automatically" in text
    assert "how to apply" not in text
    assert "<!channel>" not in text and "<https://evil" not in text
    console = console_enquiry(MAIL)
    assert console.startswith("── Postmaster mail") and "\x1b" not in console


def test_postmaster_mail_is_mail_to_no_fund_inbox() -> None:
    config = load_config()
    inbox = config.funds[0].inbox
    assert postmaster_address(config, ["Postmaster@bids.example.org"]) == (
        "Postmaster@bids.example.org"
    )
    assert postmaster_address(config, ["postmaster"]) == "postmaster"
    # Also sent to a fund's inbox: the fund's mail, as any other.
    assert postmaster_address(config, ["postmaster@bids.example.org", inbox]) is None
    assert postmaster_address(config, [inbox]) is None
