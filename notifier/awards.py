"""Awards as the office shows them: the transparency list and the distribution report.

Pure functions from plain values to text (CSV rows, a plain-text table) and to
Slack messages (``{"text": …, "blocks": […]}``), shown to the officer alone.
Amounts are decimal strings with two places ("6000.00").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from notifier.escape import escape_mrkdwn, truncate
from notifier.modals import BLOCK_NOTE, _bid_words, _modal, _section, _text_input, read_text
from notifier.text import one_line
from notifier.wording import money

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
PUBLISHED_HEADERS = ("Organisation", "Short description", "Award value")

Payload = dict[str, object]

# The card's buttons for awards and a staged approach's steps, and their modals.
ACTION_AWARD = "award"
ACTION_ASK_PROPOSAL = "stage_ask_proposal"
ACTION_RECOMMEND = "stage_recommend"
ACTION_DECLINE = "stage_decline"
CALLBACK_AWARD = "award"
CALLBACK_RECOMMEND = "stage_recommend"
BLOCK_AMOUNT = "amount"
ACTION_AMOUNT = "amount"


def award_modal(
    *, ref: str, organisation: str | None, amount: str | None, metadata: str
) -> dict[str, Any]:
    """The "Award" modal: the amount (the amount requested, to start with) and a note."""
    return _modal(
        CALLBACK_AWARD,
        "Award",
        submit="Award",
        metadata=metadata,
        blocks=[
            _section(f"Award {_bid_words(ref, organisation)} a grant."),
            _amount_input("Amount awarded (£)", amount),
            _text_input(
                BLOCK_NOTE,
                "Note (optional)",
                placeholder="Conditions, or why the amount differs from the request",
                optional=True,
                max_length=1500,
            ),
        ],
    )


def recommend_modal(
    *, ref: str, organisation: str | None, amount: str | None, metadata: str
) -> dict[str, Any]:
    """A staged approach's recommendation to the decision makers: an amount and why."""
    return _modal(
        CALLBACK_RECOMMEND,
        "Recommend",
        submit="Recommend",
        metadata=metadata,
        blocks=[
            _section(f"Recommend {_bid_words(ref, organisation)} to the decision makers."),
            _amount_input("Amount recommended (£)", amount),
            _text_input(
                BLOCK_NOTE,
                "Recommendation",
                placeholder="What the proposal offers, and why it should (or should not) be funded",
                optional=False,
                max_length=1500,
            ),
        ],
    )


def read_amount(values: dict[str, Any]) -> str | None:
    """The amount typed into the modal, stripped; None when left empty."""
    value = ((values.get(BLOCK_AMOUNT) or {}).get(ACTION_AMOUNT) or {}).get("value")
    text = str(value).strip() if value is not None else ""
    return text or None


def read_note(values: dict[str, Any]) -> str | None:
    """The note or recommendation typed into the modal."""
    return read_text(values, BLOCK_NOTE)


def _amount_input(label: str, amount: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ACTION_AMOUNT,
        "max_length": 20,
        "placeholder": {"type": "plain_text", "text": "e.g. 2,500"},
    }
    if amount:
        element["initial_value"] = amount
    return {
        "type": "input",
        "block_id": BLOCK_AMOUNT,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }


@dataclass(frozen=True, slots=True)
class AwardLine:
    """One award as published: organisation, short description, value."""

    organisation: str
    description: str
    value: str


@dataclass(frozen=True, slots=True)
class ShareLine:
    """Awards to one area or one priority."""

    name: str
    awards: int
    value: str


def published_rows(lines: Sequence[AwardLine]) -> list[list[str]]:
    """The transparency list as table rows, headers first (for CSV)."""
    return [list(PUBLISHED_HEADERS)] + [
        [one_line(a.organisation), one_line(a.description), money(a.value) or ""] for a in lines
    ]


def distribution_text(
    fund: str,
    total: str,
    count: int,
    by_area: Sequence[ShareLine],
    by_priority: Sequence[ShareLine],
) -> str:
    """The distribution report as plain text, for a terminal or a file."""
    lines = [f"{fund}: {_awards(count)}, {money(total)} in all", ""]
    for heading, shares in (("By area", by_area), ("By priority", by_priority)):
        lines.append(heading)
        width = max((len(s.name) for s in shares), default=0)
        for share in shares:
            lines.append(
                f"  {share.name:<{width}}  {_awards(share.awards):>10}  {money(share.value):>14}"
            )
        lines.append("")
    lines.append("An award counts under every priority it ticked.")
    return "\n".join(lines) + "\n"


def published_message(fund: str, lines: Sequence[AwardLine]) -> Payload:
    """``/intake published FUND``: the fund's awards as the office publishes them."""
    title = f"*{escape_mrkdwn(one_line(fund))}: awards for publication* ({_awards(len(lines))})"
    rows = [
        f"• *{escape_mrkdwn(one_line(a.organisation))}* — {escape_mrkdwn(one_line(a.description))}"
        f" — {money(a.value)}"
        for a in lines
    ] or ["No awards yet."]
    return {
        "text": f"{one_line(fund)}: awards for publication",
        "blocks": _sections([title, *rows]),
    }


def distribution_message(
    fund: str,
    total: str,
    count: int,
    by_area: Sequence[ShareLine],
    by_priority: Sequence[ShareLine],
) -> Payload:
    """``/intake distribution FUND``: the fund's awards by area and by priority."""
    lines = [f"*{escape_mrkdwn(one_line(fund))}*: {_awards(count)}, {money(total)} in all"]
    for heading, shares in (("By area", by_area), ("By priority", by_priority)):
        lines.append(f"*{heading}*")
        lines += [
            f"• {escape_mrkdwn(one_line(s.name))}: {_awards(s.awards)}, {money(s.value)}"
            for s in shares
        ]
    lines.append("_An award counts under every priority it ticked._")
    return {"text": f"{one_line(fund)}: distribution of awards", "blocks": _sections(lines)}


def _awards(count: int) -> str:
    return f"{count} award" + ("" if count == 1 else "s")


def _sections(lines: list[str]) -> list[dict[str, object]]:
    """Lines packed into sections within Slack's limits (a long list is cut, said so)."""
    sections: list[str] = []
    current = ""
    for line in lines:
        line = truncate(line, 400)
        if current and len(current) + len(line) + 1 > MAX_SECTION_TEXT:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        sections.append(current)
    if len(sections) > MAX_BLOCKS:
        sections = [*sections[: MAX_BLOCKS - 1], "… and more: `intake export --published`"]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
