"""Replies that carry a bid's reference: new versions, correspondence, and no loops."""

from __future__ import annotations

import email
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form, fixture_mail

INBOX = "safer-in-kent@bids.example.org"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    running = RunningService(
        tmp_path_factory.mktemp("resubmission"), INTAKE_NOW="2027-04-15T10:00:00+01:00"
    )
    running.start()
    yield running
    running.close()


def _mail(
    subject: str,
    *,
    message_id: str,
    form: bytes | None = None,
    sender: str = "Sam Applicant <sam@example.org>",
    body: str = "Please see attached.",
    headers: dict[str, str] | None = None,
) -> bytes:
    return build_mail(
        sender=sender,
        to=INBOX,
        subject=subject,
        body=body,
        date=datetime(2027, 4, 15, 9, 0, tzinfo=UTC),
        message_id=message_id,
        attachments=[("form.docx", form, "application/octet-stream")] if form else [],
        headers=headers,
    )


def _outcome(service: RunningService, queued: str) -> tuple[str, str | None, int | None]:
    def done() -> tuple[str, str | None, int | None] | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT m.state, b.ref, b.version FROM messages m "
                "LEFT JOIN bids b ON b.id = m.bid_id WHERE m.id = ?",
                (queued,),
            ).fetchone()
        return (row[0], row[1], row[2]) if row and row[0] != "queued" else None

    return service.wait_for(done, what=f"message {queued} handled")


def _acks(service: RunningService, ref: str) -> list[EmailMessage]:
    return [m for m in service.outbox() if f"[Ref {ref}]" in m["Subject"]]


def _send(service: RunningService, raw: bytes) -> str:
    """Deliver ``raw`` with its From as the envelope sender, as a mail client's server does."""
    sender = parseaddr(email.message_from_bytes(raw)["From"])[1]
    return service.send(raw, sender=sender).rsplit(" ", 1)[-1]


@pytest.fixture(scope="module")
def first(service: RunningService) -> str:
    """An incomplete first version, acknowledged."""
    queued = _send(
        service,
        _mail(
            "Bid from Swale",
            message_id="<v1@example.org>",
            form=fixture_form("incomplete-missing.docx"),
        ),
    )
    state, ref, version = _outcome(service, queued)
    assert (state, version) == ("processed", 1)
    assert ref is not None
    service.wait_for(lambda: _acks(service, ref), what="the first acknowledgement")
    return ref


def test_a_reply_with_the_reference_and_a_new_form_is_version_two(
    service: RunningService, first: str
) -> None:
    queued = _send(
        service,
        _mail(
            f"Re: Bid from Swale [Ref {first}]",
            message_id="<v2@example.org>",
            form=fixture_form("complete-medway-youth-trust.docx"),
        ),
    )
    assert _outcome(service, queued) == ("processed", first, 2)
    bid = service.bid(first)
    assert bid["version"] == 2
    assert bid["status"] == "complete"
    assert [e["kind"] for e in bid["history"]][:1] == ["received"]
    assert "resubmitted" in [e["kind"] for e in bid["history"]]
    acks = service.wait_for(lambda: len(_acks(service, first)) >= 2 and _acks(service, first))
    second = next(m for m in acks if m["In-Reply-To"] == "<v2@example.org>")
    assert second["Subject"] == f"Re: Bid from Swale [Ref {first}]"


def test_a_reply_to_our_acknowledgement_is_matched_without_the_tag(
    service: RunningService, first: str
) -> None:
    ours = _acks(service, first)[0]["Message-ID"]
    queued = _send(
        service,
        _mail(
            "Updated form",
            message_id="<v3@example.org>",
            form=fixture_form("complete-medway-youth-trust.docx"),
            headers={"In-Reply-To": ours, "References": ours},
        ),
    )
    state, ref, version = _outcome(service, queued)
    assert (state, ref) == ("processed", first)
    assert version is not None and version >= 2


def test_a_reply_without_a_form_is_kept_as_correspondence(
    service: RunningService, first: str
) -> None:
    version_before = service.bid(first)["version"]
    # Every version so far is acknowledged once before we look for silence.
    service.wait_for(lambda: len(_acks(service, first)) == version_before)
    acks_before = version_before
    queued = _send(
        service,
        _mail(
            f"Re: [Ref {first}] question",
            message_id="<q@example.org>",
            body=(
                "Can we change the start date?\n\nSam\n\n"
                "On Thu, 15 Apr 2027 at 10:00, Kent OPCC <grants@kent.example> wrote:\n"
                "> Thank you for your application.\n> Quoted history of the thread.\n"
            ),
        ),
    )
    assert _outcome(service, queued) == ("correspondence", first, version_before)
    history = service.bid(first)["history"]
    (said,) = [e for e in history if e["kind"] == "correspondence" and "question" in e["text"]]
    # Issue #20: what the applicant wrote reaches the officers, without the quoted thread.
    assert "Can we change the start date?" in said["text"]
    assert "Quoted history" not in said["text"]
    assert len(_acks(service, first)) == acks_before


def test_automatic_mail_naming_a_bid_is_kept_and_never_answered(
    service: RunningService, first: str
) -> None:
    acks_before = len(_acks(service, first))
    queued = _send(
        service,
        _mail(
            f"Out of office: Re: Bid [Ref {first}]",
            message_id="<ooo@example.org>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    assert _outcome(service, queued)[0] == "correspondence"
    assert len(_acks(service, first)) == acks_before


def test_a_reference_we_never_issued_makes_a_new_bid(service: RunningService) -> None:
    queued = _send(
        service,
        _mail(
            "Re: [Ref KENT-2027-9999] bid",
            message_id="<stranger@example.org>",
            form=fixture_form("complete-other-type.docx"),
        ),
    )
    state, ref, version = _outcome(service, queued)
    assert (state, version) == ("processed", 1)
    assert ref != "KENT-2027-9999"


def test_one_sender_gets_at_most_five_automatic_replies_a_day(service: RunningService) -> None:
    sender = "Busy Person <busy@example.org>"
    refs = []
    for n in range(6):
        queued = _send(
            service,
            _mail(
                f"Application {n}",
                message_id=f"<busy-{n}@example.org>",
                sender=sender,
                form=fixture_form("complete-other-type.docx"),
            ),
        )
        refs.append(_outcome(service, queued)[1])

    def acknowledged() -> list[EmailMessage]:
        return [m for m in service.outbox() if "busy@example.org" in m["To"]]

    service.wait_for(lambda: len(acknowledged()) >= 5, what="five acknowledgements")
    last = refs[-1]
    assert last is not None
    service.wait_for(
        lambda: any(
            "5 automatic mails a day to the mailbox" in e["text"]
            for e in service.bid(last)["history"]
        ),
        what="the sixth noted as not answered",
    )
    assert len(acknowledged()) == 5


def test_an_out_of_office_without_a_reference_is_not_answered(service: RunningService) -> None:
    before = len(service.outbox())
    queued = _send(service, fixture_mail("auto-reply.eml"))
    assert _outcome(service, queued)[0] == "automatic"
    assert len(service.outbox()) == before
