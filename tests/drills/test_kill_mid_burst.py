"""Drill: kill -9 the service in the middle of a burst, start it again.

Every mail that got a 250 becomes exactly one bid, one card and one
acknowledgement; mails cut off before their 250 are sent again, as a sending
server would, and count once too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tests.drills.kit import Sent, applications, drill, run, send_all

MAILS = 80


def test_kill_9_mid_burst_then_restart(tmp_path: Path) -> None:
    items = [Sent(app) for app in applications(MAILS, tag="kill", padded=0.0)]
    with drill(tmp_path) as scene:
        service = scene.service
        sending = threading.Thread(
            target=lambda: run(send_all(service.smtp_port, items, senders=8))
        )
        sending.start()
        while sum(1 for item in items if item.queued) < MAILS // 2:
            time.sleep(0.001)
        service.kill()
        sending.join(60)
        accepted = [item for item in items if item.queued]
        assert MAILS // 2 <= len(accepted) < MAILS

        service.start()
        retried = [Sent(item.application) for item in items if not item.queued]
        run(send_all(service.smtp_port, retried, senders=4))
        assert all(item.queued for item in retried)

        every = accepted + retried

        def done() -> bool:
            acks = scene.acknowledgements()
            acknowledged = all(item.application.message_id in acks for item in every)
            return acknowledged and len(scene.cards()) == MAILS

        service.wait_for(done, timeout=120, what="a card and an acknowledgement for every mail")
        cards = scene.cards()
        acks = scene.acknowledgements()

    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        rows = connection.execute(
            "SELECT m.id, b.ref FROM messages m JOIN bids b ON b.id = m.bid_id"
        ).fetchall()
    refs = dict(rows)
    assert len(rows) == MAILS
    assert set(refs) == {item.queued for item in every}
    assert len(set(refs.values())) == MAILS
    assert sorted(cards) == sorted(refs.values())
    assert all(len(times) == 1 for times in cards.values()), "a card was posted twice"
    assert all(len(acks[item.application.message_id]) == 1 for item in every)
