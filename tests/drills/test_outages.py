"""Drill: Slack answering 503 and 429 and the relay refusing, while bids keep arriving.

Everything waits in the store and goes out afterwards, once each, and in order
per bid: a card is posted before it is updated, a bid's first acknowledgement
before its second. (The long version of the outage is ``bench/burst.py
--outage 60``; here it lasts a few seconds.)
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail
from tests.drills.kit import Sent, applications, drill, run, send_all, sender_of
from tests.harness import fixture_form

MAILS = 8
OUTAGE = 3.0


def test_cards_and_acknowledgements_survive_a_slack_and_relay_outage(tmp_path: Path) -> None:
    with drill(tmp_path) as scene:
        service, slack, relay = scene.service, scene.slack, scene.relay
        slack.go_down()
        relay.refuse_for(3600)
        items = [Sent(app) for app in applications(MAILS, tag="outage", padded=0.0)]
        run(send_all(service.smtp_port, items, senders=4))
        assert all(item.queued for item in items)

        def refs() -> dict[str, str]:
            with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
                return dict(
                    connection.execute(
                        "SELECT m.id, b.ref FROM messages m JOIN bids b ON b.id = m.bid_id"
                    ).fetchall()
                )

        made = service.wait_for(lambda: len(refs()) == MAILS and refs(), what="the bids")
        resubmitted = sorted(made.values())[:2]
        for number, ref in enumerate(resubmitted):  # second versions, still in the outage
            # From the applicant who sent the first (anyone else's would be a claim).
            first = next(i for i in items if made[i.queued] == ref).application
            service.send(
                build_mail(
                    sender=f"Applicant <{sender_of(first)}>",
                    to="safer-in-kent@bids.example.org",
                    subject=f"Re: Application [Ref {ref}]",
                    body="Corrected form attached.",
                    date=datetime(2027, 5, 30, 15, 30, tzinfo=UTC),
                    message_id=f"<outage-v2-{number}@example.org>",
                    attachments=[
                        (
                            "form.docx",
                            fixture_form("complete-medway-youth-trust.docx"),
                            "application/octet-stream",
                        )
                    ],
                ),
                sender=sender_of(first),
            )
        # Down until every bid and second version has been tried against it ...
        service.wait_for(
            lambda: (
                any(c.status == 503 for c in slack.calls_to("chat.postMessage"))
                and relay.refused >= MAILS
            ),
            what="Slack and the relay refusing the first attempts",
        )
        time.sleep(OUTAGE)
        slack.fail_next(3, status=429, retry_after=1)  # ... then rate limits as it returns
        slack.come_back()
        relay.refuse_for(0)

        def delivered() -> bool:
            cards = scene.cards()
            acks = scene.acknowledgements()
            updates = [c for c in slack.calls_to("chat.update") if c.response.get("ok")]
            return (
                len(cards) == MAILS
                and all(item.application.message_id in acks for item in items)
                and all(f"<outage-v2-{n}@example.org>" in acks for n in range(2))
                and len(updates) >= 2
            )

        service.wait_for(delivered, timeout=90, what="everything delivered after the outage")
        cards = scene.cards()
        acks = scene.acknowledgements()
        updates = [c for c in slack.calls_to("chat.update") if c.response.get("ok")]

    assert any(call.status == 429 for call in slack.calls)
    assert all(len(times) == 1 for times in cards.values()), "a card was posted twice"
    assert all(len(found) == 1 for found in acks.values()), "an acknowledgement went twice"
    for number, ref in enumerate(resubmitted):
        posted = cards[ref][0]
        updated = [c.at for c in updates if ref in str(c.args.get("text"))]
        assert updated and min(updated) > posted, f"{ref} was updated before it was posted"
        first = next(i for i in items if made[i.queued] == ref).application.message_id
        assert acks[first][0].at < acks[f"<outage-v2-{number}@example.org>"][0].at
