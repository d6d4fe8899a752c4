"""Scale-out on PostgreSQL: a burst drained by one node and by two, and a node's death.

    python bench/scale.py [--mails 300] [--lease 10] [--postgres postgresql://postgres@127.0.0.1/postgres]

Each run gets a fresh database on the PostgreSQL server. Prints:

* the time to drain the same burst (mail sent to last acknowledgement) with one
  ``intake serve`` node, and with two sharing the database (mails sent to both,
  as two MX records would spread them);
* with two nodes, kill -9 one in the middle of the drain and measure how long
  until its claimed work runs on the other (bounded by ``INTAKE_JOB_LEASE``),
  and check that nothing was lost or done twice.

On one machine the two nodes share its CPUs: the second node adds no CPU, so
the two-node drain shows the cost of coordination, not a speed-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.drills.kit import Sent, applications, drill, run, send_all  # noqa: E402


async def _admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _fetch(url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return list(await connection.fetch(query))
    finally:
        await connection.close()


class Database:
    """A fresh database on the server for one run, dropped after it."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.name = f"intake_scale_{secrets.token_hex(4)}"
        base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        self.url = f"{base}/{self.name}"

    def __enter__(self) -> Database:
        asyncio.run(_admin(self.server, f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run(_admin(self.server, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))


def drain(server: str, mails: int, nodes: int, lease: float) -> float:
    with Database(server) as database, tempfile.TemporaryDirectory() as folder:
        env = {
            "INTAKE_DATABASE_URL": database.url,
            "INTAKE_JOB_LEASE": str(lease),
            "INTAKE_LOG_LEVEL": "WARNING",
            "INTAKE_WORKERS": str(max(1, (os.cpu_count() or 1) // nodes)),
        }
        with drill(Path(folder), nodes=nodes, **env) as scene:
            items = [Sent(app) for app in applications(mails, tag=f"scale{nodes}", padded=0.0)]
            started = time.monotonic()
            halves = [items[node::nodes] for node in range(nodes)]
            run(_send_to(scene, halves))
            scene.service.wait_for(
                lambda: len(scene.acknowledgements()) >= mails, timeout=3600, what="the drain"
            )
            return max(d.at for found in scene.acknowledgements().values() for d in found) - started


async def _send_to(scene: object, halves: list[list[Sent]]) -> None:
    await asyncio.gather(
        *(
            send_all(service.smtp_port, half, senders=10)
            for service, half in zip(scene.services, halves, strict=True)  # type: ignore[attr-defined]
        )
    )


def node_death(server: str, mails: int, lease: float) -> tuple[float, int, int, int]:
    """Kill one of two nodes mid-drain; seconds until its claimed jobs run elsewhere."""
    with Database(server) as database, tempfile.TemporaryDirectory() as folder:
        env = {
            "INTAKE_DATABASE_URL": database.url,
            "INTAKE_JOB_LEASE": str(lease),
            "INTAKE_LOG_LEVEL": "WARNING",
            "INTAKE_WORKERS": "1",
        }
        with drill(Path(folder), nodes=2, **env) as scene:
            items = [Sent(app) for app in applications(mails, tag="death", padded=0.0)]
            run(_send_to(scene, [items[0::2], items[1::2]]))
            victim, survivor = scene.services
            while True:  # wait until the victim holds work
                held = asyncio.run(
                    _fetch(database.url, "SELECT id, locked_by FROM jobs WHERE state = 'running'")
                )
                mine = [
                    r["id"]
                    for r in held
                    if r["locked_by"] and str(victim.process.pid) in r["locked_by"]
                ]  # type: ignore[union-attr]
                if mine:
                    break
                time.sleep(0.05)
            victim.kill()
            killed = time.monotonic()
            ids = ",".join(str(i) for i in mine)
            while True:
                rows = asyncio.run(
                    _fetch(database.url, f"SELECT locked_by, state FROM jobs WHERE id IN ({ids})")
                )
                if all(
                    r["state"] == "done"
                    or (r["locked_by"] and str(victim.process.pid) not in r["locked_by"])  # type: ignore[union-attr]
                    for r in rows
                ):
                    break
                time.sleep(0.05)
            resumed = time.monotonic() - killed
            survivor.wait_for(
                lambda: len(scene.acknowledgements()) >= mails, timeout=600, what="the drain"
            )
            bids = asyncio.run(_fetch(database.url, "SELECT count(*) AS n FROM bids"))[0]["n"]
            cards = len(scene.cards())
            acks = sum(len(found) for found in scene.acknowledgements().values())
            return resumed, bids, cards, acks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--lease", type=float, default=10.0)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "INTAKE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    cpus = os.cpu_count() or 1
    mix: dict[str, int] = {}
    for app in applications(args.mails, tag="scale1", padded=0.0):
        mix[app.shape] = mix.get(app.shape, 0) + 1
    shapes = ", ".join(f"{count} {shape}" for shape, count in sorted(mix.items()))
    print(
        f"{args.mails} applications ({shapes}), PostgreSQL, {cpus} CPUs, lease {args.lease:.0f} s"
    )
    one = drain(args.postgres, args.mails, 1, args.lease)
    print(f"drain, one node ({cpus} workers):          {one:6.1f} s")
    two = drain(args.postgres, args.mails, 2, args.lease)
    print(f"drain, two nodes ({cpus // 2 or 1} worker each):    {two:6.1f} s")
    resumed, bids, cards, acks = node_death(args.postgres, max(40, args.mails // 5), args.lease)
    print(
        f"node killed mid-drain: its claimed work resumed on the other node after "
        f"{resumed:.1f} s; {bids} bids, {cards} cards, {acks} acknowledgements "
        f"for {max(40, args.mails // 5)} mails"
    )


if __name__ == "__main__":
    main()
