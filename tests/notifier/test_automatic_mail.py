"""Mail that is itself automatic is never answered, so two robots can never loop."""

from __future__ import annotations

import email
from email import policy

import pytest

from notifier.ack import is_automatic

OURS = ("safer-in-kent@bids.example.org", "commissioning@bids.example.org")
PERSON = {
    "From": "Jo Bloggs <jo@medwayyouth.example>",
    "To": "safer-in-kent@bids.example.org",
    "Subject": "Application form",
    "Content-Type": "multipart/mixed; boundary=xyz",
}


def test_an_applicants_ordinary_mail_is_answered() -> None:
    assert is_automatic(PERSON, "jo@medwayyouth.example", OURS) is None


def test_auto_submitted_no_is_a_person() -> None:
    assert is_automatic({**PERSON, "Auto-Submitted": "no"}, "jo@medwayyouth.example", OURS) is None


def test_an_unknown_envelope_sender_is_not_held_against_the_mail() -> None:
    assert is_automatic(PERSON, None, OURS) is None


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Auto-Submitted": "Auto-Generated; owner-email=x@y"}, "Auto-Submitted: auto-generated"),
        ({"auto-submitted": "auto-notified"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "List"}, "Precedence: list"),
        ({"Precedence": "junk"}, "Precedence: junk"),
        ({"List-Id": "<grants.lists.example>"}, "mailing list"),
        ({"List-Unsubscribe": "<mailto:leave@lists.example>"}, "mailing list"),
        ({"Content-Type": "multipart/report; report-type=delivery-status"}, "report"),
        ({"X-Auto-Response-Suppress": "DR, OOF, AutoReply"}, "X-Auto-Response-Suppress"),
        ({"X-Autoreply": "yes"}, "automatic reply"),
        ({"From": "Mail Delivery System <MAILER-DAEMON@mx.example>"}, "MAILER-DAEMON"),
        ({"From": "postmaster@medwayyouth.example"}, "postmaster"),
        ({"From": "Charity Portal <noreply@portal.example>"}, "noreply"),
        ({"From": "no-reply+bounce@portal.example"}, "no-reply"),
        ({"From": "donotreply@portal.example"}, "donotreply"),
        ({"From": "Commissioning <safer-in-kent@bids.example.org>"}, "our own addresses"),
        ({"X-Loop": "safer-in-kent@bids.example.org"}, "X-Loop"),
    ],
)
def test_automatic_mail_is_not_answered(extra: dict[str, str], reason: str) -> None:
    found = is_automatic({**PERSON, **extra}, "jo@medwayyouth.example", OURS)
    assert found is not None
    assert reason.lower() in found.lower()


@pytest.mark.parametrize("envelope", ["", "<>", "  "])
def test_an_empty_envelope_sender_is_a_bounce(envelope: str) -> None:
    found = is_automatic(PERSON, envelope, OURS)
    assert found is not None
    assert "envelope sender is empty" in found


def test_a_mailer_daemon_envelope_sender_is_not_answered() -> None:
    assert is_automatic(PERSON, "MAILER-DAEMON@mx.example", OURS) is not None


def test_a_parsed_bounce_message_is_recognised() -> None:
    raw = (
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        b"To: safer-in-kent@bids.example.org\r\n"
        b"Subject: Delivery Status Notification (Failure)\r\n"
        b"Auto-Submitted: auto-replied\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        b"\r\n--b--\r\n"
    )
    message = email.message_from_bytes(raw, policy=policy.default)
    assert is_automatic(message, "", OURS) is not None


def test_a_reply_from_a_person_that_mentions_noreply_in_the_name_is_answered() -> None:
    headers = {**PERSON, "From": '"Not a noreply robot" <jo@medwayyouth.example>'}
    assert is_automatic(headers, "jo@medwayyouth.example", OURS) is None
