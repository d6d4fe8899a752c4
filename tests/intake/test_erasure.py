"""``intake erase``: an applicant's data leaves the database file, the spool and the outbox.

A real ``intake serve`` takes a form from one applicant and a mail from
another; after ``intake erase --applicant``, no byte of the first's address or
name is left in any file of the data folder, the other's bid is untouched, and
the erasure is recorded without them.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fixtures.make_fixtures import build_mail
from intake.store.engine import make_engine
from intake.store.erasure import erasure_records
from tests.harness import RunningService, fixture_form
from tests.intake.slack.conftest import slack_env, workspace
from tests.slack_api_server import SlackApiServer

ROUND_ONE = "2027-04-15T10:00:00+01:00"
SARAH = "sarah@example.org"
TRACES = (b"sarah@example.org", b"sarah okafor", b"sarah.okafor@")
"""Her envelope address, and her name and address as her form gives them."""


def _mail(sender: str, subject: str, message_id: str, form: bytes | None) -> bytes:
    return build_mail(
        sender=sender,
        to="safer-in-kent@bids.example.org",
        subject=subject,
        body="Please find our application attached.",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=message_id,
        attachments=[("form.docx", form, "application/octet-stream")] if form else [],
    )


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


@pytest.fixture(scope="module")
def stopped(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    """A service that took Sarah's form and Bob's, carded them in Slack, and stopped."""
    folder = tmp_path_factory.mktemp("erasure")
    running = RunningService(folder, **slack_env(slack, folder, INTAKE_NOW=ROUND_ONE))
    try:
        running.start()
        form = fixture_form("complete-medway-youth-trust.docx")
        running.send(
            _mail(f"Sarah Okafor <{SARAH}>", "Our application", "<s1@example.org>", form),
            sender=SARAH,
        )
        # Bob's own application (a mail with no form would be an enquiry, not a bid).
        running.send(
            _mail(
                "Bob <bob@example.org>",
                "Our application",
                "<b1@example.org>",
                fixture_form("complete-other-type.docx"),
            ),
            sender="bob@example.org",
        )
        running.wait_for(
            lambda: len(running.bids()) == 2
            and len(running.outbox()) == 2
            and len(_cards(slack)) == 2,
            what="two bids, their acknowledgements and their cards",
        )
        running.stop()
        yield running
    finally:
        running.close()


def _cards(slack: SlackApiServer) -> list[dict[str, Any]]:
    channel = slack.channel("C0COMMISS1")
    assert channel is not None
    return channel.top_level


def _traces(folder: Path) -> dict[str, list[bytes]]:
    found: dict[str, list[bytes]] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            hits = [trace for trace in TRACES if trace in data]
            if hits:
                found[str(path.relative_to(folder))] = hits
    return found


def _intake(service: RunningService, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "intake", *args],
        env=service.env,
        cwd=service.folder,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_erasing_an_applicant_leaves_no_trace_of_them_in_any_file_or_card(
    stopped: RunningService, slack: SlackApiServer
) -> None:
    before = _traces(stopped.data_dir)
    assert any(name.startswith("spool") for name in before), before  # she was there
    assert any(name.startswith("outbox") for name in before), before
    assert "intake.sqlite3" in before or "intake.sqlite3-wal" in before, before

    done = _intake(stopped, "erase", "--applicant", "Sarah@Example.org")
    assert "Erased 1 bids (KENT-2027-0001)" in done.stdout
    assert "1 Slack cards now say only that the bid was erased" in done.stdout

    assert _traces(stopped.data_dir) == {}
    # Bob's bid and acknowledgement are his, untouched.
    assert [bid["applicant"] for bid in stopped.bids()] == ["bob@example.org"]
    assert [m["To"] for m in stopped.outbox()] == ["bob@example.org"]
    # Her card says only that the bid was erased; Bob's is his as it was.
    hers, his = _cards(slack)
    assert hers["text"] == "KENT-2027-0001: erased at the applicant's request."
    assert not any(t.decode() in json.dumps(hers).lower() for t in (*TRACES, b"medway"))
    assert "KENT-2027-0002" in json.dumps(his)

    async def records() -> list[dict[str, object]]:
        engine = make_engine(stopped.settings.resolved_database_url)
        try:
            return await erasure_records(engine)
        finally:
            await engine.dispose()

    (record,) = asyncio.run(records())
    assert record["refs"] == ["KENT-2027-0001"] and record["scope"] == "applicant"
    assert "sarah" not in repr(record).lower()


def test_erasing_again_or_a_stranger_says_there_is_nothing(stopped: RunningService) -> None:
    done = _intake(stopped, "erase", "--applicant", "nobody@example.org")
    assert done.stdout.startswith("Nothing to erase")
    refused = subprocess.run(
        [sys.executable, "-m", "intake", "erase", "--applicant", "not-an-address"],
        env=stopped.env,
        cwd=stopped.folder,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "not a mail address" in refused.stderr
