"""Retention: what an office no longer needs is erased by the service's daily job.

A real ``intake serve`` takes a complete form, an unreadable one and an enquiry.
Half a year later ``intake retention --dry-run`` names what would go and erases
nothing; the service, started then, runs the day's retention job itself: the
unreadable bid and the enquiry (with the answer we sent) leave the database,
the spool and the outbox, the bid's card says why, and an audit row without
any address is left. The complete bid is untouched.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from fixtures.make_fixtures import build_mail
from intake.store.engine import make_engine
from intake.store.erasure import erasure_records
from tests.harness import RunningService, fixture_form
from tests.intake.slack.conftest import slack_env, workspace
from tests.slack_api_server import SlackApiServer

ROUND_ONE = "2027-04-15T10:00:00+01:00"
HALF_A_YEAR_ON = "2027-10-20T10:00:00+01:00"


def _mail(sender: str, message_id: str, attachment: tuple[str, bytes] | None) -> bytes:
    return build_mail(
        sender=sender,
        to="safer-in-kent@bids.example.org",
        subject="Our application",
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=message_id,
        attachments=[(*attachment, "application/octet-stream")] if attachment else [],
    )


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("retention")
    running = RunningService(folder, **slack_env(slack, folder, INTAKE_NOW=ROUND_ONE))
    try:
        running.start()
        form = fixture_form("complete-medway-youth-trust.docx")
        running.send(
            _mail("ann@example.org", "<a1@example.org>", ("form.docx", form)),
            sender="ann@example.org",
        )
        broken = ("form.docx", b"PK\x03\x04 not a document at all")
        running.send(_mail("ben@example.org", "<b1@example.org>", broken), sender="ben@example.org")
        running.send(_mail("cat@example.org", "<c1@example.org>", None), sender="cat@example.org")
        running.wait_for(
            lambda: len(running.bids()) == 2 and len(running.outbox()) == 3,
            what="two bids and three answers",
        )
        running.wait_for(lambda: len(_top(slack)) == 3, what="two cards and the enquiry's")
        running.stop()
        yield running
    finally:
        running.close()


def _top(slack: SlackApiServer) -> list[dict[str, Any]]:
    channel = slack.channel("C0COMMISS1")
    assert channel is not None
    return channel.top_level


def _messages(service: RunningService) -> list[tuple[str, str]]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        return list(connection.execute("SELECT mail_from, state FROM messages ORDER BY mail_from"))


def _intake(service: RunningService, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "intake", *args],
        env={**service.env, "INTAKE_NOW": HALF_A_YEAR_ON},
        cwd=service.folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _spooled(service: RunningService) -> bytes:
    return b"".join(p.read_bytes() for p in (service.data_dir / "spool").rglob("*") if p.is_file())


def test_a_dry_run_names_what_would_go_and_erases_nothing(service: RunningService) -> None:
    shown = _intake(service, "retention", "--dry-run")
    assert "kent: would erase 1 bids (KENT-2027-0002), 1 mails that made no bid" in shown
    assert len(service.bids()) == 2 and len(_messages(service)) == 3


def test_the_service_erases_what_ran_out_by_its_daily_job(
    service: RunningService, slack: SlackApiServer
) -> None:
    assert b"ben@example.org" in _spooled(service) and b"cat@example.org" in _spooled(service)
    service.env["INTAKE_NOW"] = HALF_A_YEAR_ON
    service.start()
    try:
        service.wait_for(lambda: len(service.bids()) == 1, what="the retention job")
        service.wait_for(
            lambda: "erased: the office's retention period ended" in json.dumps(_top(slack)),
            what="the card redacted",
        )
    finally:
        service.stop()
    assert [bid["ref"] for bid in service.bids()] == ["KENT-2027-0001"]
    assert _messages(service) == [("ann@example.org", "processed")]
    spooled = _spooled(service)
    assert b"ben@example.org" not in spooled and b"cat@example.org" not in spooled
    assert [m["To"] for m in service.outbox()] == ["ann@example.org"]
    assert "retention, office kent: erased 1 bids (KENT-2027-0002)" in service.output

    async def records() -> list[dict[str, object]]:
        engine = make_engine(service.settings.resolved_database_url)
        try:
            return await erasure_records(engine)
        finally:
            await engine.dispose()

    (record,) = asyncio.run(records())
    assert record["scope"] == "retention" and record["refs"] == ["KENT-2027-0002"]
    assert "ben@" not in repr(record) and "cat@" not in repr(record)
    # Nothing more has run out the same day.
    assert "would erase 0 bids, 0 mails" in _intake(service, "retention", "--dry-run")
