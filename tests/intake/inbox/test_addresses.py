"""Which envelope addresses can be kept as they came, and which are refused at once."""

from __future__ import annotations

import pytest

from intake.inbox.addresses import address_problem


@pytest.mark.parametrize(
    ("address", "smtputf8", "status"),
    [
        ("applicant@charity.example.org", False, None),
        ("<>", False, None),
        ("postmaster", False, None),
        ("josé@charity.example.org", True, None),
        ("josé@charity.example.org", False, "5.6.7"),
        ("\udcff@evil.example", True, "5.1.7"),
        ("\udcff@evil.example", False, "5.1.7"),
        ("a\x00b@evil.example", True, "5.1.7"),
        ("a\x1b[31m@evil.example", True, "5.1.7"),
        ("a\x85b@evil.example", True, "5.1.7"),
        ("x" * 64 + "@example.org", False, None),
        ("x" * 65 + "@example.org", False, "5.1.7"),
        ("é" * 33 + "@example.org", True, "5.1.7"),  # 66 octets in UTF-8
        ("a@" + "d" * 252, False, None),  # a path of 256 octets, brackets included
        ("a@" + "d" * 253, False, "5.1.7"),
        ("a@" + "d" * 256, False, "5.1.7"),
        ("x" * 64 + "@" + "d" * 190, False, "5.1.7"),  # a path over 256 octets
    ],
)
def test_a_sender_address(address: str, smtputf8: bool, status: str | None) -> None:
    problem = address_problem(address, verb="MAIL", smtputf8=smtputf8)
    assert (problem.status if problem else None) == status
    assert problem is None or problem.code == 553


def test_a_recipient_is_refused_with_the_recipients_status() -> None:
    problem = address_problem("a\x00@bids.example.org", verb="RCPT", smtputf8=False)
    assert problem is not None and problem.status == "5.1.3"
