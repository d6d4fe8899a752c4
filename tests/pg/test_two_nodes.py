"""Two intake nodes on one PostgreSQL: each mail one bid, and a dead node's work moves on."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService, fixture_form

ROUND_ONE = "2027-04-20T10:00:00+01:00"
MAILS = 16


def _mail(n: int) -> bytes:
    return build_mail(
        sender=f"Applicant {n} <applicant{n}@example.org>",
        to="safer-in-kent@bids.example.org",
        subject=f"Application {n}",
        body="Attached.",
        date=datetime(2027, 4, 20, 9, 0, n, tzinfo=UTC),
        message_id=f"<two-nodes-{n}@example.org>",
        attachments=[
            ("form.docx", fixture_form("complete-partnership.docx"), "application/octet-stream")
        ],
    )


def _query(url: str, sql: str) -> list[Any]:
    async def run() -> list[Any]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            return list(await connection.fetch(sql))
        finally:
            await connection.close()

    return asyncio.run(run())


def test_a_node_killed_mid_burst_loses_and_doubles_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    env = {
        "INTAKE_DATABASE_URL": postgres_url,
        "INTAKE_NOW": ROUND_ONE,
        "INTAKE_JOB_LEASE": "3",
    }
    first = RunningService(tmp_path / "a", **env)
    second = RunningService(tmp_path / "b", **env)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        first.start()
        second.start()
        replies = [
            (first if n % 2 == 0 else second)
            .send(_mail(n), sender=f"applicant{n}@example.org")
            .rsplit(" ", 1)[-1]
            for n in range(MAILS)
        ]
        first.kill()  # with work claimed, spooled on its disk, half done
        # The sender of mail 0 never heard the first node's 250 and tries the other MX.
        assert (
            second.send(_mail(0), sender="applicant0@example.org").rsplit(" ", 1)[-1] == replies[0]
        )
        claimed = _query(postgres_url, "SELECT count(*) AS n FROM messages WHERE state = 'queued'")
        assert claimed[0]["n"] >= 1, "the kill came too late to test anything"

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            left = _query(postgres_url, "SELECT count(*) AS n FROM jobs WHERE state != 'done'")
            if left[0]["n"] == 0:
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"work did not finish\n{second.output}")
    finally:
        first.close()
        second.close()

    messages = _query(postgres_url, "SELECT bid_id FROM messages")
    assert len(messages) == MAILS
    assert len({row["bid_id"] for row in messages}) == MAILS
    assert None not in {row["bid_id"] for row in messages}
    assert _query(postgres_url, "SELECT count(*) AS n FROM bids")[0]["n"] == MAILS
    refs = _query(postgres_url, "SELECT ref FROM bids ORDER BY ref")
    assert [r["ref"] for r in refs] == [f"KENT-2027-{n:04d}" for n in range(1, MAILS + 1)]
    assert _query(postgres_url, "SELECT count(*) AS n FROM cards")[0]["n"] == MAILS
    acks = _query(
        postgres_url, "SELECT count(*) AS n, count(DISTINCT bid_id) AS d FROM outgoing_mail"
    )
    assert (acks[0]["n"], acks[0]["d"]) == (MAILS, MAILS)


def test_migrations_build_the_same_schema_on_postgresql(postgres_url: str) -> None:
    from intake.store.engine import make_engine
    from intake.store.migrate import migrate
    from tests.intake.store.test_migrations import schema_drift

    engine = make_engine(postgres_url)

    async def run() -> None:
        await migrate(engine)
        await engine.dispose()

    asyncio.run(run())
    assert schema_drift(postgres_url) == []
