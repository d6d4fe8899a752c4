"""Stored bids for people and programs: JSON, a table and a text view.

The panel pack (XLSX and CSV) is :mod:`intake.bids.export`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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
    version,
)
from intake.store.engine import make_engine, reading
from intake.store.migrate import migrate
from intake.store.scores import sheets_of


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


async def stored_bid(
    database_url: str, ref: str, *, office: str | None = None, number: int | None = None
) -> dict[str, Any]:
    """One bid's JSON with its history and its versions (each with its own received
    time); with ``number``, the answers, problems and status of that version.
    A bid of another office than ``office`` is not found, nor a version it lacks."""
    engine = make_engine(database_url)
    try:
        await migrate(engine)
        async with reading(engine) as connection:
            row = await bid_by_ref(connection, ref)
            if office is not None and row.office != office:
                raise NotFound(f"no bid with reference {ref} in office {office}")
            versions = [await version(connection, row.id, n) for n in range(1, row.version + 1)]
            shown = versions[-1] if number is None else None
            if number is not None:
                if not 1 <= number <= len(versions):
                    raise NotFound(f"{row.ref} has no version {number} (it has {row.version})")
                shown = versions[number - 1]
            bid = _json(row, shown)
            bid["versions"] = [
                {
                    "version": v.version,
                    "received_at": v.received_at.isoformat(),
                    "status": v.status,
                    "round": v.round,
                }
                for v in versions
                if v is not None
            ]
            # The scoring panel's sheets (criterion id → level), by scorer, and the lead's.
            sheets = await sheets_of(connection, row.id)
            bid["scores"] = {sheet.scorer: dict(sheet.levels) for sheet in sheets.scored}
            moderated = sheets.moderated
            bid["moderated_scores"] = dict(moderated.levels) if moderated else None
            bid["history"] = [
                {
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "kind": e.kind,
                    "text": e.text,
                    "by": (e.data or {}).get("name") if e.kind in OFFICER_EVENTS else None,
                    # A mail's or a reply's words whole (the line above shortens them).
                    "body": (e.data or {}).get("text") if e.kind in WORDED_EVENTS else None,
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
        "form": row.form,
        "round": row.round,
        "status": row.status,
        "received_at": row.received_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        # The version shown, with its own time: a late second version shows it is late.
        "shown_version": version.version if version else None,
        "version_received_at": version.received_at.isoformat() if version else None,
        "version_status": version.status if version else None,
        "applicant": row.applicant,
        "file": version.file if version else None,
        "format": version.format if version else None,
        "fields": version.fields if version else {},
        "problems": version.problems if version else [],
        "sources": version.sources if version else {},
        "assigned_to": row.assigned_to,
        "decision": row.decision,
        "decision_reason": row.decision_reason,
    }


ZoneOf = Callable[[str | None], ZoneInfo]
"""The time zone of an office's bids (its configured zone), by the office's id."""

_UTC = ZoneInfo("UTC")


def local_time(iso: str, zone: ZoneInfo) -> str:
    """A stored time as the office reads it, with its zone written: "15 Apr 2027 16:00 BST"."""
    moment = datetime.fromisoformat(iso).astimezone(zone)
    return f"{moment.day} {moment:%b %Y %H:%M} {moment.tzname()}"


def bids_table(
    bids: list[dict[str, Any]], *, filtered: bool = False, zone_of: ZoneOf | None = None
) -> str:
    """A plain table for the terminal; ``filtered`` when ``--fund`` or ``--status`` chose.
    Times are in each bid's office's zone (``zone_of``), with the zone written."""
    if not bids:
        return "No bids match." if filtered else "No bids stored yet."
    zone = zone_of or (lambda _office: _UTC)
    header = ("REF", "V", "FUND", "STATUS", "RECEIVED", "AMOUNT", "ORGANISATION", "PROBLEMS")
    rows = [
        (
            b["ref"],
            str(b["version"]),
            b["fund"] or "-",
            b["status"],
            local_time(b["received_at"], zone(b.get("office"))),
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


WIDTH = 100
"""Columns ``intake show`` wraps answers to."""
WORDED_EVENTS = frozenset({"correspondence", "claim", "replied"})
"""Events that keep words someone wrote (``data["text"]``): shown whole by ``show``."""
BRIEF = 100
"""Characters of an answer ``intake show --brief`` shows."""


def bid_text(
    bid: dict[str, Any],
    *,
    zone: ZoneInfo | None = None,
    brief: bool = False,
    round_name: str | None = None,
    problems: list[str] | None = None,
) -> str:
    """One bid for reading in a terminal: times in the office's ``zone`` with the zone
    written, every answer whole (wrapped, its line breaks kept) unless ``brief``.
    ``round_name`` is the round as the card names it (else the stored round's id);
    ``problems`` the problems as the card words them, each under its question
    (:func:`intake.bids.problem_words.problem_texts`; else their messages)."""
    zone = zone or _UTC
    shown = bid.get("shown_version") or bid["version"]
    received = bid.get("version_received_at") or bid["received_at"]
    status = bid.get("version_status") or bid["status"]
    title = (
        f"{bid['ref']} (version {shown} of {bid['version']})"
        if shown != bid["version"]
        else (f"{bid['ref']} (version {shown})")
    )
    lines = [
        f"{title}: {status}",
        f"Fund: {bid['fund'] or '-'}   Round: {round_name or bid['round'] or '-'}   "
        f"Received: {local_time(received, zone)}",
        f"From: {bid['applicant'] or '-'}   File: {bid['file'] or '-'}",
    ]
    if len(bid.get("versions") or ()) > 1:
        lines.append(
            "Versions: "
            + "; ".join(
                f"{v['version']} received {local_time(v['received_at'], zone)} ({v['status']})"
                for v in bid["versions"]
            )
        )
    lines += ["", "Problems:" if bid["problems"] else "Problems: none"]
    words = problems if problems is not None else [p["message"] for p in bid["problems"]]
    lines += [f"  - [{p['code']}] {said}" for p, said in zip(bid["problems"], words, strict=True)]
    lines += ["", "Answers:"]
    for field, value in bid["fields"].items():
        text = "\n".join(value) if isinstance(value, list) else str(value)
        if brief:
            flat = " ".join(text.split())
            lines.append(f"  {field}: {flat if len(flat) <= BRIEF else flat[: BRIEF - 3] + '...'}")
            continue
        lines.append(f"  {field}:")
        for paragraph in text.splitlines() or [""]:
            lines += textwrap.wrap(
                paragraph, WIDTH, initial_indent="    ", subsequent_indent="    "
            ) or ["    "]
    if bid.get("history"):
        lines += ["", "History:"]
        for e in bid["history"]:
            lines.append(
                f"  {local_time(e['at'], zone)}  "
                + (f"{e.get('by') or e['actor']} " if e["kind"] in OFFICER_EVENTS else "")
                + e["text"]
            )
            body = str(e.get("body") or "")
            if body and ("\n" in body.strip() or " ".join(body.split()) not in e["text"]):
                # Shortened or folded in the line: the words whole beneath it, line breaks kept.
                lines += _wrapped(body, indent=" " * 6)
    return "\n".join(lines)


def _wrapped(text: str, *, indent: str) -> list[str]:
    """``text`` wrapped to :data:`WIDTH`, each of its own lines apart."""
    out: list[str] = []
    for paragraph in text.splitlines() or [""]:
        out += textwrap.wrap(paragraph, WIDTH, initial_indent=indent, subsequent_indent=indent) or [
            indent
        ]
    return out
