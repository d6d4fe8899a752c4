"""``/intake published FUND`` and ``/intake distribution FUND``: a fund's awards as the
office publishes them, and how they spread across its areas and priorities."""

from __future__ import annotations

from typing import Any

from intake.bids.awards import award_lines, awarded, distribution, share_lines
from intake.slack.listeners.context import ListenerContext
from notifier.awards import distribution_message, published_message
from notifier.escape import escape_mrkdwn
from notifier.listings import notice
from notifier.text import one_line

REPORTS = ("published", "distribution")


async def award_report(
    runtime: ListenerContext, word: str, fund_id: str, funds: list[str]
) -> dict[str, Any]:
    """The report ``word`` names for ``fund_id``, one of the channel's ``funds``."""
    if fund_id not in funds:
        shown = escape_mrkdwn(one_line(fund_id))[:64]
        known = ", ".join(funds)
        return notice(f"No fund “{shown}” here. The funds of this channel: {known}.")
    fund = runtime.config.fund(fund_id)
    found = await awarded(runtime.engine, fund.id)
    if word == "published":
        return published_message(fund.name, award_lines(found))
    report = distribution(runtime.config, fund, found)
    return distribution_message(
        report.fund,
        f"{report.total:.2f}",
        report.awards,
        share_lines(report.by_area),
        share_lines(report.by_priority),
    )
