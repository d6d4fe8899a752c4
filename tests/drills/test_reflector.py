"""Drill: nobody can use us to mail strangers (issue 19's reflector attack).

200 mails, each from its own envelope sender at the attacker's domain, each
with a ``Reply-To`` naming a different third party: no mail goes to any of the
200 third parties (RFC 3834 §4: automatic replies go to the envelope sender),
and the attacker's domain gets no more than its hourly cap, the office's
channel (here the console) being told once.
"""

from __future__ import annotations

import smtplib
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail
from tests.harness import RunningService

MAILS = 200
DOMAIN_CAP = 100  # the default acks_per_domain_per_hour
IN_FLIGHT = 3
"""Mails already past the check when the cap is reached: the other effect workers' (4)."""


def _mail(n: int) -> bytes:
    return build_mail(
        sender=f"x{n}@attacker.example",
        to="safer-in-kent@bids.example.org",
        subject="Your account is locked - verify at https://evil.example/login",
        body="Hello, how do we apply?",
        date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
        message_id=f"<reflect-{n}@attacker.example>",
        headers={"Reply-To": f"victim{n}@victims.example"},
    )


def _settled(service: RunningService) -> bool:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        (left,) = connection.execute(
            "SELECT count(*) FROM messages WHERE state = 'queued'"
        ).fetchone()
        (total,) = connection.execute("SELECT count(*) FROM messages").fetchone()
        (jobs,) = connection.execute(
            "SELECT count(*) FROM jobs WHERE state IN ('pending', 'running')"
        ).fetchone()
    return total == MAILS and left == 0 and jobs == 0


def test_200_reply_to_addresses_get_no_mail_and_the_attackers_domain_is_capped(
    tmp_path: Path,
) -> None:
    service = RunningService(tmp_path, INTAKE_NOW="2027-04-15T10:00:00+01:00")
    try:
        service.start()
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", service.smtp_port, timeout=30) as client:
            client.ehlo("mx.attacker.example")
            for n in range(MAILS):
                client.sendmail(
                    f"x{n}@attacker.example", ["safer-in-kent@bids.example.org"], _mail(n)
                )
        service.wait_for(lambda: _settled(service), timeout=240, what="every mail settled")
        print(f"\n{MAILS} mails settled in {time.monotonic() - started:.1f} s")
        sent = service.outbox()
        to = [str(m["To"]) for m in sent]
        assert not any("victims.example" in t for t in to), "a Reply-To was mailed"
        assert all(t.endswith("@attacker.example") for t in to)
        assert DOMAIN_CAP <= len(sent) <= DOMAIN_CAP + IN_FLIGHT, len(sent)
        for mail in sent:  # the third party is named nowhere in what we send
            assert "victims.example" not in mail.as_string()
        assert service.output.count("── Cap reached ──") == 1  # told once this hour
    finally:
        service.close()
