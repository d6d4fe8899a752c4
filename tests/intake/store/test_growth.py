"""Reads whose cost must not grow with the years of bids an office keeps.

A database with history in it (bench/growth.py's fill: several offices,
decided bids of past rounds, finished jobs), and every read that officers'
screens and the operator's health checks make across stored bids. Each
statement the store runs is put to SQLite's planner: none may read a whole
table of bids, versions, events, messages or jobs, nor sort a fund's years of
bids to show a page of them. (bench/growth.py times them at 100,000 bids;
BENCHMARKS.md has the figures.)
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.growth_fill import CURRENT_ROUND_BIDS, Filler, utc
from intake.bids.deadlines import round_counts
from intake.config.load import load_config
from intake.jobs.kinds import KINDS
from intake.rules.calendar import deadlines
from intake.rules.duplicates import MAX_LINKS
from intake.slack.channels import card_chain
from intake.store import bids, duplicates, queue
from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate
from intake.store.queue import NewJob
from tests.harness import ROOT

NOW = "2027-05-20T16:00:00+01:00"
BIG_TABLES = ("bids", "bid_versions", "events", "messages", "jobs")
HISTORY = 400
"""Bids of past years on top of today's rounds: enough for the planner to know them."""


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("growth") / "intake.sqlite3"

    async def fill() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        config = load_config(None)
        today = len(config.funds) * CURRENT_ROUND_BIDS
        await Filler(engine, config, now=utc(NOW)).fill_to(today + HISTORY)
        await engine.dispose()

    import asyncio

    asyncio.run(fill())
    return path


@pytest.fixture
async def engine(filled: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{filled}")
    yield engine
    await engine.dispose()


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the store runs on ``engine``, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine.sync_engine, "before_cursor_execute", record)


def full_reads(path: Path, seen: list[tuple[str, Any]]) -> list[str]:
    """The plan lines of ``seen`` that read a whole big table (or every row before one),
    or sort one for a page."""
    bad = []
    with sqlite3.connect(path) as connection:
        for statement, parameters in seen:
            for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters):
                detail = str(row[3])
                scans = any(detail.startswith(f"SCAN {table}") for table in BIG_TABLES)
                scans |= "INTEGER PRIMARY KEY (rowid<" in detail  # every earlier row
                # A page sorted from every match (the claim sorts its few candidates).
                listing = statement.lstrip().upper().startswith("SELECT")
                if scans or (listing and "TEMP B-TREE FOR ORDER BY" in detail):
                    bad.append(f"{detail}  ←  {' '.join(statement.split())[:200]}")
    return bad


async def test_officers_listings_read_through_indexes(
    engine: AsyncEngine, filled: Path, statements: list[tuple[str, Any]]
) -> None:
    async with reading(engine) as connection:
        newest = await bids.bids_with_versions(
            connection, office="kent", fund="safer-in-kent", statuses=("incomplete",), newest=20
        )
        await bids.bids_with_versions(connection, office="kent", newest=20)
        await bids.bids_with_versions(connection, office="kent", fund="safer-in-kent", newest=20)
        undecided = await bids.bids_with_versions(connection, fund="safer-in-kent", undecided=True)
        total = await bids.count_bids(
            connection, office="kent", fund="safer-in-kent", statuses=("incomplete",)
        )
        shown = await bids.bid_by_ref(connection, newest[-1][0].ref.lower())
        await bids.history(connection, shown.id)
        await bids.latest_version(connection, shown.id)

    assert full_reads(filled, statements) == []
    assert len(newest) == 20 and total > 20
    assert [b.received_at for b, _ in newest] == sorted(b.received_at for b, _ in newest)
    assert all(v is not None and v.version == b.version for b, v in newest)
    # Today's round is undecided; the years before are decided and not listed.
    assert undecided and all(b.decision is None for b, _ in undecided)
    assert {b.round for b, _ in undecided} == {"2027-r1"}


async def test_round_counts_and_health_read_through_indexes(
    engine: AsyncEngine, filled: Path, statements: list[tuple[str, Any]]
) -> None:
    config = load_config(None)
    closing = next(
        d for d in deadlines(config) if d.kind == "closed" and d.fund.id == "safer-in-kent"
    )
    async with reading(engine) as connection:
        counts = await round_counts(connection, config, closing)
    backlog = await queue.backlog(engine, [k.kind for k in KINDS])
    failed = await queue.failed_count(engine)

    assert full_reads(filled, statements) == []
    assert counts.received == CURRENT_ROUND_BIDS
    assert counts.undecided == CURRENT_ROUND_BIDS  # nobody has ruled on today's round
    parts = counts.complete + counts.incomplete + counts.ineligible + counts.unreadable
    assert parts == counts.received
    assert backlog == {} and failed == 0  # years of finished jobs are no backlog


def test_intake_bids_lists_the_newest_and_says_how_many_more(filled: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "INTAKE_DATABASE_URL": f"sqlite+aiosqlite:///{filled}",
    }

    def intake(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "intake", "bids", *args],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=120,
        )

    page = intake("--fund", "safer-in-kent", "--limit", "5")
    assert page.returncode == 0, page.stderr
    assert len(page.stdout.splitlines()) == 1 + 5  # the header and five bids
    assert "The newest 5 of " in page.stderr and "--limit 0 lists every one" in page.stderr

    every = intake("--fund", "safer-in-kent", "--limit", "0", "--json")
    assert every.returncode == 0 and every.stderr == ""
    assert len(every.stdout.splitlines()) > 5
    assert (
        every.stdout.splitlines()[-5:]
        == intake("--fund", "safer-in-kent", "--limit", "5", "--json").stdout.splitlines()
    )

    wrong = intake("--limit", "-1")
    assert wrong.returncode == 2 and "--limit" in wrong.stderr


async def test_a_new_card_is_claimed_without_reading_the_channels_past_cards(
    engine: AsyncEngine, filled: Path, statements: list[tuple[str, Any]]
) -> None:
    # The channel's chain holds every card ever posted there, all finished.
    chain = card_chain(load_config(None), office="kent", fund="safer-in-kent")
    async with engine.begin() as connection:
        await queue.enqueue(connection, NewJob(kind="card", key="card:new", chain=chain))
    statements.clear()
    job = await queue.claim(engine, kinds=[k.kind for k in KINDS], worker="test/1", lease=60)
    assert job is not None and job.key == "card:new"  # nothing before it in the chain is open
    await queue.finish(engine, job, worker="test/1")

    assert full_reads(filled, statements) == []


async def test_a_form_sent_many_times_links_only_its_oldest_copies_read_from_the_index(
    engine: AsyncEngine, filled: Path, statements: list[tuple[str, Any]]
) -> None:
    values = {"answers": "same-form", "organisation": "medway youth trust"}
    async with engine.begin() as connection:
        for bid_id in range(1, 61):  # sixty copies of one form in one round
            await duplicates.keep_fingerprints(
                connection, bid_id, fund="safer-in-kent", round="2027-r1", values=values
            )
    statements.clear()
    async with reading(engine) as connection:
        found = await duplicates.matching_bids(
            connection,
            fund="safer-in-kent",
            round="2027-r1",
            values=values,
            but=61,
            limit=MAX_LINKS,
        )
    assert list(found) == list(range(1, MAX_LINKS + 1))
    assert all(kinds == ["answers", "organisation"] for _, kinds in found.values())
    assert full_reads(filled, statements) == []
