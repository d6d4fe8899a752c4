"""The ``/intake`` slash command: ``open``, ``show REF``, ``deadlines``, ``ranking FUND``,
``help``.

Answers are ephemeral (only the officer who asked sees them). Slack wants an
acknowledgement within three seconds: help and mistakes are answered in the
acknowledgement itself; the rest is acknowledged at once and answered through
the command's response URL when the database has answered.

Only the offices of the workspace the command was typed in are seen at all
(:mod:`.authorize`). Within them, bids are shown only in the channels the
configuration posts them to, and only the bids of the funds that channel
receives: the people who see the cards are the people who may list them.
Deadlines are listed in any channel of the workspace, its offices' only.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids.panel import panel_of, read_ranking
from intake.config.model import Config
from intake.errors import NotFound, UsageError
from intake.rules.calendar import deadlines
from intake.slack.authorize import offices_of
from intake.slack.channels import area_channels, channel_for
from intake.slack.listeners.award_reports import REPORTS, award_report
from intake.slack.listeners.context import ListenerContext, ephemeral, in_ack
from intake.slack.listeners.exports import export_command
from intake.slack.listeners.letters import LettersListenerContext, letters_command
from intake.slack.scoring import ranking_lines
from intake.slack.summaries import bid_summary
from intake.store.bids import bid_by_ref, bids_with_versions, latest_version
from intake.store.duplicates import duplicates_of
from intake.store.engine import reading
from notifier.cards import mention, triage_card
from notifier.escape import escape_mrkdwn
from notifier.listings import (
    deadlines_message,
    help_message,
    not_found_message,
    open_bids_message,
    ranking_message,
)
from notifier.model import BidLine, DeadlineLine
from notifier.text import one_line

COMMAND = "/intake"
_NOT_HERE = (
    "Bids are listed only in the channels their cards are posted to ({channels}). "
    "Run the command there."
)


def register(app: AsyncApp, runtime: LettersListenerContext) -> None:
    """Add the ``/intake`` listener to ``app``."""

    async def intake_command(
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
        client: AsyncWebClient,
    ) -> None:
        word, _, rest = str(command.get("text") or "").strip().partition(" ")
        word = word.lower()
        if word in ("", "help"):
            await ack(**in_ack(help_message()))
            return
        if word == "export":  # the panel pack, uploaded to the channel (issue 21)
            offices = offices_of(context)
            await export_command(
                runtime,
                ack=ack,
                respond=respond,
                client=client,
                command=command,
                fund_id=rest.strip().split(" ")[0],
                funds_here=funds_seen_in(runtime.config, command, offices) or [],
                offices=offices,
            )
            return
        if word not in ("open", "show", "deadlines", "ranking", "letters", *REPORTS):
            shown = escape_mrkdwn(one_line(word))[:40]
            await ack(**in_ack(help_message(f"I don't know “{shown}”.")))
            return
        if word == "show" and not rest.strip():
            await ack(**in_ack(help_message("Give the bid's reference: `/intake show REF`.")))
            return
        if word in REPORTS and not rest.strip():
            await ack(**in_ack(help_message(f"Give the fund: `/intake {word} FUND`.")))
            return
        offices = offices_of(context)
        funds = funds_seen_in(runtime.config, command, offices)
        if word != "deadlines" and funds is None:
            where = ", ".join(sorted(_channels(runtime.config, offices))) or "none here"
            await ack(**in_ack(help_message(_NOT_HERE.format(channels=where))))
            return
        await ack()
        try:
            if word == "open":
                payload = await open_bids(runtime, funds or [])
            elif word == "show":
                payload = await show_bid(runtime, rest.strip().split()[0], funds or [])
            elif word == "ranking":
                user = str(command.get("user_id") or "")
                payload = await fund_ranking(runtime, rest.split(), funds or [], user)
            elif word == "letters":
                user = str(command.get("user_id") or "")
                payload = await letters_command(runtime, rest.split(), funds or [], user)
            elif word in REPORTS:
                payload = await award_report(runtime, word, rest.strip().split()[0], funds or [])
            else:
                payload = upcoming_deadlines(runtime, funds, offices)
        except Exception:
            runtime.log.exception("/intake %s failed", word)
            payload = help_message("Something went wrong on our side; please try again shortly.")
        await respond(**ephemeral(payload))

    app.command(COMMAND)(intake_command)


def funds_seen_in(
    config: Config, command: dict[str, Any], offices: Collection[str]
) -> list[str] | None:
    """The funds of ``offices`` whose cards go to the command's channel; None if there are none.

    ``offices`` are those of the command's workspace: another workspace's
    channel of the same name receives nothing of theirs.
    """
    here = {str(command.get("channel_id") or ""), "#" + str(command.get("channel_name") or "")}
    here = {h.lower() for h in here if h not in ("", "#")}
    funds = [
        fund.id
        for fund in config.funds
        if fund.office in offices
        and (
            channel_for(config, office=fund.office, fund=fund.id).lower() in here
            # A local area's channel sees its office's funds (cards go there by area).
            or here & {c.lower() for c in area_channels(config, [fund.office])}
        )
    ]
    return funds or None


async def open_bids(runtime: ListenerContext, funds: list[str]) -> dict[str, Any]:
    """Bids without a decision, grouped by fund in the configuration's order."""
    groups: list[tuple[str, list[BidLine]]] = []
    async with reading(runtime.engine) as connection:
        for fund_id in funds:
            fund = runtime.config.fund(fund_id)
            office = runtime.config.office(fund.office)
            lines = []
            # Only the undecided, through ix_bids_fund_open: the fund's years of
            # decided bids are never read (one query each for their versions was a
            # millisecond a bid).
            for bid, version in await bids_with_versions(connection, fund=fund_id, undecided=True):
                fields = version.fields if version else {}
                problems = version.problems if version else []
                unsure = sum(1 for p in problems if p.get("code") == "unsure")
                lines.append(
                    BidLine(
                        ref=bid.ref,
                        organisation=fields.get("organisation_name"),
                        project=fields.get("project_name"),
                        status=bid.status,
                        problems=len(problems) - unsure,
                        to_check=unsure,
                        received_at=bid.received_at,
                        timezone=office.timezone,
                        assigned_to=bid.assigned_to,
                    )
                )
            if lines:
                groups.append((fund.name, lines))
    return open_bids_message(groups)


