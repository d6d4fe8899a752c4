"""Answers to the ``/intake`` slash command: lists of bids and deadlines, help.

Pure functions from the notifier's own types to a message payload
(``{"text": …, "blocks": […]}``), sent back to the officer alone (ephemeral).
Lists are cut to Slack's limits with a pointer to the full list.
"""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from notifier.cards import STATUS_EMOJI, mention
from notifier.escape import escape_mrkdwn, truncate
from notifier.model import BidLine, DeadlineLine, RankingLine
from notifier.text import one_line
from notifier.wording import STATUS_TITLES, short_time

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_LINE = 400
_RESERVE = 60

Payload = dict[str, object]

HELP = (
    "*/intake open* — bids that need action, grouped by fund\n"
    "*/intake show KENT-2027-0001* — one bid's card, with its buttons\n"
    "*/intake deadlines* — the coming deadlines of every fund\n"
    "*/intake ranking FUND [ROUND]* — the panel's ranking of a fund's bids, against its pot\n"
    "*/intake export FUND* — the fund's panel pack (XLSX), uploaded here\n"
    "*/intake letters FUND [ROUND]* — a closed round's award and regret letters, "
    "from the awards on the cards, to review and send\n"
    "*/intake published FUND* — the fund's awards as published: organisation, "
    "short description, value\n"
    "*/intake distribution FUND* — the fund's awards by area and by priority\n"
    "*/intake help* — this list"
)


def help_message(problem: str | None = None) -> Payload:
    """What the command does; ``problem`` (our own words) says what was wrong first."""
    text = f"{problem}\n\n{HELP}" if problem else HELP
    return {"text": "How to use /intake", "blocks": [_section(text)]}


def open_bids_message(groups: Sequence[tuple[str, Sequence[BidLine]]]) -> Payload:
    """Bids needing action, one heading per fund, oldest first within a fund."""
    total = sum(len(bids) for _, bids in groups)
    if total == 0:
        return {
            "text": "No bids need action.",
            "blocks": [_section(":tada: No bids need action: every bid has a decision.")],
        }
    intro = f"*{total} bid{'s' if total != 1 else ''} need{'' if total != 1 else 's'} action*"
    blocks: list[dict[str, object]] = [_section(intro)]
    hidden = 0
    for fund, bids in groups:
        heading = f"*{escape_mrkdwn(one_line(fund))}* ({len(bids)})"
        lines = [heading, *(_bid_line(bid) for bid in bids)]
        for text, shown in _packed(lines):
            if len(blocks) >= MAX_BLOCKS - 1:
                hidden += shown
                continue
            blocks.append(_section(text))
    if hidden:
        blocks.append(_section(f"… and {hidden} more: `intake bids` lists them all."))
    return {"text": f"{total} bids need action", "blocks": blocks}


def deadlines_message(deadlines: Sequence[DeadlineLine], *, limit: int = 20) -> Payload:
    """The coming deadlines, soonest first."""
    if not deadlines:
        return {
            "text": "No coming deadlines.",
            "blocks": [_section("No coming deadlines in the configuration.")],
        }
    lines = ["*Coming deadlines*"]
    for deadline in deadlines[:limit]:
        when = short_time(deadline.at, ZoneInfo(deadline.timezone))
        lines.append(f"• {when} — {escape_mrkdwn(one_line(deadline.text))}")
    if len(deadlines) > limit:
        lines.append(f"… and {len(deadlines) - limit} more: `intake deadlines` lists them all.")
    texts = [text for text, _ in _packed(lines)][:MAX_BLOCKS]
    return {
        "text": f"{len(deadlines)} coming deadlines",
        "blocks": [_section(text) for text in texts],
    }


