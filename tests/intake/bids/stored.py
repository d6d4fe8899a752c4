"""Bids stored straight into a migrated SQLite database, and a context for the jobs
that act on them: what tests of reminders, letters and monitoring start from."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import FixedClock
from intake.config.load import bundled_config_text, load_config
from intake.config.model import Config
from intake.jobs.waker import Waker
from intake.store import queue
from intake.store.bids import NewBid, NewVersion, Standing, add_bid, add_version, decide
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from notifier.mailer import Outbox
from tests.harness import FIXTURES

SAMPLE: dict[str, Any] = json.loads(
    (FIXTURES / "forms" / "complete-medway-youth-trust.expected.json").read_text()
)["fields"]
MISSING = {
    "field": "budget_breakdown",
    "code": "missing",
    "message": "Say how the grant will be spent.",
}


def config_with(folder: Path, office_lines: str = "", fund_lines: str = "") -> Config:
    """The bundled Kent configuration, with lines added to the office and the
    Safer in Kent Fund."""
    text = bundled_config_text()
    text = text.replace(
        "acks_per_sender_per_day = 5\n", f"acks_per_sender_per_day = 5\n{office_lines}\n", 1
    )
    text = text.replace(
        'name = "Safer in Kent Fund"\n', f'name = "Safer in Kent Fund"\n{fund_lines}\n', 1
    )
    path = folder / "config.toml"
    path.write_text(text)
    return load_config(path)


@dataclass
class Context:
    """What the jobs under test need of the service (a real database and outbox)."""

    config: Config
    engine: AsyncEngine
    clock: FixedClock
    mailer: Outbox
    node: str = "test:1"
    mail_domain: str = "bids.example.org"
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("intake.test"))
    waker: Waker = field(default_factory=Waker)
    slack: NoSlack = field(default_factory=lambda: NoSlack())
    slack_warnings: dict[str, str] = field(default_factory=dict)
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)

    def card_chain(self, *, office: str, fund: str | None) -> str:
        return f"slack:test:{office}"


class NoSlack:
    """An office without Slack: its posts are printed."""

    configured = False

    async def poster_for(self, office: str) -> None:
        return None


async def context(folder: Path, config: Config, now: datetime, node: str = "test:1") -> Context:
    engine = make_engine(f"sqlite+aiosqlite:///{folder}/intake.sqlite3")
    await migrate(engine)
    return Context(config, engine, FixedClock(now), Outbox(folder / "outbox"), node=node)


async def store_bid(
    engine: AsyncEngine,
    *,
    ref: str,
    fund: str = "safer-in-kent",
    round: str = "2027-r1",
    status: str = "complete",
    problems: list[dict[str, Any]] | None = None,
    decision: str | None = None,
    at: datetime,
    **changes: str,
) -> int:
    fields = {**SAMPLE, **changes}
    async with engine.begin() as connection:
        bid_id = await add_bid(
            connection,
            NewBid(
                ref=ref,
                office="kent",
                fund=fund,
                form="kent-funding-application",
                applicant=f"{ref.lower()}@example.org",
                thread_subject="Our application",
                thread_message_id=None,
                received_at=at,
            ),
            Standing(
                status=status,  # type: ignore[arg-type]
                round=round,
                organisation=fields["organisation_name"],
                project=fields["project_name"],
                amount_requested=fields["amount_requested"],
                updated_at=at,
            ),
        )
        await add_version(
            connection,
            bid_id,
            1,
            NewVersion(
                message_id=None,
                received_at=at,
                file="form.docx",
                format="docx",
                fields=fields,
                problems=problems or [],
                status=status,  # type: ignore[arg-type]
                sources={},
                attachments=[],
                round=round,
                mail={"subject": "Our application"},
            ),
        )
        if decision:
            await decide(connection, bid_id, decision=decision, reason=None, at=at)
    return bid_id


async def run_jobs(ctx: Any, handlers: dict[str, Any]) -> list[str]:
    """Run every due job of ``handlers``' kinds, as a worker would; the keys run."""
    done: list[str] = []
    while True:
        job = await queue.claim(ctx.engine, kinds=tuple(handlers), worker="test", lease=30)
        if job is None:
            return done
        await handlers[job.kind](job)
        await queue.finish(ctx.engine, job, worker="test")
        done.append(job.key)
