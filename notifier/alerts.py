"""Deadline alerts: a round closing soon, closed, decisions and returns falling due.

Pure functions from a :class:`DeadlineAlert` to a ``chat.postMessage`` payload,
and the same alert as plain text for the console. Configuration text (fund and
round names) is escaped like applicant text: a configuration is data too.
"""

from __future__ import annotations

from typing import Any

from notifier.escape import escape_mrkdwn, truncate
from notifier.model import ALERT_WORDS, AlertKind, DeadlineAlert, RoundCounts
from notifier.text import one_line
from notifier.wording import closing_day, deadline_phrase, long_date

MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD = 2000

_EMOJI: dict[AlertKind, str] = {
    "closes_in_7_days": ":calendar:",
    "closes_in_1_day": ":alarm_clock:",
    "closed": ":lock:",
    "decisions_due": ":envelope:",
    "updates_due": ":memo:",
    "monitoring_due": ":bar_chart:",
}

Payload = dict[str, Any]


def deadline_alert(alert: DeadlineAlert) -> Payload:
    """Build the channel message for one alert: a header, what is due, how the bids stand."""
    title = alert_title(alert)
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(escape_mrkdwn(title), MAX_HEADER),
            },
        },
        _section(escape_mrkdwn(_what_is_due(alert))),
    ]
    fields = _count_fields(alert)
    if fields:
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": truncate(f, MAX_FIELD)} for f in fields],
            }
        )
    if alert.kind == "closed" and alert.counts.duplicates:
        blocks.append(_section(escape_mrkdwn(duplicate_list(alert.counts))))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": truncate(
                        escape_mrkdwn(one_line(alert.office_name))
                        + " · `/intake open` lists the bids that need action",
                        MAX_FIELD,
                    ),
                }
            ],
        }
    )
    text = truncate(escape_mrkdwn(f"{title}. {_what_is_due(alert)}"), 4000)
    return {"text": text, "blocks": blocks}


def alert_title(alert: DeadlineAlert) -> str:
    """The alert's heading in plain words (not escaped), true on the day it is sent."""
    fund = one_line(alert.fund_name)
    round_ = one_line(alert.round_name)
    return f"{fund} {round_} {_status(alert)}"


def _days_left(alert: DeadlineAlert) -> int:
    """Whole days from the day the alert is sent to the round's closing day."""
    zone = alert.zone
    last = closing_day(alert.closes_at, zone).date()
    return (last - alert.sent.astimezone(zone).date()).days


def _late(alert: DeadlineAlert) -> bool:
    """Sent on a later day than its moment (the service was down over it)."""
    zone = alert.zone
    return alert.sent.astimezone(zone).date() > alert.due_at.astimezone(zone).date()


def _status(alert: DeadlineAlert) -> str:
    if alert.kind in ("closes_in_7_days", "closes_in_1_day"):
        days = _days_left(alert)
        if days <= 0:
            return "closes today"
        return "closes tomorrow" if days == 1 else f"closes in {days} days"
    if alert.kind in ("decisions_due", "updates_due", "monitoring_due") and _late(alert):
        return ALERT_WORDS[alert.kind].replace(" due", " were due")
    return ALERT_WORDS[alert.kind]


def console_alert(alert: DeadlineAlert) -> str:
    """The alert as plain text, for when Slack is not configured."""
    counts = ", ".join(f"{label.lower()} {value}" for label, value in _counts(alert))
    lines = [f"{alert_title(alert)}", _what_is_due(alert)]
    if counts:
        lines.append(counts)
    if alert.kind == "closed" and alert.counts.duplicates:
        lines.append(duplicate_list(alert.counts))
    return "\n".join(lines)


