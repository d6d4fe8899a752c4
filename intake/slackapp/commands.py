"""The ``/intake`` slash command: ``open``, ``show REF``, ``deadlines``, ``help``.

Answers are ephemeral (only the officer who asked sees them). Slack wants an
acknowledgement within three seconds: help and mistakes are answered in the
acknowledgement itself; the rest is acknowledged at once and answered through
the command's response URL when the database has answered.

Bids are shown only in the channels the configuration posts them to, and only
the bids of the funds that channel receives: the people who see the cards are
the people who may list them. Deadlines are not private and are listed anywhere.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from intake.calendar import deadlines
from intake.channels import channel_for
from intake.config.model import Config
from intake.errors import NotFound
from intake.runtime import Runtime
from intake.slackapp.context import ephemeral, in_ack
from intake.store import records
from intake.summaries import bid_summary
from notifier.cards import triage_card
from notifier.escape import escape_mrkdwn
from notifier.listings import (
    deadlines_message,
    help_message,
    not_found_message,
    open_bids_message,
)
from notifier.model import BidLine, DeadlineLine
from notifier.text import one_line

COMMAND = "/intake"
_NOT_HERE = (
    "Bids are listed only in the channels their cards are posted to ({channels}). "
    "Run the command there."
)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Add the ``/intake`` listener to ``app``."""

    async def intake_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        word, _, rest = str(command.get("text") or "").strip().partition(" ")
        word = word.lower()
        if word in ("", "help"):
            await ack(**in_ack(help_message()))
            return
        if word not in ("open", "show", "deadlines"):
            shown = escape_mrkdwn(one_line(word))[:40]
            await ack(**in_ack(help_message(f"I don't know “{shown}”.")))
            return
        if word == "show" and not rest.strip():
            await ack(**in_ack(help_message("Give the bid's reference: `/intake show REF`.")))
            return
        funds = funds_seen_in(runtime.config, command)
        if word != "deadlines" and funds is None:
            where = ", ".join(sorted(_channels(runtime.config)))
            await ack(**in_ack(help_message(_NOT_HERE.format(channels=where))))
            return
        await ack()
        try:
            if word == "open":
                payload = await open_bids(runtime, funds or [])
            elif word == "show":
                payload = await show_bid(runtime, rest.strip().split()[0], funds or [])
            else:
                payload = upcoming_deadlines(runtime, funds)
        except Exception:
            runtime.log.exception("/intake %s failed", word)
            payload = help_message("Something went wrong on our side; please try again shortly.")
        await respond(**ephemeral(payload))

    app.command(COMMAND)(intake_command)


def funds_seen_in(config: Config, command: dict[str, Any]) -> list[str] | None:
    """The funds whose cards go to the command's channel; None when it is not such a channel."""
    here = {str(command.get("channel_id") or ""), "#" + str(command.get("channel_name") or "")}
    here = {h.lower() for h in here if h not in ("", "#")}
    funds = [
        fund.id
        for fund in config.funds
        if channel_for(config, office=fund.office, fund=fund.id).lower() in here
    ]
    return funds or None


async def open_bids(runtime: Runtime, funds: list[str]) -> dict[str, Any]:
    """Bids without a decision, grouped by fund in the configuration's order."""
    groups: list[tuple[str, list[BidLine]]] = []
    async with runtime.engine.connect() as connection:
        for fund_id in funds:
            fund = runtime.config.fund(fund_id)
            office = runtime.config.office(fund.office)
            lines = []
            for bid in await records.list_bids(connection, fund=fund_id):
                if bid.decision:
                    continue
                version = await records.latest_version(connection, bid.id)
                fields = version.fields if version else {}
                lines.append(
                    BidLine(
                        ref=bid.ref,
                        organisation=fields.get("organisation_name"),
                        project=fields.get("project_name"),
                        status=bid.status,
                        problems=len(version.problems) if version else 0,
                        received_at=bid.received_at,
                        timezone=office.timezone,
                        assigned_to=bid.assigned_to,
                    )
                )
            if lines:
                groups.append((fund.name, lines))
    return open_bids_message(groups)


async def show_bid(runtime: Runtime, ref: str, funds: list[str]) -> dict[str, Any]:
    """One bid's card, with its buttons; only a bid of the channel's funds."""
    async with runtime.engine.connect() as connection:
        try:
            bid = await records.bid_by_ref(connection, ref)
        except NotFound:
            return not_found_message(ref)
        if bid.fund not in funds:
            return not_found_message(ref)
        version = await records.latest_version(connection, bid.id)
    if version is None:
        return not_found_message(ref)
    return triage_card(bid_summary(runtime.config, bid, version))


def upcoming_deadlines(runtime: Runtime, funds: list[str] | None) -> dict[str, Any]:
    """The coming deadlines, of the channel's funds in a triage channel, else of all."""
    now = runtime.clock.now()
    lines = [
        DeadlineLine(
            at=d.at,
            timezone=runtime.config.office(d.office).timezone,
            text=d.describe(),
        )
        for d in deadlines(runtime.config, since=now)
        if funds is None or d.fund.id in funds
    ]
    return deadlines_message(lines)


def _channels(config: Config) -> set[str]:
    return {channel_for(config, office=f.office, fund=f.id) for f in config.funds}
