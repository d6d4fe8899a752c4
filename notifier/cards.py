"""Block Kit triage cards: what the officers see in Slack for each bid.

Pure functions from a :class:`BidSummary` to a ``chat.postMessage`` payload
(``{"text": …, "blocks": […]}``). Every piece of applicant text is escaped with
:func:`escape_mrkdwn` and cut to Slack's limits here, so a card can never be
refused for its size nor ping a channel. :func:`console_card` renders the same
card as plain text for when Slack is not configured.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from notifier.escape import escape_mrkdwn, truncate
from notifier.model import BidSummary, CheckLine, ProblemLine
from notifier.text import kept_lines, labelled, one_line, shorten
from notifier.withdrawals import withdraw_actions
from notifier.wording import (
    STATUS_TITLES,
    amount_line,
    fund_words,
    money,
    pot_line,
    short_time,
)

# Slack's limits (https://api.slack.com/reference/block-kit/blocks). Block.parse
# checks some of them; the builder respects all of them by construction.
MAX_BLOCKS = 50
MAX_HEADER = 150
MAX_SECTION_TEXT = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_TEXT = 2000
MAX_FALLBACK = 4000

# One problem line stays readable on a card; the whole wording is in the bid itself.
MAX_PROBLEM_LINE = 500
# A console card shows the gist; an officer reads whole answers with `intake show`.
MAX_CONSOLE_VALUE = 600
# Room kept in every problems section for the "… and N more" line.
_MORE_RESERVE = 40

ACTION_ASSIGN = "assign_to_me"
ACTION_REQUEST_INFO = "request_info"
ACTION_ELIGIBLE = "mark_eligible"
ACTION_INELIGIBLE = "mark_ineligible"
ACTION_SCORE = "score"
ACTION_CLAIM_ACCEPT = "claim_accept"
ACTION_CLAIM_REJECT = "claim_reject"
ACTION_REPLY = "reply"
"""Mail the applicant in their thread (:mod:`notifier.replies`)."""

STATUS_EMOJI: dict[str, str] = {
    "complete": ":white_check_mark:",
    "incomplete": ":warning:",
    "ineligible": ":no_entry:",
    "unreadable": ":grey_question:",
}

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,20}")

Payload = dict[str, Any]


def triage_card(bid: BidSummary) -> Payload:
    """Build the Slack message for one bid: fallback ``text`` plus Block Kit ``blocks``.

    The card holds the header (reference and organisation), the key answers as
    fields, every problem in plain words (split over several sections when
    long, cut with "… and N more" past the block limit), the reference in a
    context line and the officer's buttons, each carrying the reference as its
    ``value``. "Request info" appears only when there are problems.
    """
    head: list[dict[str, Any]] = [_header(bid), _section_fields(_summary_fields(bid))]
    progress = _progress_fields(bid)
    if progress:
        head.append(_section_fields(progress))
    tail = [_context(bid), _actions(bid)]
    if bid.to_check or bid.unsure:
        tail.insert(0, _mrkdwn_section(_check_text(bid)))
    if bid.possible_duplicates:
        tail.insert(0, _mrkdwn_section(truncate(escape_mrkdwn(duplicate_words(bid)), 2900)))
        if withdraw := withdraw_actions(bid):
            tail.insert(1, withdraw)
    if bid.other_senders:
        tail.insert(0, _mrkdwn_section(truncate(escape_mrkdwn(sender_words(bid)), 2900)))
    budget = MAX_BLOCKS - len(head) - len(tail)
    problems = [_mrkdwn_section(text) for text in _problem_sections(bid, budget)]
    return {"text": _fallback_text(bid), "blocks": [*head, *problems, *tail]}


def sender_words(bid: BidSummary) -> str:
    """Headers naming another mailbox than the envelope sender, for card and console:
    "Sent by a@x (envelope sender). The mail also says From: b@y; Reply-To: c@z. …"."""
    named = "; ".join(
        f"{header}: {shorten(one_line(address), 200)}" for header, address in bid.other_senders
    )
    sender = shorten(one_line(bid.envelope_sender or "no envelope sender"), 200)
    return (
        f"Sent by {sender} (envelope sender). The mail also says {named}. "
        "Automatic mail goes only to the envelope sender; check before writing to the others."
    )


def duplicate_words(bid: BidSummary) -> str:
    """ "Possible duplicate of KENT-2027-0001 (the same organisation)", for card and console."""
    return "; ".join(f"Possible duplicate of {ref} ({why})" for ref, why in bid.possible_duplicates)


def _check_text(bid: BidSummary) -> str:
    """The answers read with doubt, in one section: an officer confirms them on the form."""
    count = len(bid.to_check) + len(bid.unsure)
    heading = f"*{count} answer{'s' if count != 1 else ''} to check against the form*"
    return _packed(heading, _check_lines(bid), 1)[0]


def _check_lines(bid: BidSummary) -> list[str]:
    """Answers the reader could not place (never told to the applicant), then doubtful ones."""
    return [*map(problem_words, bid.unsure), *map(check_words, bid.to_check)]


def check_words(check: CheckLine) -> str:
    """Word a doubtful answer: “Question”: why it is in doubt."""
    return f"“{one_line(check.question or check.field)}”: {one_line(check.note)}"


def thread_line(text: str, *, by: str | None = None) -> Payload:
    """Build a one-line follow-up for a card's thread ("Version 2 received: 1 problem left").

    ``text`` is escaped like applicant text; ``by``, a Slack user id, is shown
    as a mention in front of it ("@Sam marked it eligible").
    """
    line = escape_mrkdwn(one_line(text))
    who = mention(by) if by else None
    if who:
        line = f"{who} {line}"
    line = truncate(line, MAX_SECTION_TEXT)
    return {"text": line, "blocks": [_mrkdwn_section(line)]}


def claim_line(text: str, *, value: str) -> Payload:
    """A line for a card's thread about another sender's mail naming the bid, with
    the officer's two answers: take it as the bid's next version, or reject it.

    ``value`` names the claim for the buttons (the bid's reference and the mail's id).
    """
    line = truncate(escape_mrkdwn(one_line(text)), MAX_SECTION_TEXT)
    return {
        "text": line,
        "blocks": [
            _mrkdwn_section(line),
            {
                "type": "actions",
                "elements": [
                    _button(ACTION_CLAIM_ACCEPT, "Accept as the next version", value),
                    _button(ACTION_CLAIM_REJECT, "Reject", value, style="danger"),
                ],
            },
        ],
    }


def console_card(bid: BidSummary, *, width: int = 78) -> str:
    """Render the card as plain text for a console: a framed list of fields and problems.

    Used when Slack is not configured. Control characters and terminal escape
    sequences in applicant text are removed, so a crafted answer cannot repaint
    or hide the operator's screen.
    """
    label_width = 14
    inner = max(width - 2, 40)
    value_width = inner - label_width - 2
    title = one_line(f"{bid.ref} · {bid.organisation or 'Organisation not given'}")
    title = textwrap.shorten(title, inner - 6, placeholder="…")
    lines = [f"┌─ {title} " + "─" * max(3, width - len(title) - 4)]

    rows: list[tuple[str, str | None]] = [
        ("Organisation", bid.organisation),
        ("Project", bid.project),
        ("Fund", fund_words(bid)),
        ("Amount", amount_line(bid)),
        ("Total cost", money(bid.total_cost)),
        ("Status", STATUS_TITLES[bid.status]),
        ("Received", short_time(bid.received_at, bid.zone)),
        ("Contact", bid.contact_name),
        ("Attachments", ", ".join(bid.attachments) or None),
    ]
    if bid.pot:
        rows.insert(4, ("Pot", pot_line(bid)))
    if bid.area:
        rows.append(("Area", bid.area))
    if bid.stage:
        rows.append(("Stage", bid.stage))
    if bid.assigned_to:
        rows.append(("Assigned to", bid.assigned_to))
    if bid.decision:
        rows.append(("Decision", bid.decision))
    if bid.scorers:
        rows.append(("Scorers", scorers_words(bid)))
    if bid.score is not None:
        rows.append(("Score", score_words(bid)))
    for label, value in rows:
        shown = shorten(kept_lines(value or ""), MAX_CONSOLE_VALUE) or "not given"
        # Each of the answer's own lines wrapped apart: its line breaks stay.
        wrapped = [w for part in shown.split("\n") for w in textwrap.wrap(part, value_width)]
        wrapped = wrapped or [""]
        lines.append(f"│ {label:<{label_width}}{wrapped[0]}")
        lines.extend(f"│ {'':<{label_width}}{more}" for more in wrapped[1:])

    lines.append("│")
    if bid.possible_duplicates:
        lines += [f"│ {line}" for line in textwrap.wrap(duplicate_words(bid), inner - 2)]
    if bid.other_senders:
        lines += [f"│ {line}" for line in textwrap.wrap(sender_words(bid), inner - 2)]
    if bid.told:
        count = len(bid.told)
        heading = f"{count} problem{'s' if count != 1 else ''}:"
        lines += _console_list(heading, "•", map(problem_words, bid.told), inner)
    else:
        lines.append("│ No problems found.")
    if bid.to_check or bid.unsure:
        count = len(bid.to_check) + len(bid.unsure)
        heading = f"{count} answer{'s' if count != 1 else ''} to check against the form:"
        lines += _console_list(heading, "?", _check_lines(bid), inner)
    footer = f"Ref {bid.ref} · version {bid.version} · {one_line(bid.office_name)}"
    lines.append(f"└─ {shorten(footer, inner - 4)} ─")
    return "\n".join(lines)


def _console_list(heading: str, mark: str, items: Iterable[str], inner: int) -> list[str]:
    lines = [f"│ {heading}"]
    for item in items:
        wrapped = textwrap.wrap(shorten(item, MAX_PROBLEM_LINE), inner - 5) or [""]
        lines.append(f"│  {mark} {wrapped[0]}")
        lines.extend(f"│    {more}" for more in wrapped[1:])
    return lines


# -- blocks ------------------------------------------------------------------------------


def _header(bid: BidSummary) -> dict[str, Any]:
    organisation = one_line(bid.organisation or "") or "Organisation not given"
    text = truncate(escape_mrkdwn(f"{bid.ref} · {organisation}"), MAX_HEADER)
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _summary_fields(bid: BidSummary) -> list[str]:
    attachments = ", ".join(one_line(name) for name in bid.attachments) or None
    status = f"{STATUS_EMOJI[bid.status]} {STATUS_TITLES[bid.status]}"
    return [
        _field("Organisation", bid.organisation),
        _field("Project", bid.project),
        _field("Fund", fund_words(bid)),
        _field("Amount requested", amount_line(bid)),
        _field("Total cost", money(bid.total_cost)),
        _field("Status", status, trusted=True),
        _field("Received", short_time(bid.received_at, bid.zone)),
        _field("Contact", bid.contact_name),
        _field("Attachments", attachments),
        *([_field("Pot", pot_line(bid))] if bid.pot else []),
    ]


def _progress_fields(bid: BidSummary) -> list[str]:
    fields = []
    if bid.area:
        fields.append(_field("Area", area_words(bid), trusted=True))
    if bid.stage:
        fields.append(_field("Stage", bid.stage))
    if bid.assigned_to:
        who = mention(bid.assigned_to)
        fields.append(_field("Assigned to", who, trusted=True))
    if bid.decision:
        fields.append(_field("Decision", bid.decision))
    if bid.scorers:
        fields.append(_field("Scorers", scorers_words(bid, mentions=True), trusted=True))
    if bid.score is not None:
        fields.append(_field("Score", score_words(bid)))
    return fields


def scorers_words(bid: BidSummary, *, mentions: bool = False) -> str:
    """Who has scored, and where they disagree: "@Ann @Bo (2) · disagree on Localism".

    The levels are not shown: a scorer sees the others' only after sending their own.
    """
    if mentions:
        names = " ".join(filter(None, (mention(s) for s in bid.scorers)))
    else:
        names = ", ".join(one_line(s) for s in bid.scorers)
    words = f"{names} ({len(bid.scorers)})"
    if bid.scorers_disagree:
        said = (one_line(c) for c in bid.scorers_disagree)
        words += " · disagree on " + ", ".join(escape_mrkdwn(c) if mentions else c for c in said)
    return words


def area_words(bid: BidSummary) -> str:
    """The bid's local area and its officers, mentioned: "Thurrock · <@U1> <@U2>"."""
    who = [mention(u) for u in bid.area_officers if _SLACK_USER_ID.fullmatch(u)]
    return " · ".join([escape_mrkdwn(one_line(bid.area or "")), *([" ".join(who)] if who else [])])


