"""The whole path over real SMTP: a mailed form becomes a bid, a card and an acknowledgement."""

from __future__ import annotations

import json
import os
import smtplib
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from tests.harness import FIXTURES, ROOT, RunningService, fixture_form, fixture_mail

ROUND_ONE = "2027-04-15T10:00:00+01:00"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    running = RunningService(tmp_path_factory.mktemp("service"), INTAKE_NOW=ROUND_ONE)
    running.start()
    yield running
    running.close()


def _bid_for(service: RunningService, reply: str) -> dict:
    """The bid made from the message the server queued with ``reply``."""
    queued = reply.rsplit(" ", 1)[-1]

    def made() -> dict | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT b.ref FROM messages m JOIN bids b ON b.id = m.bid_id WHERE m.id = ?",
                (queued,),
            ).fetchone()
        return service.bid(row[0]) if row else None

    return service.wait_for(made, what=f"a bid for message {queued}")


def _ack_for(service: RunningService, ref: str) -> EmailMessage:
    def sent() -> EmailMessage | None:
        return next((m for m in service.outbox() if f"[Ref {ref}]" in m["Subject"]), None)

    return service.wait_for(sent, what=f"an acknowledgement for {ref}")


def _mail_with(form: bytes, *, message_id: str, name: str = "form.docx") -> bytes:
    return build_mail(
        sender="Ann Applicant <ann@example.org>",
        to="safer-in-kent@bids.example.org",
        subject="Our application",
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=message_id,
        attachments=[(name, form, "application/octet-stream")],
    )


def test_a_complete_form_becomes_a_complete_bid_with_card_and_acknowledgement(
    service: RunningService,
) -> None:
    reply = service.send(fixture_mail("application-complete.eml"), sender="sarah@example.org")
    assert reply.startswith("2.0.0 OK queued as ")

    bid = _bid_for(service, reply)
    expected = json.loads(
        (FIXTURES / "forms" / "complete-medway-youth-trust.expected.json").read_text()
    )
    assert bid["status"] == "complete"
    assert bid["fund"] == "safer-in-kent"
    assert bid["round"] == "2027-r1"
    assert bid["fields"] == expected["fields"]
    assert bid["problems"] == []
    assert bid["format"] == "docx"
    assert bid["ref"].startswith("KENT-2027-")

    ack = _ack_for(service, bid["ref"])
    assert ack["Subject"] == f"Re: Funding application - Medway Youth Trust [Ref {bid['ref']}]"
    assert ack["Auto-Submitted"] == "auto-replied"
    original = fixture_mail("application-complete.eml").decode()
    their_id = next(
        line.split(":", 1)[1].strip()
        for line in original.splitlines()
        if line.lower().startswith("message-id:")
    )
    assert ack["In-Reply-To"] == their_id
    body = ack.get_body(("plain",)).get_content()
    assert bid["ref"] in body
    assert "Funding Application Form - Medway Youth Trust.docx" in body

    service.wait_for(lambda: bid["ref"] in service.output, what="the card on the console")
    assert "Medway Youth Trust" in service.output


def test_an_incomplete_form_is_stored_with_every_problem_and_the_applicant_told(
    service: RunningService,
) -> None:
    reply = service.send(fixture_mail("application-incomplete.eml"))
    bid = _bid_for(service, reply)
    assert bid["status"] == "incomplete"
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [
        ("registration_number", "missing"),
        ("contact_telephone", "missing"),
        ("criteria", "missing"),
        ("project_outline", "missing"),
    ]
    body = _ack_for(service, bid["ref"]).get_body(("plain",)).get_content()
    assert "registration number" in body
    assert "Telephone" in body
    assert "30 May 2027" in body  # the round's closing date, for a resubmission


def test_an_ineligible_bid_over_the_cap(service: RunningService) -> None:
    case = next(c for c in FORM_CASES if c.name == "ineligible-over-cap")
    raw = _mail_with(build_form(case.answers), message_id="<cap-test@example.org>")
    bid = _bid_for(service, service.send(raw))
    assert bid["status"] == "ineligible"
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [
        ("amount_requested", "over_limit")
    ]
    assert "£10,000.00" in bid["problems"][0]["message"]


