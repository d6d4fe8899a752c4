"""Years of stored bids for :mod:`bench.growth`, written through the store's own functions.

The shape of ten years of several offices, scaled to any number of bids:

* five offices of three funds each; the bundled Kent office is one of them, so
  what the service shows (Slack, ``intake bids``) is one office's share;
* the open round of each Kent fund holds :data:`CURRENT_ROUND_BIDS` bids, none
  decided yet, some assigned: what officers work on today;
* every other bid is history, spread over the ten years before, in rounds of
  their own, and decided (a bid closed years ago has its ruling);
* per bid, about 1.6 versions (a third resubmit, some twice), a mail per
  version and one in four with correspondence, five events, and the finished
  jobs of all that (message, card and acknowledgement): about 5.5 jobs a bid.

Everything is written in transactions of :data:`BATCH` bids (one commit, one
fsync each), then ``ANALYZE`` (``VACUUM ANALYZE`` on PostgreSQL) leaves the
database as years of use and autovacuum would.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.config.model import Config
from intake.jobs.kinds import AckJob, CardJob
from intake.rules.scoring import Sheet
from intake.slack.channels import card_chain
from intake.store import bids, messages, queue, scores
from intake.store.bids import NewBid, NewVersion, Standing
from intake.store.messages import IncomingMessage
from intake.store.queue import Queueable

BATCH = 500
CURRENT_ROUND_BIDS = 300
"""Bids in each Kent fund's open round, whatever N: today's work does not grow with the years."""
OFFICES = ("kent", "essex", "surrey", "sussex", "herts")
YEARS = 10
STATUSES = ("complete", "incomplete", "ineligible", "unreadable")
STATUS_WEIGHTS = (55, 25, 12, 8)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a bid belongs: office, fund, round and when it arrived."""

    office: str
    fund: str
    round: str
    received_at: datetime
    current: bool


