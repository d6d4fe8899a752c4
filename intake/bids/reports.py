"""Stored bids for people and programs: JSON, a table and a text view.

The panel pack (XLSX and CSV) is :mod:`intake.bids.export`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from intake.bids.triage import OFFICER_EVENTS
from intake.errors import NotFound
from intake.store.bids import (
    Bid,
    BidVersion,
    bid_by_ref,
    bids_with_versions,
    count_bids,
    history,
    latest_version,
)
from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate


async def stored_bids(
    database_url: str,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
    newest: int | None = None,
) -> list[dict[str, Any]]:
    """SPEC's bid JSON (``ref``, ``version``, ``fund``, ``status``, ``received_at``,
    ``fields``, ``problems``) for every stored bid, oldest first; only ``office``'s
    when given; with ``newest``, only the last ``newest`` of them."""
    engine = make_engine(database_url)
    try:
        await migrate(engine)
        async with reading(engine) as connection:
            rows = await bids_with_versions(
                connection, office=office, fund=fund, statuses=statuses, newest=newest
            )
            return [_json(row, version) for row, version in rows]
    finally:
        await engine.dispose()


async def count_stored_bids(
    database_url: str,
    *,
    office: str | None = None,
    fund: str | None = None,
    statuses: tuple[str, ...] = (),
) -> int:
    """How many bids :func:`stored_bids` would list in all."""
    engine = make_engine(database_url)
    try:
        await migrate(engine)
        async with reading(engine) as connection:
            return await count_bids(connection, office=office, fund=fund, statuses=statuses)
    finally:
        await engine.dispose()


async def stored_bid(database_url: str, ref: str, *, office: str | None = None) -> dict[str, Any]:
    """One bid's JSON with its history; a bid of another office than ``office`` is not found."""
    engine = make_engine(database_url)
    try:
        await migrate(engine)
        async with reading(engine) as connection:
            row = await bid_by_ref(connection, ref)
            if office is not None and row.office != office:
                raise NotFound(f"no bid with reference {ref} in office {office}")
            bid = await _bid_json(connection, row)
            bid["history"] = [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "kind": e.kind,
                    "text": e.text,
                    "by": (e.data or {}).get("name") if e.kind in OFFICER_EVENTS else None,
                }
                for e in await history(connection, row.id)
            ]
            return bid
    finally:
        await engine.dispose()


async def _bid_json(connection: AsyncConnection, row: Bid) -> dict[str, Any]:
    return _json(row, await latest_version(connection, row.id))


def _json(row: Bid, version: BidVersion | None) -> dict[str, Any]:
    return {
        "ref": row.ref,
        "version": row.version,
        "office": row.office,
        "fund": row.fund,
        "round": row.round,
        "status": row.status,
        "received_at": row.received_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "applicant": row.applicant,
        "file": version.file if version else None,
        "format": version.format if version else None,
        "fields": version.fields if version else {},
        "problems": version.problems if version else [],
        "sources": version.sources if version else {},
        "assigned_to": row.assigned_to,
        "decision": row.decision,
        "decision_reason": row.decision_reason,
        "scores": row.scores,
    }


def bids_table(bids: list[dict[str, Any]], *, filtered: bool = False) -> str:
    """A plain table for the terminal; ``filtered`` when ``--fund`` or ``--status`` chose."""
    if not bids:
        return "No bids match." if filtered else "No bids stored yet."
    header = ("REF", "V", "FUND", "STATUS", "RECEIVED", "AMOUNT", "ORGANISATION", "PROBLEMS")
    rows = [
        (
            b["ref"],
            str(b["version"]),
            b["fund"] or "-",
            b["status"],
            b["received_at"][:16].replace("T", " "),
            b["fields"].get("amount_requested", "-"),
            (b["fields"].get("organisation_name") or "-")[:40],
            str(len(b["problems"])),
        )
        for b in bids
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    )


def bid_text(bid: dict[str, Any]) -> str:
    """One bid for reading in a terminal."""
    lines = [
        f"{bid['ref']} (version {bid['version']}): {bid['status']}",
        f"Fund: {bid['fund'] or '-'}   Round: {bid['round'] or '-'}   "
        f"Received: {bid['received_at']}",
        f"From: {bid['applicant'] or '-'}   File: {bid['file'] or '-'}",
        "",
        "Problems:" if bid["problems"] else "Problems: none",
    ]
    lines += [f"  - [{p['code']}] {p['message']}" for p in bid["problems"]]
    lines += ["", "Answers:"]
    for field, value in bid["fields"].items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        if len(shown) > 100:
            shown = shown[:97] + "..."
        lines.append(f"  {field}: {shown}")
    if bid.get("history"):
        lines += ["", "History:"]
        lines += [
            f"  {e['at'][:16].replace('T', ' ')}  "
            + (f"{e.get('by') or e['actor']} " if e["kind"] in OFFICER_EVENTS else "")
            + e["text"]
            for e in bid["history"]
        ]
    return "\n".join(lines)