def score_words(bid: BidSummary) -> str:
    """The score as officers read it: "14 / 20 · Credible History 4 · Localism 3 …"."""
    if bid.score is None:
        return ""
    total = f"{bid.score} / {bid.score_out_of}" if bid.score_out_of else str(bid.score)
    if bid.moderated:
        total += " (moderated)"
    parts = [f"{one_line(name)} {value}" for name, value in bid.score_parts]
    return " · ".join([total, *parts])


def _field(label: str, value: str | None, *, trusted: bool = False) -> str:
    """One ``*Label*\\nvalue`` field; ``trusted`` values are our own mrkdwn, already safe."""
    if value is None or not kept_lines(value):
        body = "_not given_"
    else:
        body = value if trusted else escape_mrkdwn(kept_lines(value))
    return truncate(f"*{label}*\n{body}", MAX_FIELD)


def _section_fields(fields: list[str]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": text} for text in fields[:MAX_FIELDS]],
    }


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _problem_sections(bid: BidSummary, budget: int) -> list[str]:
    """Pack the problem lines into at most ``budget`` sections of Slack's size."""
    if not bid.told:
        if bid.status == "complete" and not bid.unsure:
            return ["*No problems found:* every required question is answered."]
        return []
    count = len(bid.told)
    heading = f"*{count} problem{'s' if count != 1 else ''} to resolve*"
    return _packed(heading, map(problem_words, bid.told), budget)


