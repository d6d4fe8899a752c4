"""Award and regret letters: drafted from the office's templates once a round has
closed, reviewed by officers in Slack, and mailed, once each, on an officer's click.

1. :func:`draft_round` (``intake letters --fund F --award REF[=AMOUNT]…``): every
   bid of the round gets a letter: an award to the bids named (with the amount
   named, else the amount requested), a regret to the rest (bids an officer
   marked withdrawn get none). ``--preview`` prints them and keeps nothing;
   otherwise the drafts are kept (a bid's earlier draft replaced, a letter
   already sent kept) and a ``round_mail`` job of ``review`` posts them.
2. :func:`post_review`: the drafts in the fund's channel, each with its text and
   a "Send" button, and a "Send all" for the post's letters.
3. :func:`queue_sending`: an officer's click marks the letter as to be sent (once:
   a second click finds it marked) and queues a :class:`~intake.jobs.kinds.LetterJob`.
4. :func:`mail_letter`: the job mails it, records it in the outbox under its
   key (a retry finds it sent), marks it sent and puts it on the bid's history.

Letters may be made once the round has closed: the officers' panel decides after
the close, and the letters are due by the round's ``decisions_due`` day.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.bids.outgoing import our_domain, send_then_record, sent_row, thread_salt
from intake.clock import Clock
from intake.config.model import Config, Fund, Round
from intake.errors import NotFound, UsageError
from intake.jobs.kinds import CardJob, LetterJob, RoundMailJob
from intake.jobs.waker import EFFECTS, Waker
from intake.rules.references import our_message_id
from intake.slack.channels import channel_for, office_place
from intake.slack.posts import PostingContext, post_once
from intake.store import bids, letters, outbox
from intake.store.engine import reading
from intake.store.letters import Draft, Letter
from intake.store.queue import enqueue
from notifier.letters import DEFAULTS, LetterText, fill, letter_mail, review_messages
from notifier.mailer import Mailer
from notifier.wording import long_date, money

WITHDRAWN = "withdrawn"
"""An officer's ruling that takes a bid out of the round: it gets no letter."""
AWARDED = "awarded"
"""The ruling of a bid awarded from its card (:mod:`intake.bids.awards`): an award letter."""


class LettersContext(PostingContext, Protocol):
    """What making, reviewing and sending letters needs of the service."""

    mailer: Mailer
    mail_domain: str
    waker: Waker
    sending: asyncio.Lock

    def card_chain(self, *, office: str, fund: str | None) -> str: ...


class DraftingContext(Protocol):
    """What drafting letters needs (the CLI has no Slack and no mailer)."""

    config: Config
    engine: AsyncEngine
    clock: Clock
    log: logging.Logger


@dataclass(frozen=True, slots=True)
class Drafted:
    """A round's letters as drafted, with their bids' references."""

    fund: Fund
    round: Round
    letters: list[tuple[str, Draft]]


def closed_round(config: Config, fund_id: str, round_id: str | None, now: datetime) -> Round:
    """The round letters are for: ``round_id``, else the last that has closed by ``now``."""
    try:
        fund = config.fund(fund_id)
    except KeyError:
        known = ", ".join(f.id for f in config.funds)
        raise UsageError(f"there is no fund '{fund_id}' (known funds: {known})") from None
    zone = config.office(fund.office).tz
    closed = [r for r in fund.rounds if r.closes_at(zone) <= now]
    if round_id is None:
        if not closed:
            raise UsageError(
                f"no round of {fund.id} has closed yet: letters are made after the close"
            )
        return max(closed, key=lambda r: r.closes)
    found = next((r for r in fund.rounds if r.id == round_id), None)
    if found is None:
        known = ", ".join(r.id for r in fund.rounds) or "none"
        raise UsageError(f"{fund.id} has no round '{round_id}' (its rounds: {known})")
    if found not in closed:
        raise UsageError(
            f"{fund.id} round {found.id} closes on {found.closes:%d %B %Y}: "
            "letters are made after the close"
        )
    return found


