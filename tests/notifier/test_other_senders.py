"""A mail whose From or Reply-To names someone else than its envelope sender: the card
shows them to the officer, escaped, and says that nothing is mailed to them."""

from __future__ import annotations

import dataclasses
import json

from intake.slack.summaries import other_senders
from notifier.cards import console_card, triage_card
from tests.notifier.notifier_samples import BID

EVIL = "<!channel>|<https://evil.example|x>@evil.example"


def test_the_card_shows_from_and_reply_to_escaped_when_they_differ() -> None:
    bid = dataclasses.replace(
        BID,
        envelope_sender="ann@medway.example",
        other_senders=(("From", "boss@medway.example"), ("Reply-To", EVIL)),
    )
    text = json.dumps(triage_card(bid), ensure_ascii=False)
    assert "boss@medway.example" in text and "Reply-To" in text
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text
    shown = console_card(
        dataclasses.replace(bid, other_senders=(("Reply-To", "x\x1b[2J@y.example"),))
    )
    assert "\x1b" not in shown and "x[2J@y.example" in shown


def test_a_card_says_nothing_of_senders_when_they_are_one_mailbox() -> None:
    text = json.dumps(triage_card(BID))
    assert "envelope sender" not in text


def test_other_senders_are_the_headers_naming_another_mailbox_each_once() -> None:
    mail = {"reply_address": "Ann+bids@Medway.example", "from": "ann@medway.example"}
    assert other_senders({**mail, "reply_to": "ann@medway.example"}) == ()
    assert other_senders({**mail, "reply_to": "x@third.example"}) == (
        ("Reply-To", "x@third.example"),
    )
    mail = {
        "reply_address": "bounce@list.example",
        "from": "a@b.example",
        "reply_to": "a@b.example",
    }
    assert other_senders(mail) == (("From", "a@b.example"),)
    assert other_senders({"from": "a@b.example", "reply_to": "c@d.example"}) == ()