def _packed(heading: str, items: Iterable[str], budget: int) -> list[str]:
    """``heading`` and a bullet per item, packed into at most ``budget`` sections.

    Lines are packed greedily below the section limit minus a reserve, so that
    the "… and N more" line always fits in the last section kept.
    """
    room = MAX_SECTION_TEXT - _MORE_RESERVE
    sections: list[list[str]] = [[heading]]
    size = len(heading)
    for item in items:
        line = "• " + truncate(escape_mrkdwn(item), MAX_PROBLEM_LINE)
        if size + 1 + len(line) > room:
            sections.append([])
            size = -1
        sections[-1].append(line)
        size += 1 + len(line)

    shown = sections[: max(budget, 1)]
    hidden = sum(len(lines) for lines in sections[len(shown) :])
    texts = ["\n".join(lines) for lines in shown]
    if hidden:
        texts[-1] += f"\n… and {hidden} more"
    return texts


def problem_words(problem: ProblemLine) -> str:
    """Word a problem as a person reads it: “Question”: message (whole-bid: the message)."""
    return labelled(problem.question, problem.message, quotes=("“", "”"))


def _context(bid: BidSummary) -> dict[str, Any]:
    text = f"Ref *{bid.ref}* · version {bid.version} · {escape_mrkdwn(one_line(bid.office_name))}"
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": truncate(text, MAX_CONTEXT_TEXT)}],
    }