def parse_awards(given: Collection[str]) -> dict[str, str | None]:
    """``REF`` or ``REF=AMOUNT`` items: the bids awarded, with the amount when it is not
    the one requested."""
    awards: dict[str, str | None] = {}
    for item in given:
        ref, _, amount = item.partition("=")
        ref = ref.strip().upper()
        if not ref:
            raise UsageError(f"--award {item!r}: give the bid's reference, e.g. KENT-2027-0001")
        if amount.strip():
            try:
                value = Decimal(amount.strip().replace(",", "").lstrip("£"))
            except InvalidOperation:
                raise UsageError(f"--award {item!r}: {amount!r} is not an amount") from None
            if value <= 0 or not value.is_finite():
                raise UsageError(f"--award {item!r}: the amount must be above zero")
            awards[ref] = f"{value:.2f}"
        else:
            awards[ref] = None
    return awards


async def draft_round(
    ctx: DraftingContext,
    *,
    fund_id: str,
    round_id: str | None,
    awards: Mapping[str, str | None],
) -> Drafted:
    """Every letter of a closed round, as the templates make them (nothing kept)."""
    config = ctx.config
    round_ = closed_round(config, fund_id, round_id, ctx.clock.now())
    fund = config.fund(fund_id)
    office = config.office(fund.office)
    templates = (
        {"award": office.letters.award, "regret": office.letters.regret}
        if office.letters
        else DEFAULTS
    )
    async with reading(ctx.engine) as connection:
        found = await bids.bids_with_versions(connection, fund=fund.id, round=round_.id)
    in_round = [
        (bid, version)
        for bid, version in found
        if bid.decision != WITHDRAWN and version is not None
    ]
    refs = {bid.ref for bid, _ in in_round}
    strangers = sorted(set(awards) - refs)
    if strangers:
        raise UsageError(f"{strangers[0]} is not a bid of {fund.id} round {round_.id}")
    monitoring = (
        long_date(datetime.combine(round_.monitoring_due, time(12), tzinfo=office.tz), office.tz)
        if round_.monitoring_due
        else "the date we give you"
    )
    drafted: list[tuple[str, Draft]] = []
    for bid, version in in_round:
        assert version is not None
        fields: dict[str, Any] = version.fields or {}
        to = (version.mail or {}).get("reply_address") or bid.applicant or ""
        if "@" not in to:
            ctx.log.warning("%s: no address to send a letter to", bid.ref)
            continue
        # Awarded from the card (the Award button: decision and amount on the bid) or
        # named here; a named amount overrides, else the award's, else the request.
        awarded = bid.ref in awards or bid.decision == AWARDED
        kind = "award" if awarded else "regret"
        amount = (
            (awards.get(bid.ref) or bid.award_amount or bid.amount_requested) if awarded else None
        )
        text = fill(
            templates[kind],
            {
                "contact_name": fields.get("contact_name") or "applicant",
                "organisation": bid.organisation or fields.get("organisation_name") or "",
                "project": bid.project or fields.get("project_name") or "your project",
                "ref": bid.ref,
                "fund": fund.name,
                "round": round_.name,
                "office": office.name,
                "amount": money(amount) or "",
                "amount_requested": money(bid.amount_requested) or "",
                "monitoring_due": monitoring,
            },
        )
        draft = Draft(
            bid_id=bid.id,
            fund=fund.id,
            round=round_.id,
            kind=kind,
            amount=amount,
            to_addr=to,
            subject=text.subject,
            body=text.body,
        )
        drafted.append((bid.ref, draft))
    return Drafted(fund=fund, round=round_, letters=drafted)


async def keep_drafts(ctx: DraftingContext, drafted: Drafted, *, by: str) -> str:
    """Keep the drafts and queue their review post; returns the review job's key."""
    now = ctx.clock.now()
    review = RoundMailJob("review", drafted.fund.id, drafted.round.id, due=f"{now:%Y%m%dT%H%M%S}")
    async with ctx.engine.begin() as connection:
        await letters.save_drafts(connection, [d for _, d in drafted.letters], at=now, by=by)
        await enqueue(connection, review)
    return review.key


