"""What ``intake export`` costs for a large round: time and peak memory.

    python -m bench.export [--bids 1000 10000] [--cover-sheets 200]

Stores synthetic bids (the Kent form's answers, varied; every fund and round;
some with problems, decisions and scores) in a fresh SQLite database, then
runs ``intake export`` as the operator would, as a separate process, once per
format, and reports its wall time and peak resident memory (``ru_maxrss``).
The same export at two sizes shows whether memory grows with the bids.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intake.rules.scoring import Sheet
from intake.store.bids import (
    NewBid,
    NewVersion,
    Standing,
    add_bid,
    add_version,
    advance_bid,
)
from intake.store.bids import decide as record_decision
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from intake.store.scores import save_sheet

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "fixtures" / "forms" / "complete-medway-youth-trust.expected.json"
FUNDS = (
    ("safer-in-kent", ("2027-r1", "2027-r2")),
    ("mental-health-policing", ("2027-r1", "2027-r2")),
    ("victim-specialist-services", ("2027",)),
)
CRITERIA = ("credible_history", "sustainability", "strategy_and_measurement", "localism")
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PROJECTS = (
    "Safe Streets - detached youth work in the town centre",
    "Evening drop-in for young people at risk of exploitation",
    "Volunteer mentors for first-time offenders",
    "Outreach to older victims of fraud",
    "Street safety audits with residents",
)
NAMES = (
    "Medway Youth Trust",
    "Hythe Food Bank",
    "Thanet Women's Refuge",
    "Ashford Mentoring Project",
    "Dover Street Pastors",
    "Canterbury Men's Shed",
    "Swale Community Boxing Club",
    "Folkestone Youth Music",
    "Gravesham Cyber Safety Network",
    "Sevenoaks Rural Watch",
)


def synthetic_fields(number: int, rng: random.Random) -> dict[str, Any]:
    """The sample form's answers, varied so that no two bids are the same."""
    fields: dict[str, Any] = json.loads(SAMPLE.read_text())["fields"]
    fields["project_name"] = PROJECTS[number % len(PROJECTS)]
    name = NAMES[number % len(NAMES)]
    fields["organisation_name"] = name if number <= len(NAMES) else f"{name} ({number})"
    requested = rng.randrange(500, 20_000)
    fields["amount_requested"] = f"{requested}.00"
    fields["total_cost"] = f"{requested + rng.randrange(0, 5_000)}.00"
    fields["contact_address"] = f"Unit {number % 90 + 1}, Pier Road\nGillingham\nKent ME7 1RZ"
    fields["project_outline"] += f"\n\nDelivered in ward {number % 40}."
    return fields


async def store_bids(database_url: str, count: int, *, seed: int = 2027) -> None:
    """Store ``count`` synthetic bids of the Kent office, through the store's own calls."""
    rng = random.Random(seed)
    engine = make_engine(database_url)
    await migrate(engine)
    try:
        for start in range(0, count, 1000):
            async with engine.begin() as connection:
                for number in range(start + 1, min(count, start + 1000) + 1):
                    await _store_one(connection, number, rng)
    finally:
        await engine.dispose()


async def _store_one(connection: Any, number: int, rng: random.Random) -> None:
    fund, rounds = FUNDS[number % len(FUNDS)]
    round_id = rounds[number % len(rounds)]
    at = START + timedelta(minutes=number)
    fields = synthetic_fields(number, rng)
    problems: list[dict[str, Any]] = []
    status = "complete"
    if number % 4 == 2:
        fields.pop("registration_number")
        problems.append(
            {
                "field": "registration_number",
                "code": "missing",
                "message": "Registered charities must give their registration number.",
            }
        )
        status = "incomplete"
    bid_id = await add_bid(
        connection,
        NewBid(
            ref=f"KENT-2027-{number:05d}",
            office="kent",
            fund=fund,
            form="kent-funding-application",
            applicant=f"bids{number}@example.org",
            thread_subject="Our application",
            thread_message_id=None,
            received_at=at,
        ),
        Standing(
            status=status,  # type: ignore[arg-type]
            round=round_id,
            organisation=fields["organisation_name"],
            project=fields["project_name"],
            amount_requested=fields["amount_requested"],
            updated_at=at,
        ),
    )
    versions = 2 if number % 7 == 0 else 1
    for version in range(1, versions + 1):
        await add_version(
            connection,
            bid_id,
            version,
            NewVersion(
                message_id=None,  # made here, not from a mail
                received_at=at,
                file="application.docx",
                format="docx",
                fields=fields,
                problems=problems,
                status=status,  # type: ignore[arg-type]
                sources={},
                attachments=[],
                round=round_id,
                mail={},
            ),
        )
    if versions > 1:
        standing = Standing(
            status=status,  # type: ignore[arg-type]
            round=round_id,
            organisation=fields["organisation_name"],
            project=fields["project_name"],
            amount_requested=fields["amount_requested"],
            updated_at=at,
        )
        await advance_bid(connection, bid_id, version=versions, standing=standing)
    if number % 3 == 0:
        eligible = number % 2 == 0
        await record_decision(
            connection,
            bid_id,
            decision="eligible" if eligible else "not_eligible",
            reason=None if eligible else "The project is outside Kent.",
            at=at,
        )
        for scorer in ("U0SCORER1", "U0SCORER2", "U0SCORER3"):  # the panel's three sheets
            levels = {c: rng.randrange(1, 6) for c in CRITERIA}
            await save_sheet(connection, bid_id, Sheet(scorer, levels), at=at)


def run_export(data_dir: Path, *args: str) -> tuple[float, float]:
    """Run ``intake export`` as a process: its wall seconds and peak memory in MB."""
    env = {**os.environ, "INTAKE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "intake", "export", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    assert process.stderr is not None
    error = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"intake export failed: {error}")
    return wall, usage.ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, nargs="+", default=[0, 1000, 10_000])
    parser.add_argument(
        "--cover-sheets", type=int, default=200, help="bids for cover sheets (0: none)"
    )
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for count in args.bids:
        with tempfile.TemporaryDirectory() as folder:
            data_dir = Path(folder) / "var"
            url = f"sqlite+aiosqlite:///{data_dir / 'intake.sqlite3'}"
            started = time.perf_counter()
            asyncio.run(store_bids(url, count))
            print(f"{count:>6} bids stored in {time.perf_counter() - started:.1f} s")
            for name in ("bids.xlsx", "bids.csv"):
                output = Path(folder) / name
                wall, peak = run_export(data_dir, "-o", str(output))
                size = output.stat().st_size / 1e6
                print(
                    f"{count:>6} bids -> {name:<9} {wall:6.1f} s  peak RSS {peak:6.0f} MB  "
                    f"file {size:5.1f} MB"
                )
    if not args.cover_sheets:  # --cover-sheets 0: the packs alone
        return
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "var"
        count = args.cover_sheets
        asyncio.run(store_bids(f"sqlite+aiosqlite:///{data_dir / 'intake.sqlite3'}", count))
        wall, peak = run_export(data_dir, "--cover-sheets", str(Path(folder) / "sheets"))
        print(
            f"{count:>6} cover sheets (DOCX)  {wall:6.1f} s  peak RSS {peak:6.0f} MB  "
            f"{wall / count * 1000:.0f} ms each"
        )


if __name__ == "__main__":
    main()
