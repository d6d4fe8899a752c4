"""Deadline alerts: claimed once (the key is unique), then posted once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.store.engine import insert_ignoring_duplicates
from intake.store.schema import alerts


@dataclass(frozen=True, slots=True)
class AlertClaim:
    """A due alert as a node claims it."""

    key: str
    kind: str
    office: str
    fund: str
    round: str
    due_at: datetime
    claimed_at: datetime
    claimed_by: str
    """The claiming node (``host:pid``)."""
    channel: str


@dataclass(frozen=True, slots=True)
class Alert:
    """An ``alerts`` row: a claimed alert and, once posted, where and what."""

    key: str
    kind: str
    office: str
    fund: str
    round: str
    due_at: datetime
    claimed_at: datetime
    claimed_by: str
    channel: str | None
    ts: str | None
    posted_at: datetime | None
    payload: dict[str, Any] | None


_ALERT = select(alerts).where(alerts.c.key == bindparam("key"))


async def claimed_among(connection: AsyncConnection, keys: Collection[str]) -> set[str]:
    """Which of the alerts ``keys`` are claimed already."""
    found = await connection.execute(select(alerts.c.key).where(alerts.c.key.in_(list(keys))))
    return set(found.scalars())


async def claim(connection: AsyncConnection, alert: AlertClaim) -> bool:
    """Claim an alert; False when another node (or an earlier run) claimed it first."""
    result = await connection.execute(
        insert_ignoring_duplicates(connection, alerts, ["key"]),
        {
            "key": alert.key,
            "kind": alert.kind,
            "office": alert.office,
            "fund": alert.fund,
            "round": alert.round,
            "due_at": alert.due_at,
            "claimed_at": alert.claimed_at,
            "claimed_by": alert.claimed_by,
            "channel": alert.channel,
        },
    )
    return bool(result.rowcount)


async def alert_by_key(connection: AsyncConnection, key: str) -> Alert | None:
    """The claimed alert ``key``, if it is claimed."""
    row = (await connection.execute(_ALERT, {"key": key})).first()
    return Alert(**row._mapping) if row else None


async def mark_posted(
    connection: AsyncConnection,
    key: str,
    *,
    channel: str,
    ts: str | None,
    at: datetime,
    payload: dict[str, Any],
) -> None:
    """Record an alert as posted (``ts`` None: printed on the console)."""
    await connection.execute(
        update(alerts)
        .where(alerts.c.key == key)
        .values(channel=channel, ts=ts, posted_at=at, payload=payload)
    )