def _actions(bid: BidSummary) -> dict[str, Any]:
    buttons = [_button(ACTION_ASSIGN, "Assign to me", bid.ref)]
    if bid.told:
        buttons.append(_button(ACTION_REQUEST_INFO, "Request missing info", bid.ref))
    buttons += [
        _button(ACTION_ELIGIBLE, "Mark eligible", bid.ref, style="primary"),
        _button(ACTION_INELIGIBLE, "Mark not eligible", bid.ref, style="danger"),
        _button(ACTION_SCORE, "Score", bid.ref),
        _button(ACTION_REPLY, "Reply", bid.ref),
    ]
    buttons += [_button(a, words, bid.ref, style=style) for a, words, style in bid.extra_actions]
    return {"type": "actions", "block_id": "triage_actions", "elements": buttons}


def _button(action_id: str, text: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": truncate(text, MAX_BUTTON_TEXT)},
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def mention(user_id: str) -> str:
    """A mention for a real Slack user id; anything else is shown, escaped, as text."""
    if _SLACK_USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(one_line(user_id))


def _fallback_text(bid: BidSummary) -> str:
    """The notification and screen-reader text: one sentence, escaped like the blocks."""
    organisation = one_line(bid.organisation or "") or "an unnamed organisation"
    text = f"Bid {bid.ref} from {organisation}"
    if bid.project and one_line(bid.project):
        text += f": {one_line(bid.project)}"
    if amount := amount_line(bid):
        text += f", {amount}"
    count = len(bid.told)
    text += f" — {STATUS_TITLES[bid.status].lower()}, {count} problem{'s' if count != 1 else ''}"
    if bid.unsure:
        text += f", {len(bid.unsure)} to check on the form"
    return truncate(escape_mrkdwn(text), MAX_FALLBACK)