class Filler:
    """Adds bids to a database, in order: the open rounds first, then history."""

    def __init__(self, engine: AsyncEngine, config: Config, *, now: datetime, seed: int = 24):
        self.engine = engine
        self.config = config
        self.now = now
        self.random = random.Random(seed)
        self.count = 0
        self.kent_funds = [fund.id for fund in config.funds if fund.office == "kent"]
        self.current_round = {
            fund.id: next(r for r in fund.rounds if r.opens_at(config.office("kent").tz) <= now).id
            for fund in config.funds
            if fund.office == "kent"
        }
        form = config.forms[0]
        self.form = form.id
        self.answers = _answers(form, self.random)

    def _place(self, number: int) -> Place:
        current = len(self.kent_funds) * CURRENT_ROUND_BIDS
        if number < current:
            fund = self.kent_funds[number % len(self.kent_funds)]
            received = self.now - timedelta(days=self.random.uniform(0, 60))
            return Place("kent", fund, self.current_round[fund], received, True)
        office = OFFICES[number % len(OFFICES)]
        funds = self.kent_funds if office == "kent" else [f"{office}-fund-{i}" for i in (1, 2, 3)]
        fund = funds[(number // len(OFFICES)) % len(funds)]
        days = self.random.uniform(90, 365 * YEARS)
        received = self.now - timedelta(days=days)
        round_id = f"{received.year - 1 if received.month < 4 else received.year}-r1"
        return Place(office, fund, round_id, received, False)

    async def fill_to(self, total: int) -> None:
        """Add bids until there are ``total``."""
        while self.count < total:
            size = min(BATCH, total - self.count)
            await self._batch([self._place(self.count + i) for i in range(size)])
            self.count += size
        # The planner's statistics, as a database that has lived for years has them;
        # on PostgreSQL also autovacuum's work (every job finished left a dead row
        # version behind, in the index a health check reads), which VACUUM does now.
        async with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
            else:
                await connection.execute(text("ANALYZE"))
                await connection.commit()

    async def _batch(self, places: list[Place]) -> None:
        plans = [self._plan(place) for place in places]
        mails = [mail for plan in plans for mail in plan["mails"]]
        await messages.accept_messages(self.engine, mails)
        done: list[str] = [f"message:{mail.id}" for mail in mails]
        later: list[Queueable] = []
        async with self.engine.begin() as connection:
            for plan in plans:
                place: Place = plan["place"]
                year = place.received_at.year
                prefix = "KENT" if place.office == "kent" else place.office.upper()
                ref = await bids.next_reference(connection, prefix=prefix, year=year)
                versions = plan["versions"]
                # The service's own chains: a channel's cards go out one by one, in
                # order, so one chain holds years of them.
                chain = (
                    card_chain(self.config, office="kent", fund=place.fund)
                    if place.office == "kent"
                    else f"slack:{place.office}:#grants"
                )
                last = versions[-1]
                standing = Standing(
                    status=last["status"],
                    round=place.round,
                    organisation=self.answers["organisation_name"],
                    project=self.answers.get("project_name"),
                    amount_requested="4500",
                    updated_at=last["at"],
                )
                bid_id = await bids.add_bid(
                    connection,
                    NewBid(
                        ref=ref,
                        office=place.office,
                        fund=place.fund,
                        form=self.form,
                        applicant=f"applicant{self.count}@example.org",
                        thread_subject="Our application",
                        thread_message_id=f"<{uuid.uuid4().hex}@example.org>",
                        received_at=place.received_at,
                    ),
                    standing,
                )
                if len(versions) > 1:
                    await bids.advance_bid(
                        connection, bid_id, version=len(versions), standing=standing
                    )
                for number, v in enumerate(versions, start=1):
                    await bids.add_version(connection, bid_id, number, self._version(v, place))
                    await messages.set_message_outcome(
                        connection, v["mail"].id, state="processed", outcome="bid", bid_id=bid_id
                    )
                    event = await bids.add_event(
                        connection,
                        bid_id=bid_id,
                        at=v["at"],
                        actor="system",
                        kind="received" if number == 1 else "resubmitted",
                        text=f"Version {number} received: {v['status']}",
                    )
                    card = CardJob.for_version(bid_id, number, event=event, chain=chain)
                    later.append(card)
                    later.append(AckJob.for_version(bid_id, number, "received"))
                for mail in plan["correspondence"]:
                    await messages.set_message_outcome(
                        connection, mail.id, state="correspondence", outcome="kept", bid_id=bid_id
                    )
                    await bids.add_event(
                        connection,
                        bid_id=bid_id,
                        at=mail.received_at,
                        actor="applicant",
                        kind="correspondence",
                        text="A mail without a form, kept on the bid",
                    )
                await self._officers_work(connection, bid_id, place, last["at"])
            await queue.enqueue_many(connection, later)
            done += [job.key for job in later]
            await queue.mark_done(connection, done, at=self.now)

    async def _officers_work(
        self, connection: Any, bid_id: int, place: Place, after: datetime
    ) -> None:
        """Assignment, scores and a ruling: every bid of history has them; today's some."""
        at = after + timedelta(days=3)
        officer = f"U0OFFICER{self.random.randint(1, 9)}"
        if not place.current or self.random.random() < 0.3:
            await bids.assign(connection, bid_id, to=officer, at=at)
            await bids.add_event(
                connection,
                bid_id=bid_id,
                at=at,
                actor=officer,
                kind="assigned",
                text="Assigned",
                data={"name": "sam.officer"},
            )
        if place.current:
            return
        sheet = Sheet(officer, {"need": 3, "outcomes": 4})
        await scores.save_sheet(connection, bid_id, sheet, at=at)
        eligible = self.random.random() < 0.7
        await bids.decide(
            connection,
            bid_id,
            decision="eligible" if eligible else "not_eligible",
            reason=None if eligible else "Outside the fund's priorities",
            at=at,
        )
        await bids.add_event(
            connection,
            bid_id=bid_id,
            at=at,
            actor=officer,
            kind="decided",
            text="Marked eligible" if eligible else "Marked not eligible",
            data={"name": "sam.officer"},
        )

    def _plan(self, place: Place) -> dict[str, Any]:
        count = 1 + (self.random.random() < 0.35) + (self.random.random() < 0.25)
        versions = []
        at = place.received_at
        for number in range(count):
            status = (
                "complete"
                if number == count - 1 and count > 1
                else self.random.choices(STATUSES, STATUS_WEIGHTS)[0]
            )
            versions.append({"at": at, "status": status, "mail": self._mail(place, at)})
            at += timedelta(days=self.random.uniform(1, 10))
        correspondence = [self._mail(place, at)] if self.random.random() < 0.25 else []
        return {
            "place": place,
            "versions": versions,
            "correspondence": correspondence,
            "mails": [v["mail"] for v in versions] + correspondence,
        }

    def _mail(self, place: Place, at: datetime) -> IncomingMessage:
        ident = uuid.uuid4().hex
        return IncomingMessage(
            id=ident,
            office=place.office,
            fund=place.fund,
            received_at=at,
            mail_from="applicant@example.org",
            rcpt_tos=[f"{place.fund}@bids.example.org"],
            peer="192.0.2.10",
            size=self.random.randint(40_000, 400_000),
            sha256=hashlib.sha256(ident.encode()).hexdigest(),
            dedupe_key=hashlib.sha256(("k" + ident).encode()).hexdigest(),
            spool_name=f"{ident}.eml",
        )

    def _version(self, v: dict[str, Any], place: Place) -> NewVersion:
        status = v["status"]
        problems: list[dict[str, Any]] = []
        if status == "incomplete":
            problems = [
                {
                    "code": "missing",
                    "field": "project_outcomes",
                    "message": "Please describe the project's outcomes.",
                }
            ]
        elif status == "ineligible":
            code = "late" if self.random.random() < 0.3 else "over_cap"
            problems = [{"code": code, "field": None, "message": f"The bid is {code}."}]
        elif status == "unreadable":
            problems = [{"code": "unreadable", "field": None, "message": "scanned form"}]
        return NewVersion(
            message_id=v["mail"].id,
            received_at=v["at"],
            file="application.docx",
            format="docx",
            fields={} if status == "unreadable" else dict(self.answers),
            problems=problems,
            status=status,
            sources={"organisation_name": {"page": 1}},
            attachments=[{"name": "application.docx", "size": 48_213}],
            round=place.round,
            mail={"subject": "Our application", "from": "applicant@example.org"},
        )


def _answers(form: Any, chance: random.Random) -> dict[str, Any]:
    """A filled-in form's answers, as long as real ones (aims and plans run to paragraphs)."""
    words = [
        "community",
        "safety",
        "young",
        "people",
        "victims",
        "support",
        "outreach",
        "partnership",
    ]
    answers: dict[str, Any] = {}
    for field in form.fields:
        if field.type == "choice" and field.options:
            answers[field.id] = field.options[0].id
        elif field.type in ("number", "money"):
            answers[field.id] = "4500"
        else:
            length = 60 if field.id.endswith(("name", "number")) else 600
            text_ = " ".join(chance.choice(words) for _ in range(length // 8))
            answers[field.id] = text_[:length]
    answers["organisation_name"] = "Medway Youth Trust"
    answers["project_name"] = "Safer Streets After School"
    return answers


def utc(text_: str) -> datetime:
    return datetime.fromisoformat(text_).astimezone(UTC)
