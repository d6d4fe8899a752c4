"""Erasing an applicant's data everywhere the service keeps it (``intake erase``).

The database rows go through :mod:`intake.store.erasure`; then the files they
named: each message's file in the spool and each acknowledgement in the
outbox folder. What remains is the erasure's record (references and counts).
Slack cards are in the office's workspace: their ``channel``/``ts`` are
returned for the officer to delete there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import erasure
from notifier.mailer import Outbox

log = logging.getLogger("intake.erase")


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was erased: the bids' references, the rows and files, the cards left in Slack."""

    refs: list[str]
    counts: dict[str, int]
    files: int
    slack_cards: list[tuple[str, str]]


async def erase_person(
    engine: AsyncEngine,
    data_dir: Path,
    *,
    applicant: str | None,
    ref: str | None,
    office: str | None,
    actor: str,
    at: datetime,
) -> ErasureReport:
    """Erase ``applicant``'s bids and mail (or the bid ``ref``) and their files."""
    erased = await erasure.erase(
        engine, applicant=applicant, ref=ref, office=office, actor=actor, at=at
    )
    spool = data_dir / "spool"
    outbox = Outbox(data_dir / "outbox")
    paths = [spool / name for name in erased.spool_names]
    paths += [outbox.path_for(message_id) for message_id in erased.sent_message_ids]
    files = 0
    for path in paths:
        if path.resolve().is_relative_to(data_dir.resolve()) and path.is_file():
            path.unlink()
            files += 1
    # The audit line: references and counts, never the address.
    log.info(
        "erased %d bids (%s), %s, %d files, by %s",
        len(erased.refs),
        ", ".join(erased.refs) or "none",
        ", ".join(f"{n} {name}" for name, n in erased.counts.items() if n),
        files,
        actor,
    )
    return ErasureReport(
        refs=erased.refs, counts=erased.counts, files=files, slack_cards=erased.slack_cards
    )
