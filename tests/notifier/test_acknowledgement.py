"""The acknowledgement an applicant receives: threaded, safe, and clear about what to do."""

from __future__ import annotations

import email
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from notifier.ack import build_acknowledgement, reply_subject
from notifier.errors import AddressError
from notifier.model import Acknowledgement, BidSummary, ProblemLine
from tests.notifier.notifier_samples import MISSING_AIMS

NOW = datetime(2027, 5, 4, 13, 6, tzinfo=UTC)
REF = "SIK-2027-0042"

MakeBid = Callable[..., BidSummary]


def make_ack(bid: BidSummary, **changes: Any) -> Acknowledgement:
    fields: dict[str, Any] = {
        "bid": bid,
        "to": "Jo Bloggs <jo@medwayyouth.example>",
        "from_addr": "Kent OPCC Commissioning <safer-in-kent@bids.example.org>",
        "their_subject": "Application form",
        "their_message_id": "<CAF=abc123@mail.medwayyouth.example>",
        "message_id": "<ack.SIK-2027-0042.1@bids.example.org>",
    }
    fields.update(changes)
    return Acknowledgement(**fields)


def sent(message: EmailMessage) -> EmailMessage:
    """The mail as the applicant's client reads it: serialised, then parsed again."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def flat(text: str) -> str:
    """The body with its line wrapping undone, to look for whole sentences."""
    return " ".join(text.split())


# -- subject ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        ("Application form", f"Re: Application form [Ref {REF}]"),
        ("Re: Application form", f"Re: Application form [Ref {REF}]"),
        ("RE: Application form", f"RE: Application form [Ref {REF}]"),
        (f"Re: Application form [Ref {REF}]", f"Re: Application form [Ref {REF}]"),
        (f"Application form [ref {REF.lower()}]", f"Re: Application form [Ref {REF}]"),
        (f"Corrected form [Ref {REF}] attached", f"Re: Corrected form [Ref {REF}] attached"),
        ("Fwd: Application form", f"Re: Fwd: Application form [Ref {REF}]"),
        ("Form [Ref SIK-2027-0001]", f"Re: Form [Ref {REF}]"),
        ("  Application\tform  ", f"Re: Application form [Ref {REF}]"),
        ("", f"Your grant application [Ref {REF}]"),
        (None, f"Your grant application [Ref {REF}]"),
    ],
)
def test_subject_has_one_re_and_one_reference(theirs: str | None, ours: str) -> None:
    assert reply_subject(theirs, REF) == ours


def test_a_very_long_subject_is_cut_before_the_reference_is_added() -> None:
    subject = reply_subject("Application " * 100, REF)
    assert subject.endswith(f"[Ref {REF}]")
    assert len(subject) <= len("Re: ") + 150 + len(f" [Ref {REF}]")


def test_an_encoded_subject_cannot_add_a_header(make_bid: MakeBid) -> None:
    raw = (
        b"From: Jo <jo@medwayyouth.example>\r\n"
        b"To: safer-in-kent@bids.example.org\r\n"
        b"Subject: =?UTF-8?Q?Form_A=0ABcc:_x@evil?=\r\n"
        b"Message-ID: <m1@mail.medwayyouth.example>\r\n"
        b"\r\n"
        b"Please find attached.\r\n"
    )
    incoming = email.message_from_bytes(raw, policy=policy.default)
    decoded = str(incoming["Subject"])
    assert "\n" in decoded  # the attack: the decoded subject carries a line break

    for their_subject in (decoded, "=?UTF-8?Q?Form_A=0ABcc:_x@evil?=", "Form A\r\nBcc: x@evil"):
        message = build_acknowledgement(make_ack(make_bid(), their_subject=their_subject), now=NOW)
        wire = message.as_bytes()
        assert b"\nBcc:" not in wire
        assert b"\rBcc:" not in wire
        received = sent(message)
        assert received["Bcc"] is None
        assert received.get_all("Subject") == [f"Re: Form A Bcc: x@evil [Ref {REF}]"]


def test_addresses_with_line_breaks_are_refused(make_bid: MakeBid) -> None:
    with pytest.raises(AddressError, match="line break") as caught:
        build_acknowledgement(
            make_ack(make_bid(), to="jo@medwayyouth.example\r\nBcc: x@evil"), now=NOW
        )
    assert not caught.value.transient  # a worker gives up rather than retrying
    with pytest.raises(AddressError, match="not one usable email address"):
        build_acknowledgement(make_ack(make_bid(), to="jo@a.example, x@evil.example"), now=NOW)
    with pytest.raises(ValueError):
        build_acknowledgement(make_ack(make_bid(), to="not an address"), now=NOW)


# -- headers ---------------------------------------------------------------------------------


def test_reply_is_threaded_under_the_applicants_mail(make_bid: MakeBid) -> None:
    message = sent(
        build_acknowledgement(
            make_ack(
                make_bid(),
                their_references=("<root@mail.example> <middle@mail.example>",),
            ),
            now=NOW,
        )
    )
    assert message["In-Reply-To"] == "<CAF=abc123@mail.medwayyouth.example>"
    assert message["References"].split() == [
        "<root@mail.example>",
        "<middle@mail.example>",
        "<CAF=abc123@mail.medwayyouth.example>",
    ]


def test_junk_around_their_message_id_is_dropped(make_bid: MakeBid) -> None:
    message = sent(
        build_acknowledgement(
            make_ack(
                make_bid(),
                their_message_id="garbage <real@mail.example> (comment)",
                their_references=("not-an-id", "<a@x.example> <a@x.example>"),
            ),
            now=NOW,
        )
    )
    assert message["In-Reply-To"] == "<real@mail.example>"
    assert message["References"] == "<a@x.example> <real@mail.example>"


def test_no_threading_headers_without_their_message_id(make_bid: MakeBid) -> None:
    message = sent(build_acknowledgement(make_ack(make_bid(), their_message_id=None), now=NOW))
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_a_huge_references_chain_is_bounded(make_bid: MakeBid) -> None:
    chain = " ".join(f"<m{i}@mail.example>" for i in range(500))
    message = sent(build_acknowledgement(make_ack(make_bid(), their_references=(chain,)), now=NOW))
    ids = message["References"].split()
    assert len(ids) == 20
    assert ids[0] == "<m0@mail.example>"
    assert ids[-1] == "<CAF=abc123@mail.medwayyouth.example>"


def test_headers_mark_an_automatic_reply_that_a_retry_repeats_exactly(make_bid: MakeBid) -> None:
    ack = make_ack(make_bid())
    first = sent(build_acknowledgement(ack, now=NOW))
    again = sent(build_acknowledgement(ack, now=NOW))

    assert first["Auto-Submitted"] == "auto-replied"
    assert first["X-Auto-Response-Suppress"] == "All"
    assert first["Message-ID"] == "<ack.SIK-2027-0042.1@bids.example.org>"
    assert first["Date"] == "Tue, 04 May 2027 13:06:00 +0000"
    assert first["To"] == "Jo Bloggs <jo@medwayyouth.example>"
    assert first["From"] == "Kent OPCC Commissioning <safer-in-kent@bids.example.org>"
    assert first.as_bytes() == again.as_bytes()
    assert first.get_content_type() == "text/plain"
    assert first.get_content_charset() == "utf-8"


def test_message_id_without_brackets_is_accepted_and_junk_refused(make_bid: MakeBid) -> None:
    message = build_acknowledgement(make_ack(make_bid(), message_id="ack-9@bids.example.org"))
    assert message["Message-ID"] == "<ack-9@bids.example.org>"
    with pytest.raises(AddressError, match="Message-ID"):
        build_acknowledgement(make_ack(make_bid(), message_id="<no host>"))


# -- body ------------------------------------------------------------------------------------


def test_incomplete_bid_lists_every_problem_and_the_closing_date(make_bid: MakeBid) -> None:
    text = body(sent(build_acknowledgement(make_ack(make_bid()), now=NOW)))
    words = flat(text)

    assert text.startswith("Dear Jo Bloggs,")
    assert "Thank you for your application to the Safer in Kent Fund (Round 1 2027/28)" in words
    assert "We received your email on Tuesday 4 May 2027 at 2:05pm BST." in words
    assert "  - application.docx\n  - budget.xlsx" in text
    assert f"Your reference is {REF}. Please keep [Ref {REF}] in the subject line" in words
    assert "not complete yet. We found 2 things to put right:" in words
    assert (
        '1. "What are the aims and objectives of your organisation?": '
        "This question is not answered." in words
    )
    assert (
        '2. "Give an outline of your project / service (maximum 500 words)": '
        "Your answer has 612 words; the limit is 500." in words
    )
    assert (
        "reply to this email with the corrected form attached by the end of "
        "Sunday 30 May 2027, when the round closes" in words
    )
    assert "Kent OPCC Commissioning" in text
    assert all(len(line) <= 78 for line in text.splitlines())


def test_complete_bid_says_nothing_more_is_needed(make_bid: MakeBid) -> None:
    text = flat(
        body(build_acknowledgement(make_ack(make_bid(status="complete", problems=())), now=NOW))
    )
    assert "Your application form is complete" in text
    assert "You do not need to do anything more for now." in text
    assert "corrected form" not in text
    assert "after the round closes on Sunday 30 May 2027" in text


def test_an_amount_over_the_cap_can_still_be_corrected(make_bid: MakeBid) -> None:
    over = ProblemLine(
        "amount_requested",
        "How much are you requesting through this funding application?",
        "over_limit",
        "You asked for £12,000.00; the most this fund gives a single organisation is £10,000.00.",
    )
    text = flat(
        body(
            build_acknowledgement(
                make_ack(make_bid(status="ineligible", problems=(over,))), now=NOW
            )
        )
    )
    assert "cannot be considered as it stands. We found one thing to put right:" in text
    assert "£10,000.00" in text
    assert "corrected form attached by the end of Sunday 30 May 2027" in text


def test_a_late_bid_is_not_invited_to_resubmit(make_bid: MakeBid) -> None:
    late = ProblemLine(
        None, None, "late", "It arrived on 31 May 2027, after the round closed on 30 May 2027."
    )
    bid = make_bid(
        status="ineligible",
        problems=(late,),
        received_at=datetime(2027, 5, 31, 9, 0, tzinfo=UTC),
    )
    text = flat(body(build_acknowledgement(make_ack(bid), now=NOW.replace(month=6))))
    assert "we cannot consider this application" in text
    assert "after the round closed on 30 May 2027" in text
    assert "corrected form" not in text
    assert "If you think we have got this wrong" in text


def test_an_unreadable_form_asks_for_a_docx_or_pdf(make_bid: MakeBid) -> None:
    unreadable = ProblemLine(None, None, "unreadable", "The PDF is a scan we could not read.")
    bid = make_bid(status="unreadable", problems=(unreadable,), attachments=("scan.pdf",))
    text = flat(body(build_acknowledgement(make_ack(bid), now=NOW)))
    assert "we could not read the application form in your email" in text
    assert "The PDF is a scan we could not read." in text
    assert "as a Word document (.docx) or as a PDF" in text
    assert "by the end of Sunday 30 May 2027" in text
    assert "- scan.pdf" in text


def test_a_mail_without_a_form_asks_for_the_form(make_bid: MakeBid) -> None:
    bid = make_bid(status="unreadable", problems=(), attachments=("logo.png",))
    text = flat(body(build_acknowledgement(make_ack(bid, kind="no_form"), now=NOW)))
    assert "none of them is our application form" in text
    assert "- logo.png" in text
    assert "reply to this email with the completed application form attached" in text
    assert "Word document (.docx) or a PDF" in text


def test_request_info_lists_exactly_the_problems_and_the_officers_note(
    make_bid: MakeBid,
) -> None:
    bid = make_bid(problems=(MISSING_AIMS,))
    ack = make_ack(
        bid,
        kind="request_info",
        note="Please also send your safeguarding policy.\nThanks, Sam",
    )
    message = sent(build_acknowledgement(ack, now=NOW))
    text = body(message)
    words = flat(text)
    assert f"(reference {REF})" in words
    assert "we need some more information from you:" in words
    assert '1. "What are the aims and objectives of your organisation?"' in words
    assert "2." not in text
    assert "612 words" not in words
    assert "A note from the officer:\n    Please also send your safeguarding policy.\n" in text
    assert "    Thanks, Sam" in text
    assert message["Subject"] == f"Re: Application form [Ref {REF}]"


def test_after_the_round_has_closed_the_applicant_is_asked_to_reply_soon(
    make_bid: MakeBid,
) -> None:
    ack = make_ack(make_bid(), kind="request_info")
    text = flat(body(build_acknowledgement(ack, now=datetime(2027, 6, 2, tzinfo=UTC))))
    assert "as soon as you can" in text
    assert "30 May" not in text


def test_applicant_text_in_the_body_is_cleaned_of_control_characters(make_bid: MakeBid) -> None:
    bid = make_bid(contact_name="Jo\x1b[2J\u202eBloggs", attachments=("cod\u202excod.exe",))
    text = body(build_acknowledgement(make_ack(bid), now=NOW))
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert text.startswith("Dear Jo[2JBloggs,")


def test_the_answer_to_another_sender_says_nothing_of_the_bid(make_bid: MakeBid) -> None:
    """Issue #19: a stranger who names a bid learns nothing of it, and none of their
    words are put in our subject (no phishing text reflected from our address)."""
    bid = make_bid()
    ack = make_ack(
        bid,
        to="mallory@evil.example",
        kind="claim_received",
        note="mallory@evil.example",
        their_subject="Your account is locked - verify at https://evil.example",
    )
    message = sent(build_acknowledgement(ack, now=NOW))
    text = body(message)
    assert message["Subject"] == f"Your message about an application [Ref {REF}]"
    for secret in ("Medway", "Street Mentors", "Jo Bloggs", "9500", "missing", "Round 1"):
        assert secret not in text, secret
    assert REF in text


def test_the_applicant_is_told_of_another_senders_mail(make_bid: MakeBid) -> None:
    ack = make_ack(make_bid(), kind="claim_notice", note="mallory@evil.example")
    message = sent(build_acknowledgement(ack, now=NOW))
    assert message["Subject"] == f"Another sender named your application [Ref {REF}]"
    text = " ".join(body(message).split())
    assert "another sender, mallory@evil.example, naming your application" in text
    assert "It has not changed your application" in text