async def show_bid(runtime: ListenerContext, ref: str, funds: list[str]) -> dict[str, Any]:
    """One bid's card, with its buttons; only a bid of the channel's funds."""
    async with reading(runtime.engine) as connection:
        try:
            bid = await bid_by_ref(connection, ref)
        except NotFound:
            return not_found_message(ref)
        if bid.fund not in funds:
            return not_found_message(ref)
        version = await latest_version(connection, bid.id)
        repeats = await duplicates_of(connection, bid.id)
        panel = await panel_of(runtime.config, connection, bid)
    if version is None:
        return not_found_message(ref)
    return triage_card(bid_summary(runtime.config, bid, version, duplicates=repeats, panel=panel))


async def fund_ranking(
    runtime: ListenerContext, words: list[str], funds: list[str], user: str
) -> dict[str, Any]:
    """``/intake ranking FUND [ROUND]``: the fund's bids ranked by the panel's scores, with
    the running total against its pot; FUND may be left out where one fund's cards go.

    The ranking combines every scorer's sheets, which a scorer sees only once they
    have sent their own: a fund whose panel names leads shows it to them alone.
    One statement reads the bids and their sheets (:func:`intake.bids.panel.ranking`).
    """
    if not words and len(funds) != 1:
        named = ", ".join(f"`{f}`" for f in funds)
        return help_message(f"Name the fund: `/intake ranking FUND`, one of {named}.")
    fund_id = words[0].lower() if words else funds[0]
    if fund_id not in funds:
        shown = escape_mrkdwn(one_line(fund_id))[:64]
        named = ", ".join(f"`{f}`" for f in funds)
        return help_message(f"No fund “{shown}” has its cards here; here: {named}.")
    leads = runtime.config.fund(fund_id).panel.leads
    if leads and user not in leads:
        return help_message(
            "The ranking combines every scorer's scores: it is shown to the panel's "
            f"lead ({' '.join(mention(lead) for lead in leads)})."
        )
    round_id = words[1] if len(words) > 1 else None
    try:
        found = await read_ranking(
            runtime.config, runtime.engine, fund_id, now=runtime.clock.now(), round_id=round_id
        )
    except UsageError as exc:
        return help_message(escape_mrkdwn(one_line(str(exc)))[:300] + ".")
    return ranking_message(
        fund=found.fund.name,
        period=found.period.label,
        budget=f"£{found.budget:,.2f}" if found.budget is not None else None,
        requested=f"£{found.requested:,.2f}",
        left=_pounds(found.budget - found.requested) if found.budget is not None else None,
        lines=ranking_lines(found),
    )


def _pounds(amount: Decimal) -> str:
    """£1,234.00, and a pot overspent as -£1,234.00."""
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def upcoming_deadlines(
    runtime: ListenerContext, funds: list[str] | None, offices: Collection[str]
) -> dict[str, Any]:
    """The coming deadlines of ``offices``: the channel's funds' in a triage channel, else all."""
    now = runtime.clock.now()
    lines = [
        DeadlineLine(
            at=d.at,
            timezone=runtime.config.office(d.office).timezone,
            text=d.describe(),
        )
        for d in deadlines(runtime.config, since=now)
        if d.office in offices and (funds is None or d.fund.id in funds)
    ]
    return deadlines_message(lines)


def _channels(config: Config, offices: Collection[str]) -> set[str]:
    return {
        channel_for(config, office=f.office, fund=f.id) for f in config.funds if f.office in offices
    } | set(area_channels(config, offices))
