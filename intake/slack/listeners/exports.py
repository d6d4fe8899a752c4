"""``/intake export FUND``: the fund's panel pack (XLSX) uploaded to the channel.

Slack wants the command acknowledged within three seconds, and a workbook of a
few hundred bids takes longer, so the answer comes in three steps: the
acknowledgement at once ("on its way"), the workbook built in a thread of its
own with its own database connection (the service's event loop keeps serving
mail and clicks meanwhile), then the file uploaded to the channel as slack_sdk's
``files_upload_v2`` does it (``files.getUploadURLExternal``, the bytes, then
``files.completeUploadExternal``). A thread, not a process: 1,000 bids take
about 7.5 s to write, during which the thread and the loop share the GIL, which
a rare officer's command can afford; a process would cost a second of start-up
and a second copy of the configuration and settings. Like ``open`` and ``show``, it works only in
the channel the fund's cards go to: the people who see the cards may have the pack.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Collection
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from intake.bids.export import Group, Sink, export_bids
from intake.config.model import Config
from intake.slack.channels import channel_for
from intake.slack.listeners.context import ListenerContext, ephemeral, in_ack, officer_of
from notifier.escape import escape_mrkdwn
from notifier.listings import help_message, notice
from notifier.text import one_line


async def export_command(
    runtime: ListenerContext,
    *,
    ack: AsyncAck,
    respond: AsyncRespond,
    client: AsyncWebClient,
    command: dict[str, Any],
    fund_id: str,
    funds_here: Collection[str],
    offices: Collection[str],
) -> None:
    """Answer ``/intake export FUND`` typed in a channel that sees ``funds_here``."""
    config = runtime.config
    fund_id = fund_id.strip().lower()
    theirs = {f.id: f for f in config.funds if f.office in offices}
    if not fund_id:
        await ack(**in_ack(help_message("Give the fund: `/intake export FUND`.")))
        return
    if fund_id not in theirs:
        known = ", ".join(f"`{f}`" for f in theirs) or "none"
        shown = escape_mrkdwn(one_line(fund_id))[:40]
        await ack(**in_ack(help_message(f"There is no fund “{shown}” here (funds: {known}).")))
        return
    fund = theirs[fund_id]
    if fund_id not in funds_here:
        where = channel_for(config, office=fund.office, fund=fund.id)
        await ack(**in_ack(help_message(f"Run it in {where}, where {fund.name}'s cards go.")))
        return
    await ack(**in_ack(notice(f"Building the panel pack of {escape_mrkdwn(fund.name)}…")))
    now = runtime.clock.now()
    url = runtime.engine.url.render_as_string(hide_password=False)
    try:
        data, count = await asyncio.to_thread(_workbook, url, config, fund.office, fund.id, now)
        stamp = now.astimezone(config.office(fund.office).tz)
        await client.files_upload_v2(
            channel=str(command.get("channel_id") or ""),
            filename=f"{fund.id}-panel-pack-{stamp:%Y-%m-%d}.xlsx",
            content=data,
            title=f"{fund.name}: panel pack, {stamp:%d %B %Y}",
            initial_comment=(
                f"Panel pack of {escape_mrkdwn(fund.name)}: {count} bid{'s' if count != 1 else ''}"
                f", for <@{officer_of(command).id}>."
            ),
        )
    except Exception:
        runtime.log.exception("/intake export %s failed", fund.id)
        await respond(
            **ephemeral(notice("The panel pack could not be made or uploaded; please try again."))
        )


def _workbook(
    url: str, config: Config, office_id: str, fund: str, now: datetime
) -> tuple[bytes, int]:
    """The fund's XLSX and its number of bids, made in this (worker) thread's own loop."""
    # Here, not at the top: the service need not carry the workbook writer
    # through every burst for a rare command.
    from intake.bids.export_xlsx import XlsxPack

    target = io.BytesIO()
    office = config.office(office_id)

    def sinks(groups: list[Group]) -> list[Sink]:
        return [XlsxPack(config, office, groups, target, exported_at=now)]

    count = asyncio.run(export_bids(url, config, office=office_id, fund=fund, open_sinks=sinks))
    return target.getvalue(), count
