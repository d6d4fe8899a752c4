"""Issue #19: only the applicant changes a bid; nobody can use us to mail strangers.

A stranger who names a bid (its ``[Ref …]`` tag, or our Message-ID in
``In-Reply-To``) with another form does not become its next version: the mail
is kept aside as a claim, shown on the card's thread with the officer's two
answers, the applicant of record is told, and the stranger gets a neutral
answer that says nothing of the bid. Acknowledgements go to the envelope
sender (RFC 3834 §4), never to a Reply-To.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from notifier.cards import ACTION_CLAIM_ACCEPT, ACTION_CLAIM_REJECT
from tests.harness import RunningService
from tests.intake.slack.driver import SlackDriver
from tests.intake.slack.test_triage_in_slack import bid_for, thread_texts, wait_card
from tests.slack_api_server import SlackApiServer

INBOX = "safer-in-kent@bids.example.org"


def _form_mail(sender: str, subject: str, organisation: str, **headers: str) -> bytes:
    base = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")
    form = build_form({**base.answers, "organisation_name": organisation})
    return build_mail(
        sender=sender,
        to=INBOX,
        subject=subject,
        body="Please find the form attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=f"<{uuid.uuid4().hex}@{sender.rsplit('@', 1)[-1].rstrip('>')}>",
        attachments=[("form.docx", form, "application/octet-stream")],
        headers=headers or None,
    )


def _state(service: RunningService, reply: str) -> tuple[str, int | None]:
    queued = reply.rsplit(" ", 1)[-1]

    def handled() -> tuple[str, int | None] | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT m.state, b.version FROM messages m LEFT JOIN bids b ON b.id = m.bid_id "
                "WHERE m.id = ?",
                (queued,),
            ).fetchone()
        return (row[0], row[1]) if row and row[0] != "queued" else None

    return service.wait_for(handled, what=f"message {queued} handled")


def _mails_to(service: RunningService, address: str) -> list[EmailMessage]:
    return [m for m in service.outbox() if address in str(m["To"])]


def test_a_stranger_naming_a_bid_makes_a_claim_that_an_officer_answers(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver
) -> None:
    ann = f"ann.{uuid.uuid4().hex[:6]}@medwayyouthtrust.example.org"
    mallory = f"mallory.{uuid.uuid4().hex[:6]}@evil.example"
    first = service.send(
        _form_mail(ann, "Our application", "Medway Youth Trust", **{"Reply-To": mallory}),
        sender=ann,
    )
    ref = bid_for(service, first)
    card = wait_card(service, slack, "C0COMMISS1", ref)
    service.wait_for(lambda: _mails_to(service, ann), what="Ann's acknowledgement")
    assert _mails_to(service, mallory) == [], "a Reply-To is never mailed automatically"
    ack = _mails_to(service, ann)[0]
    assert ref not in ack["Message-ID"], "our Message-IDs name no bid"

    # A stranger names the bid by its tag, another by replying to our acknowledgement.
    by_tag = service.send(
        _form_mail(mallory, f"Updated form [Ref {ref}]", "Mallory Holdings"), sender=mallory
    )
    by_thread = service.send(
        _form_mail(
            mallory,
            "Re: your acknowledgement",
            "Mallory Holdings Two",
            **{"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]},
        ),
        sender=mallory,
    )
    assert _state(service, by_tag) == ("claim", 1)
    assert _state(service, by_thread) == ("claim", 1)
    assert service.bid(ref)["fields"]["organisation_name"] == "Medway Youth Trust"

    # Ann is told; Mallory gets one neutral answer each, which says nothing of the bid.
    service.wait_for(lambda: len(_mails_to(service, mallory)) == 2, what="the neutral answers")
    service.wait_for(lambda: len(_mails_to(service, ann)) == 3, what="Ann told of both")
    for answer in _mails_to(service, mallory):
        body = answer.get_content()
        assert "Medway" not in body and "Medway" not in str(answer["Subject"])
        assert "Updated form" not in str(answer["Subject"]), "none of their words in ours"
    notices = [m for m in _mails_to(service, ann) if "Another sender" in str(m["Subject"])]
    assert len(notices) == 2 and mallory in notices[0].get_content()

    # The card's thread shows each claim with the officer's two answers.
    def claim_lines() -> list[dict]:
        return [
            m
            for m in slack.channels["C0COMMISS1"].thread(card["ts"])
            if any(b.get("type") == "actions" for b in m.get("blocks") or [])
        ]

    lines = service.wait_for(lambda: len(claim_lines()) == 2 and claim_lines(), what="claims")
    values = [line["blocks"][1]["elements"][0]["value"] for line in lines]
    assert all(v.startswith(f"{ref} ") for v in values)

    # Rejected: nothing changes, and a second click is told it was decided.
    rejected = driver.click(ACTION_CLAIM_REJECT, values[0])
    assert rejected.status == 200
    assert "rejected" in driver.responses_to(driver.last_response_url)["text"]
    driver.click(ACTION_CLAIM_ACCEPT, values[0])
    assert "already rejected" in driver.responses_to(driver.last_response_url)["text"]
    # Accepted: the mail is read again and becomes the next version.
    driver.click(ACTION_CLAIM_ACCEPT, values[1])
    service.wait_for(lambda: service.bid(ref)["version"] == 2, what="the accepted version")
    assert service.bid(ref)["fields"]["organisation_name"] in {
        "Mallory Holdings",
        "Mallory Holdings Two",
    }
    service.wait_for(
        lambda: all(
            words in " ".join(thread_texts(slack, "C0COMMISS1", card["ts"]))
            for words in ("rejected the mail of", "accepted the mail of")
        ),
        what="both answers in the card's thread",
    )

    # The applicant's own resubmission is applied at once, plus-addressed or not.
    own = service.send(
        _form_mail(ann.replace("@", "+bids@"), f"Corrected [Ref {ref}]", "Medway Youth Trust"),
        sender=ann.replace("@", "+bids@"),
    )
    assert _state(service, own) == ("processed", 3)
