"""Two addresses are one applicant when mail systems would deliver them to one mailbox."""

from __future__ import annotations

import pytest

from intake.rules.addresses import mailbox, same_mailbox


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ann@example.org", "ann@example.org"),
        ("Ann@Example.ORG", "ann@example.org"),
        ("ann+grants@example.org", "ann@example.org"),
        ("Ann Smith <ann+2027@example.org>", "ann@example.org."),
    ],
)
def test_the_same_mailbox(one: str, other: str) -> None:
    assert same_mailbox(one, other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("ann@example.org", "ann@example.com"),
        ("ann@example.org", "anne@example.org"),
        ("", ""),
        ("not an address", "not an address"),
        ("+@example.org", "@example.org"),
    ],
)
def test_different_or_no_mailboxes(one: str, other: str) -> None:
    assert not same_mailbox(one, other)


def test_a_mailbox_is_normalised() -> None:
    assert mailbox("Sarah Okafor <Sarah.Okafor+Bids@MedwayYouthTrust.example.org>") == (
        "sarah.okafor@medwayyouthtrust.example.org"
    )
