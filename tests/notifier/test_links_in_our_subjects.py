"""An enquirer's subject goes out in our name: without its links (SPEC, Acknowledgements)."""

from __future__ import annotations

import pytest

from notifier.enquiry import enquiry_subject
from notifier.text import without_links


@pytest.mark.parametrize(
    ("theirs", "ours"),
    [
        (
            "Your account is locked - verify at https://bank.example/login",
            "Re: Your account is locked - verify at",
        ),
        ("Urgent: www.bank-login.com/verify", "Re: Urgent:"),
        ("Re: see login.evil.example.net now", "Re: see now"),
        ("Prize at evil.com", "Re: Prize at"),
        ("https://evil.example/x", "Your enquiry about our grants"),
    ],
)
def test_an_enquiry_answer_does_not_repeat_a_link_from_their_subject(
    theirs: str, ours: str
) -> None:
    assert enquiry_subject(theirs) == ours


def test_file_names_and_versions_are_not_links() -> None:
    said = "Can our Scout group apply? Our form.docx, budget v1.2 and rules 3.4.1"
    assert without_links(said) == said