def test_a_question_without_a_form_is_an_enquiry_not_a_bid(service: RunningService) -> None:
    """A mail with no form and no reference is seen by officers and answered with how to
    apply; it makes no bid (issue #20: it used to be a bid "Organisation not given")."""
    bids_before = len(service.bids())
    scout = "tom.wright@faversham-scouts.example.org"
    queued = service.send(fixture_mail("no-form.eml"), sender=scout).rsplit(" ", 1)[-1]

    def state() -> str | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT state FROM messages WHERE id = ?", (queued,)
            ).fetchone()
        return row[0] if row and row[0] != "queued" else None

    assert service.wait_for(state, what="the enquiry to be handled") == "enquiry"
    service.wait_for(lambda: "Can a group like ours apply" in service.output, what="its card")
    assert f"Enquiry (not a bid) from {scout}" in service.output

    def answer() -> EmailMessage | None:
        return next((m for m in service.outbox() if "faversham-scouts" in str(m["To"])), None)

    body = " ".join(service.wait_for(answer, what="the answer").get_content().split())
    assert "Attach the application form" in body
    assert "Safer in Kent Fund: safer-in-kent@bids.example.org" in body
    assert len(service.bids()) == bids_before


def test_an_automatic_reply_makes_no_bid_and_gets_no_answer(service: RunningService) -> None:
    before = len(service.outbox())
    bids_before = len(service.bids())
    reply = service.send(fixture_mail("auto-reply.eml"))
    message_id = reply.rsplit(" ", 1)[-1]

    def state() -> str | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT state FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
        return row[0] if row and row[0] != "queued" else None

    assert service.wait_for(state, what="the auto-reply to be handled") == "automatic"
    assert len(service.bids()) == bids_before
    assert len(service.outbox()) == before


def test_mail_to_an_unknown_address_is_refused_at_rcpt(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("test.example.org")
        client.mail("someone@example.org")
        code, reply = client.rcpt("grants@bids.example.org")
        assert code == 550 and reply.startswith(b"5.1.1")
        code, reply = client.rcpt("friend@elsewhere.example.com")
        assert code == 550 and reply.startswith(b"5.7.1")
        client.rset()
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(
                "someone@example.org", ["nobody@bids.example.org"], b"Subject: x\r\n\r\nx"
            )


def test_the_same_mail_delivered_twice_makes_one_bid(service: RunningService) -> None:
    raw = _mail_with(fixture_form("complete-other-type.docx"), message_id="<twice@example.org>")
    first = service.send(raw).rsplit(" ", 1)[-1]
    second = service.send(raw).rsplit(" ", 1)[-1]
    assert first == second
    bid = _bid_for(service, f"x {first}")
    assert sum(1 for b in service.bids() if b["ref"] == bid["ref"]) == 1


def test_health_reports_the_service_ready(service: RunningService) -> None:
    report = service.health()
    assert report["status"] == "ok"
    assert report["database"] == "ok"
    assert report["clock_shifted"] is True
    assert report["now"].startswith("2027-04-15")


def test_bids_and_show_print_stored_bids_as_json(service: RunningService) -> None:
    bid = _bid_for(service, service.send(fixture_mail("application-complete.eml")))
    env = {**os.environ, "INTAKE_DATA_DIR": str(service.data_dir), "PYTHONPATH": str(ROOT)}
    listed = subprocess.run(
        [sys.executable, "-m", "intake", "bids", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    row = next(r for r in rows if r["ref"] == bid["ref"])
    assert {"ref", "version", "fund", "status", "received_at", "fields", "problems"} <= set(row)
    assert row["version"] == 1 and row["status"] == "complete"
    shown = subprocess.run(
        [sys.executable, "-m", "intake", "show", bid["ref"], "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    one = json.loads(shown.stdout)
    assert one["fields"] == row["fields"]
    assert [e["kind"] for e in one["history"]][:1] == ["received"]
    unknown = subprocess.run(
        [sys.executable, "-m", "intake", "show", "KENT-2027-9999"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert unknown.returncode == 1
    assert "no bid with reference KENT-2027-9999" in unknown.stderr


def test_metrics_show_how_fast_mail_was_accepted(service: RunningService) -> None:
    service.send(fixture_mail("application-incomplete.eml"))
    url = f"http://127.0.0.1:{service.http_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    count = next(
        int(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("intake_smtp_accept_seconds_count")
    )
    assert count >= 1
    assert 'intake_smtp_accept_seconds_bucket{le="+Inf"} ' + str(count) in text
    assert "intake_smtp_loop_lag_max_seconds " in text
    assert "intake_smtp_loop_stalls_total " in text
    assert "intake_messages_accepted_total " in text