def _what_is_due(alert: DeadlineAlert) -> str:
    zone = alert.zone
    closes = deadline_phrase(alert.closes_at, zone)
    c = alert.counts
    if alert.kind in ("closes_in_7_days", "closes_in_1_day"):
        reminded = (
            f" {c.reminded} applicant{'s' if c.reminded != 1 else ''} reminded of what is missing."
            if c.reminded
            else ""
        )
        return (
            f"Bids are due {closes}. {_bids(c.received)} received so far, "
            f"{c.incomplete} incomplete and waiting for the applicant.{reminded}"
        )
    if alert.kind == "closed":
        last_day = long_date(closing_day(alert.closes_at, zone), zone)
        apart = (
            f" ({c.distinct} distinct application{'s' if c.distinct != 1 else ''}; "
            f"{len(c.duplicates)} possible duplicate{'s' if len(c.duplicates) != 1 else ''} "
            "listed apart" + (f", {len(c.withdrawn)} withdrawn" if c.withdrawn else "") + ")"
            if c.duplicates
            else ""
        )
        return (
            f"The round closed at the end of {last_day}: "
            f"{_bids(c.received)} received{apart}. Award and regret letters are due by "
            f"{long_date(alert.decisions_due_at, zone)}."
        )
    when = (
        f"were due on {long_date(alert.due_at, zone)}"
        if _late(alert)
        else f"are due today, {long_date(alert.due_at, zone)}"
    )
    if alert.kind == "decisions_due":
        return (
            f"Award and regret letters {when}: "
            f"{_bids(c.undecided)} of {c.received} still without a decision."
        )
    # From the grantees once award letters went out; before, the bids marked eligible.
    owed = f"{c.awarded} grantee{'s' if c.awarded != 1 else ''} (reminded by mail)"
    if not c.awarded:
        owed = f"{_bids(c.eligible)} marked eligible"
    if alert.kind == "updates_due":
        return f"Six-month progress updates {when}, from {owed}."
    return f"Year-end monitoring returns {when}, from {owed}."


def _counts(alert: DeadlineAlert) -> list[tuple[str, int]]:
    c: RoundCounts = alert.counts
    if alert.kind in ("closes_in_7_days", "closes_in_1_day"):
        return [
            ("Received", c.received),
            ("Complete", c.complete),
            ("Incomplete", c.incomplete),
            ("Ineligible", c.ineligible),
            *([("Reminded", c.reminded)] if c.reminded else []),
        ]
    if alert.kind == "closed":
        return [
            ("Received", c.received),
            ("Distinct applications", c.distinct),
            ("Complete", c.complete),
            ("Incomplete", c.incomplete),
            ("Ineligible", c.ineligible),
            ("Unreadable", c.unreadable),
            ("Late so far", c.late),
            *([("Withdrawn", len(c.withdrawn))] if c.withdrawn else []),
            *([("Reminded", c.reminded)] if c.reminded else []),
        ]
    if alert.kind == "decisions_due":
        return [
            ("Eligible", c.eligible),
            ("Not eligible", c.not_eligible),
            ("No decision yet", c.undecided),
        ]
    return [("Marked eligible", c.eligible)]


MAX_LISTED_DUPLICATES = 30
"""Duplicates named in a summary; the rest are counted (the section has a size limit)."""


def duplicate_list(counts: RoundCounts) -> str:
    """The possible duplicates, one a line: "KENT-2027-0003 may repeat KENT-2027-0001 (…)"."""
    gone = set(counts.withdrawn)
    lines = [
        f"{ref} may repeat {earlier} ({one_line(why)})"
        + "".join(f"; {r} withdrawn" for r in (ref, earlier) if r in gone)
        for ref, earlier, why in counts.duplicates[:MAX_LISTED_DUPLICATES]
    ]
    more = len(counts.duplicates) - MAX_LISTED_DUPLICATES
    if more > 0:
        lines.append(f"… and {more} more")
    return "Possible duplicates, counted apart:\n" + "\n".join(lines)


def _count_fields(alert: DeadlineAlert) -> list[str]:
    return [f"*{label}*\n{value}" for label, value in _counts(alert)]


def _bids(count: int) -> str:
    return f"{count} bid{'s' if count != 1 else ''}"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
