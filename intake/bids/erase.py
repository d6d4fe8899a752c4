"""Erasing an applicant's data everywhere the service keeps it (``intake erase``).

The database rows go through :mod:`intake.store.erasure`; then the files they
named: each message's file in the spool and each acknowledgement in the
outbox folder, and their mail set aside in the accept journal; then each of the
bids' Slack cards is replaced (``chat.update``) by a card that says only that
the bid was erased, and the lines we posted in the cards' threads (and the
cards of their mail that made no bid) are deleted (``chat.delete``). What
remains is the erasure's record (references and counts).

It is safe while the service runs: the database's part waits for any worker
running a job about the bids (:func:`intake.store.erasure.erase`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.inbox.journal import Journal
from intake.slack.tokens import SlackWorkspaces
from intake.store import erasure
from notifier.errors import SlackError
from notifier.mailer import Outbox

log = logging.getLogger("intake.erase")


@dataclass(frozen=True, slots=True)
class ErasureReport:
    """What was erased: the bids' references, the rows and files, the Slack cards."""

    refs: list[str]
    counts: dict[str, int]
    files: int
    cards_redacted: int = 0
    cards_left: list[tuple[str, str, str]] = field(default_factory=list)
    """``(channel, ts, why)`` of cards (or lines) that could not be redacted or deleted:
    for an officer to delete."""
    lines_deleted: int = 0
    """Other messages we had posted about them (lines in the cards' threads, enquiry
    cards), deleted."""
    held: int = 0
    """Mail of theirs that was set aside in the accept journal (``intake held``), removed."""


AT_REQUEST = "erased at the applicant's request"
BY_RETENTION = "erased: the office's retention period ended"


def redacted_card(ref: str, why: str = AT_REQUEST) -> dict[str, Any]:
    """What a card of an erased bid becomes: its reference, and nothing of the applicant."""
    words = f"{ref}: {why}."
    return {
        "text": words,
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": words}}],
    }


async def erase_person(
    engine: AsyncEngine,
    data_dir: Path,
    *,
    applicant: str | None,
    ref: str | None,
    office: str | None,
    actor: str,
    at: datetime,
    slack: SlackWorkspaces | None = None,
) -> ErasureReport:
    """Erase ``applicant``'s bids and mail (or the bid ``ref``), their files and cards.

    Without ``slack`` (no workspace configured) cards are printed on the
    console only, so there are none to redact.
    """
    erased = await erasure.erase(
        engine, applicant=applicant, ref=ref, office=office, actor=actor, at=at
    )
    return await finish_erasure(erased, data_dir, slack=slack, actor=actor, why=AT_REQUEST)


async def finish_erasure(
    erased: erasure.Erased,
    data_dir: Path,
    *,
    slack: SlackWorkspaces | None,
    actor: str,
    why: str,
) -> ErasureReport:
    """After the rows of an erasure: delete the files they named (spool, outbox),
    redact the bids' Slack cards (saying ``why``) and log the audit line."""
    spool = data_dir / "spool"
    outbox = Outbox(data_dir / "outbox")
    held = _erase_held(data_dir, erased.addresses)
    paths = [spool / name for name in [*erased.spool_names, *held]]
    paths += [outbox.path_for(message_id) for message_id in erased.sent_message_ids]
    files = remove_files(data_dir, paths)
    redacted, left = await _redact_cards(slack, erased.slack_cards, why)
    deleted, not_deleted = await _delete_lines(slack, erased.slack_lines)
    left += not_deleted
    # The audit line: references and counts, never the address.
    log.info(
        "%s: %d bids (%s), %s, %d files, %d Slack cards, %d Slack lines, %d held mails, by %s",
        why,
        len(erased.refs),
        ", ".join(erased.refs) or "none",
        ", ".join(f"{n} {name}" for name, n in erased.counts.items() if n),
        files,
        redacted,
        deleted,
        len(held),
        actor,
    )
    return ErasureReport(
        refs=erased.refs,
        counts=erased.counts,
        files=files,
        cards_redacted=redacted,
        cards_left=left,
        lines_deleted=deleted,
        held=len(held),
    )


def _erase_held(data_dir: Path, addresses: set[str]) -> list[str]:
    """Their mail set aside in the accept journal: removed; returns its spool files."""
    folder = data_dir / "journal"
    if not addresses or not folder.is_dir():
        return []
    return Journal(folder).erase_held(addresses)


async def _delete_lines(
    slack: SlackWorkspaces | None, lines: list[tuple[str, str, str]]
) -> tuple[int, list[tuple[str, str, str]]]:
    deleted, left = 0, []
    for office, channel, ts in lines:
        try:
            poster = await slack.poster_for(office) if slack is not None else None
            if poster is None:
                left.append((channel, ts, "no Slack token for its workspace here"))
                continue
            await poster.delete(channel, ts)
            deleted += 1
        except SlackError as exc:
            left.append((channel, ts, exc.message))
    return deleted, left


def remove_files(data_dir: Path, paths: list[Path]) -> int:
    """Delete the files ``paths`` that are inside ``data_dir``; how many there were."""
    files = 0
    for path in paths:
        if path.resolve().is_relative_to(data_dir.resolve()) and path.is_file():
            path.unlink()
            files += 1
    return files


async def _redact_cards(
    slack: SlackWorkspaces | None, cards: list[tuple[str, str, str, str]], why: str
) -> tuple[int, list[tuple[str, str, str]]]:
    redacted, left = 0, []
    for office, ref, channel, ts in cards:
        try:
            poster = await slack.poster_for(office) if slack is not None else None
            if poster is None:
                left.append((channel, ts, "no Slack token for its workspace here"))
                continue
            await poster.update(channel, ts, redacted_card(ref, why))
            redacted += 1
        except SlackError as exc:
            left.append((channel, ts, exc.message))
    return redacted, left