async def post_review(ctx: LettersContext, job: RoundMailJob) -> None:
    """The ``round_mail`` job of ``review``: the round's unsent letters, for officers to send."""
    fund = ctx.config.fund(job.fund)
    round_ = next(r for r in fund.rounds if r.id == job.round)
    async with reading(ctx.engine) as connection:
        waiting = [
            (letter, await bids.bid_by_id(connection, letter.bid_id))
            for letter in await letters.round_letters(connection, fund=fund.id, round=round_.id)
            if letter.send_by is None
        ]
    if not waiting:
        return
    messages = review_messages(
        fund_name=fund.name,
        round_name=round_.name,
        letters=[(bid.ref, _line(letter)) for letter, bid in waiting],
    )
    slack = await ctx.slack.poster_for(fund.office)
    channel = channel_for(ctx.config, office=fund.office, fund=fund.id)
    for number, payload in enumerate(messages):
        if slack is None:
            print("── Letters to review ".ljust(78, "─") + "\n" + payload["text"], flush=True)
            continue
        await post_once(
            ctx,
            slack,
            key=f"{job.key}:{number}",
            channel=channel,
            place=office_place(ctx.config, office=fund.office, channel=channel),
            payload=payload,
        )


def _line(letter: Letter) -> dict[str, Any]:
    return {
        "id": letter.id,
        "kind": letter.kind,
        "amount": money(letter.amount),
        "to": letter.to_addr,
        "subject": letter.subject,
        "body": letter.body,
    }


async def queue_sending(
    ctx: DraftingContext, letter_ids: Collection[int], *, officer: str, offices: Collection[str]
) -> list[str]:
    """An officer's click: queue the letters for mailing; returns the references queued
    (a letter already queued or sent is not queued again). The caller wakes the workers."""
    queued: list[str] = []
    async with ctx.engine.begin() as connection:
        for letter_id in letter_ids:
            letter = await letters.letter(connection, letter_id)
            if letter is None:
                continue
            bid = await bids.bid_by_id(connection, letter.bid_id)
            if bid.office not in offices:
                raise NotFound(str(letter_id))
            if await letters.mark_to_send(connection, letter.id, by=officer):
                await enqueue(connection, LetterJob(letter=letter.id, bid=bid.id))
                queued.append(bid.ref)
    return queued


async def round_letter_ids(ctx: DraftingContext, *, fund: str, round: str) -> list[int]:
    """The round's letters not yet queued for sending."""
    async with reading(ctx.engine) as connection:
        found = await letters.round_letters(connection, fund=fund, round=round)
    return [letter.id for letter in found if letter.send_by is None]


async def mail_letter(ctx: LettersContext, job: LetterJob) -> None:
    """The ``letter`` job: mail the letter once, and put it on the bid's history."""
    async with reading(ctx.engine) as connection:
        letter = await letters.letter(connection, job.letter)
        if letter is None or letter.sent_at is not None:
            return
        bid = await bids.bid_by_id(connection, letter.bid_id)
        already = await outbox.was_sent(connection, job.key)
    office = ctx.config.office(bid.office)
    message_id = our_message_id(
        bid.ref,
        bid.version,
        f"letter-{letter.kind}",
        letter.id,
        our_domain(office, ctx.mail_domain),
        salt=thread_salt(bid),
    )
    now = ctx.clock.now()
    mail = letter_mail(
        LetterText(subject=letter.subject, body=letter.body),
        to=letter.to_addr,
        from_addr=office.reply_from,
        message_id=message_id,
        now=now,
    )
    words = "Award letter" if letter.kind == "award" else "Regret letter"
    amount = f" ({money(letter.amount)})" if letter.kind == "award" and letter.amount else ""

    async def record(connection: AsyncConnection) -> None:
        if not already:
            await outbox.record_sent(
                connection,
                sent_row(
                    mail,
                    ctx.mailer,
                    key=job.key,
                    kind=f"letter_{letter.kind}",
                    to=letter.to_addr,
                    message_id=message_id,
                    at=now,
                    office=office.id,
                    bid_id=bid.id,
                ),
            )
        await letters.mark_sent(connection, letter.id, at=now)
        event = await bids.add_event(
            connection,
            bid_id=bid.id,
            at=now,
            actor=letter.send_by or "intake",
            kind="letter_sent",
            text=f"{words}{amount} sent to {letter.to_addr}.",
            data={"letter": letter.id, "kind": letter.kind, "message_id": message_id},
        )
        chain = ctx.card_chain(office=bid.office, fund=bid.fund)
        await enqueue(connection, CardJob.for_event(bid.id, event, chain=chain))

    if already:  # sent before a crash, not yet marked: mark it, send nothing
        async with ctx.engine.begin() as connection:
            await record(connection)
    else:
        await send_then_record(ctx, mail, record)
    ctx.waker.notify(EFFECTS)
