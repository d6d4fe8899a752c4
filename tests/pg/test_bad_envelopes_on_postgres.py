"""On PostgreSQL, where the receiver commits each message's row itself (group commit):
addresses that cannot be recorded are refused at their command, so none of them can
fail a commit that honest mail shares, and every honest mail sent alongside becomes a bid."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import asyncpg

from tests.drills.test_bad_envelopes import BAD_RECIPIENTS, BAD_SENDERS, Client, _honest
from tests.harness import RunningService


def _query(url: str, sql: str) -> list[Any]:
    async def run() -> list[Any]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            return list(await connection.fetch(sql))
        finally:
            await connection.close()

    return asyncio.run(run())


def test_bad_envelopes_beside_honest_mail_on_postgres(tmp_path: Path, postgres_url: str) -> None:
    service = RunningService(
        tmp_path, INTAKE_DATABASE_URL=postgres_url, INTAKE_NOW="2027-05-30T14:00:00+01:00"
    )
    service.start()
    try:
        codes: list[int] = []

        def attack() -> None:  # at the same moment as the honest mail: same group commits
            for command in BAD_SENDERS.values():
                client = Client(service.smtp_port)
                client.say(b"EHLO attacker.example.net")
                codes.append(client.say(command))
                client.close()
            for command in BAD_RECIPIENTS.values():
                client = Client(service.smtp_port)
                client.say(b"EHLO attacker.example.net")
                client.say(b"MAIL FROM:<someone@example.net>")
                codes.append(client.say(command))
                client.close()

        attacker = threading.Thread(target=attack)
        attacker.start()
        replies = [service.send(_honest(number)) for number in range(4)]
        attacker.join(30)
        assert codes == [553] * (len(BAD_SENDERS) + len(BAD_RECIPIENTS))
        assert all(reply.startswith("2.0.0") for reply in replies)
        service.wait_for(
            lambda: _query(postgres_url, "SELECT count(*) AS n FROM bids")[0]["n"] == 4,
            what="four bids",
        )
        senders = {
            row["mail_from"] for row in _query(postgres_url, "SELECT mail_from FROM messages")
        }
        assert senders == {"applicant@example.org"}
    finally:
        service.close()