def ranking_message(
    *,
    fund: str,
    period: str,
    budget: str | None,
    requested: str,
    lines: Sequence[RankingLine],
    left: str | None = None,
) -> Payload:
    """A fund's ranking: highest score first, each with the running total of requests,
    the budget line drawn where the running total passes the pot; then the unscored."""
    title = f"Ranking · {one_line(fund)} · {one_line(period)}"
    head = f"*{escape_mrkdwn(title)}*"
    head += f"\nPot {budget}" if budget else "\nNo pot configured for this fund"
    head += f" · {len(lines)} bid{'s' if len(lines) != 1 else ''} asking {requested} in all"
    if left is not None:
        head += f" ({left} left)"
    if not lines:
        return {"text": title, "blocks": [_section(head + "\n\nNo bids to rank yet.")]}
    texts = [head]
    crossed = unscored = False
    for line in lines:
        if line.rank is None and not unscored:
            texts.append("*Not scored yet*")
            unscored = True
        elif line.within_budget is False and not crossed:
            texts.append(f"── the pot of {budget} is spent: the bids below do not fit ──")
            crossed = True
        texts.append(_ranking_line(line))
    packed = [text for text, _ in _packed(texts)]
    blocks = [_section(text) for text in packed[: MAX_BLOCKS - 1]]
    if len(packed) > MAX_BLOCKS - 1:
        blocks.append(_section("… and more: `intake ranking` lists them all."))
    return {"text": title, "blocks": blocks}


def _ranking_line(line: RankingLine) -> str:
    organisation = one_line(line.organisation or "") or "Organisation not given"
    place = f"{line.rank}." if line.rank is not None else "–"
    words = f"• {place} *{line.ref}* {truncate(escape_mrkdwn(organisation), 120)}"
    words += f" — {line.requested or 'no amount'}"
    if line.rank is None:
        return truncate(words, MAX_LINE)
    words += f" · score {line.score}"
    plural = "s" if line.scorers != 1 else ""
    words += " (moderated)" if line.moderated else f" ({line.scorers} scorer{plural})"
    if line.disagree:
        words += " :warning: scorers disagree"
    if line.running_total:
        words += f" · running total {line.running_total}"
        if line.within_budget is not None:
            words += " :white_check_mark:" if line.within_budget else " :x:"
    return truncate(words, MAX_LINE)


def notice(words: str) -> Payload:
    """A short answer in our own words (already safe mrkdwn), such as why an action failed."""
    return {"text": truncate(words, 4000), "blocks": [_section(words)]}


def not_found_message(ref: str) -> Payload:
    """``/intake show`` of a reference we do not know."""
    shown = escape_mrkdwn(one_line(ref))[:64]
    return {
        "text": f"No bid {shown}",
        "blocks": [_section(f"No bid has the reference *{shown}*. Try `/intake open`.")],
    }


def _bid_line(bid: BidLine) -> str:
    organisation = one_line(bid.organisation or "") or "Organisation not given"
    words = f"{organisation}: {one_line(bid.project)}" if bid.project else organisation
    status = f"{STATUS_EMOJI[bid.status]} {STATUS_TITLES[bid.status]}"
    if bid.problems:
        status += f", {bid.problems} problem{'s' if bid.problems != 1 else ''}"
    if bid.to_check:
        # An answer the reader could not place is the officer's to check on the
        # form, not a problem of the applicant's (it is never called missing).
        status += f", {bid.to_check} to check on the form"
    line = f"• *{bid.ref}* {truncate(escape_mrkdwn(words), 200)} — {status}"
    line += f" · received {short_time(bid.received_at, ZoneInfo(bid.timezone))}"
    if bid.assigned_to:
        line += f" · {mention(bid.assigned_to)}"
    else:
        line += " · unassigned"
    return truncate(line, MAX_LINE)


def _packed(lines: list[str]) -> list[tuple[str, int]]:
    """Lines joined into section texts under Slack's limit; each with how many bids it shows."""
    out: list[tuple[list[str], int]] = [([], 0)]
    size = 0
    for line in lines:
        current, count = out[-1]
        if current and size + 1 + len(line) > MAX_SECTION_TEXT - _RESERVE:
            out.append(([], 0))
            size = 0
            current, count = out[-1]
        current.append(line)
        out[-1] = (current, count + (1 if line.startswith("• ") else 0))
        size += 1 + len(line)
    return [("\n".join(lines_), count) for lines_, count in out if lines_]


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
