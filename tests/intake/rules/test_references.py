"""A reply to our acknowledgement lands on the bid we acknowledged, whatever tags it kept."""

from __future__ import annotations

import pytest

from intake.rules.references import find_reference, message_ids, our_message_id
from notifier.ack import reply_subject

OURS = "KENT-2027-0001"


@pytest.mark.parametrize(
    "their_subject",
    [
        "Application form [Ref KENT-2027-0003]",
        "Application form [Ref::KENT-2027-0003]",
        "Application form [ REF:  kent-2027-0003 ]",
        "Application form [ref\tKENT-2027-0003]",
        "[Ref KENT-2027-0003] [Ref ESSEX-2027-0009] form",
        "Form [Ref KENT-2027-0001] and [Ref KENT-2027-0003]",
    ],
)
def test_a_reply_to_our_subject_names_only_our_bid(their_subject: str) -> None:
    """Any tag the reader would take for a reference is replaced by ours when we answer."""
    assert find_reference(subject=their_subject, text="") is not None
    ours = reply_subject(their_subject, OURS)
    assert find_reference(subject=ours, text="") == OURS, ours
    assert ours.count("[Ref") == 1


def test_our_message_id_names_no_bid_and_is_the_same_on_a_retry() -> None:
    ours = our_message_id(OURS, 2, "ack", 0, "bids.example.org", salt="1|2027-04-15|<a@b>")
    assert "KENT" not in ours.upper() and "2027" not in ours
    assert ours == our_message_id(OURS, 2, "ack", 0, "bids.example.org", salt="1|2027-04-15|<a@b>")
    # Without the bid's own facts, trying the sequential references finds nothing.
    guesses = {
        our_message_id(f"KENT-2027-{n:04d}", 2, "ack", 0, "bids.example.org", salt="")
        for n in range(1, 100)
    }
    assert ours not in guesses
    assert find_reference(subject="Re: form", text="", thread_ids=[ours]) is None


def test_an_old_message_id_still_leads_back_to_its_bid_before_any_tag() -> None:
    """Mails sent before the change embedded the reference; replies to them still arrive."""
    old = "<grant-intake.KENT-2027-0001.v2.ack.0@bids.example.org>"
    found = find_reference(
        subject="Re: form [Ref KENT-2027-0003]", text="", thread_ids=["<x@y>", old]
    )
    assert found == OURS


def test_message_ids_are_read_from_the_headers_in_order_each_once() -> None:
    assert message_ids("<a@x> junk <b@x>", "<b@x> <c@x>") == ["<a@x>", "<b@x>", "<c@x>"]


def test_text_that_only_looks_like_a_tag_is_not_a_reference() -> None:
    assert find_reference(subject="[Ref to our chat] [Ref KENT-27-1]", text="") is None
