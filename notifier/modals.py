"""Block Kit modals for the officers' actions, and reading what they submitted.

Pure functions: each builder returns a ``views.open`` view, each reader takes
the ``view.state.values`` of a submission. Block and action ids are defined
here, next to the blocks that carry them, so builder and reader agree. The
applicant's words shown in a modal are escaped like on the card.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from notifier.cards import problem_words
from notifier.escape import escape_mrkdwn, truncate
from notifier.model import ProblemLine, ScoreCriterion, ScoredSheet
from notifier.text import one_line

CALLBACK_DECISION = "decision"
CALLBACK_SCORE = "score"
CALLBACK_REQUEST_INFO = "request_info"

BLOCK_REASON = "reason"
BLOCK_NOTE = "note"
BLOCK_SAVE_AS = "save_as"
SAVE_MINE = "mine"
SAVE_MODERATED = "moderated"
_COMMENT_BLOCK_PREFIX = "comment:"
MAX_COMMENT = 1500
ACTION_TEXT = "text"
ACTION_LEVEL = "level"
_SCORE_BLOCK_PREFIX = "criterion:"

# Slack's limits for modals (https://api.slack.com/reference/surfaces/views).
MAX_TITLE = 24
MAX_OPTION_TEXT = 75
MAX_OPTIONS = 10
MAX_LABEL = 2000
MAX_SECTION_TEXT = 3000
MAX_MODAL_BLOCKS = 100
MAX_REASON = 1500
MAX_NOTE = 2000

View = dict[str, Any]

_USER = re.compile(r"[UW][A-Z0-9]{2,20}")


def decision_modal(*, ref: str, organisation: str | None, eligible: bool, metadata: str) -> View:
    """The "mark eligible / not eligible" modal; a reason is required to rule a bid out."""
    verdict = "eligible" if eligible else "not eligible"
    reason = _text_input(
        BLOCK_REASON,
        "Reason" if not eligible else "Reason (optional)",
        placeholder=(
            "Why the bid is not eligible: the applicant may be told"
            if not eligible
            else "Anything the panel should know"
        ),
        optional=eligible,
        max_length=MAX_REASON,
    )
    return _modal(
        CALLBACK_DECISION,
        "Mark eligible" if eligible else "Mark not eligible",
        submit="Save",
        metadata=metadata,
        blocks=[
            _section(f"Mark {_bid_words(ref, organisation)} as *{verdict}*."),
            reason,
        ],
    )


def score_modal(
    *,
    ref: str,
    organisation: str | None,
    criteria: Sequence[ScoreCriterion],
    current: Mapping[str, int],
    metadata: str,
    comments: Mapping[str, str] | None = None,
    others: Sequence[ScoredSheet] = (),
    disagree: Sequence[str] = (),
    can_moderate: bool = False,
    saved: bool = False,
) -> View:
    """The scoring modal: one choice of level per criterion, each level in its own words,
    and a comment on each.

    Slack cuts an option's text at 75 characters; a level's description
    continues in the option's second line, and is cut cleanly if still longer.
    ``current`` and ``comments`` are the officer's own sheet, once sent; only then
    are ``others`` (the other scorers' sheets) shown, with the criteria they
    ``disagree`` on. A lead (``can_moderate``) may save the levels as the panel's
    moderated score. ``saved``: the modal as it shows just after the officer sent it.
    """
    comments = comments or {}
    intro = f"Score {_bid_words(ref, organisation)}: choose one level for each criterion."
    if saved:
        intro = f":white_check_mark: Your scores of {_bid_words(ref, organisation)} are saved."
        intro += " Change them below if you wish." if current else ""
    elif not current:
        intro += " You will see the other scorers' scores once you have sent yours."
    blocks: list[dict[str, Any]] = [_section(intro)]
    if others:
        lines = [_sheet_line(sheet) for sheet in others]
        if disagree:
            named = ", ".join(escape_mrkdwn(one_line(c)) for c in disagree)
            lines.append(f":warning: The scorers disagree on {named}.")
        blocks += [_section(text) for text in _pack(["*The other scorers*", *lines], 10)]
    for criterion in criteria:
        options = [
            _level_option(number, words)
            for number, words in enumerate(criterion.levels[:MAX_OPTIONS], start=1)
        ]
        element: dict[str, Any] = {
            "type": "radio_buttons",
            "action_id": ACTION_LEVEL,
            "options": options,
        }
        chosen = current.get(criterion.id)
        if chosen is not None and 1 <= chosen <= len(options):
            element["initial_option"] = options[chosen - 1]
        blocks.append(
            {
                "type": "input",
                "block_id": _SCORE_BLOCK_PREFIX + criterion.id,
                "label": _plain(truncate(one_line(criterion.name), MAX_LABEL)),
                "element": element,
            }
        )
        comment = _text_input(
            _COMMENT_BLOCK_PREFIX + criterion.id,
            "Comments",
            placeholder="Why this level (optional)",
            optional=True,
            max_length=MAX_COMMENT,
        )
        said = comments.get(criterion.id)
        if said:
            comment["element"]["initial_value"] = said[:MAX_COMMENT]
        blocks.append(comment)
    if can_moderate:
        mine = _choice(SAVE_MINE, "My own score")
        blocks.append(
            {
                "type": "input",
                "block_id": BLOCK_SAVE_AS,
                "label": _plain("Save these levels as"),
                "element": {
                    "type": "radio_buttons",
                    "action_id": ACTION_LEVEL,
                    "options": [mine, _choice(SAVE_MODERATED, "The panel's moderated score")],
                    "initial_option": mine,
                },
            }
        )
    return _modal(
        CALLBACK_SCORE, "Score bid", submit="Save scores", metadata=metadata, blocks=blocks
    )


def _sheet_line(sheet: ScoredSheet) -> str:
    """ "<@U…> 14 / 20: Credible History 4 (“long record”), Localism 3"."""
    who = f"<@{sheet.scorer}>" if _USER.fullmatch(sheet.scorer) else escape_mrkdwn(sheet.scorer)
    if sheet.moderated:
        who = f"*Moderated* by {who}"
    parts = []
    for name, level, comment in sheet.levels:
        part = f"{escape_mrkdwn(one_line(name))} {level}"
        if comment:
            part += f" (“{truncate(escape_mrkdwn(one_line(comment)), 200)}”)"
        parts.append(part)
    return f"• {who} {sheet.total}: " + ", ".join(parts)


def _choice(value: str, words: str) -> dict[str, Any]:
    return {"text": _plain(words), "value": value}


def request_info_modal(
    *, ref: str, organisation: str | None, problems: Iterable[ProblemLine], metadata: str
) -> View:
    """Confirm the mail that asks the applicant for what is missing; an optional note.

    The problems listed are exactly those the mail will list.
    """
    lines = [f"• {truncate(escape_mrkdwn(problem_words(p)), 500)}" for p in problems]
    intro = (
        f"This emails the applicant of {_bid_words(ref, organisation)}, in reply to their "
        "application, asking for:"
    )
    blocks: list[dict[str, Any]] = [_section(intro)]
    budget = MAX_MODAL_BLOCKS - 3
    blocks += [_section(text) for text in _pack(lines, budget)]
    blocks.append(
        _text_input(
            BLOCK_NOTE,
            "A note for the applicant (optional)",
            placeholder="Added to the mail under the list",
            optional=True,
            max_length=MAX_NOTE,
        )
    )
    return _modal(
        CALLBACK_REQUEST_INFO,
        "Request missing info",
        submit="Send email",
        metadata=metadata,
        blocks=blocks,
    )


def read_text(values: Mapping[str, Any], block_id: str) -> str | None:
    """The text typed into a text input, stripped; None when left empty."""
    value = ((values.get(block_id) or {}).get(ACTION_TEXT) or {}).get("value")
    text = str(value).strip() if value is not None else ""
    return text or None


def read_scores(
    values: Mapping[str, Any], criteria: Sequence[ScoreCriterion]
) -> tuple[dict[str, int], dict[str, str]]:
    """The chosen level of each criterion, and an error per block left unanswered."""
    scores: dict[str, int] = {}
    errors: dict[str, str] = {}
    for criterion in criteria:
        block_id = _SCORE_BLOCK_PREFIX + criterion.id
        chosen = ((values.get(block_id) or {}).get(ACTION_LEVEL) or {}).get("selected_option")
        try:
            level = int((chosen or {}).get("value", ""))
        except ValueError:
            level = 0
        if 1 <= level <= len(criterion.levels):
            scores[criterion.id] = level
        else:
            errors[block_id] = "Choose a level."
    return scores, errors


def read_comments(values: Mapping[str, Any], criteria: Sequence[ScoreCriterion]) -> dict[str, str]:
    """The comment written on each criterion (those left empty are not given)."""
    found = {}
    for criterion in criteria:
        text = read_text(values, _COMMENT_BLOCK_PREFIX + criterion.id)
        if text:
            found[criterion.id] = text
    return found


def read_save_as(values: Mapping[str, Any]) -> str:
    """``moderated`` when a lead chose to save the panel's moderated score, else ``mine``."""
    chosen = ((values.get(BLOCK_SAVE_AS) or {}).get(ACTION_LEVEL) or {}).get("selected_option")
    return SAVE_MODERATED if (chosen or {}).get("value") == SAVE_MODERATED else SAVE_MINE


# -- pieces --------------------------------------------------------------------------------


def _modal(
    callback_id: str, title: str, *, submit: str, metadata: str, blocks: list[dict[str, Any]]
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(truncate(title, MAX_TITLE)),
        "submit": _plain(truncate(submit, MAX_TITLE)),
        "close": _plain("Cancel"),
        "private_metadata": metadata,
        "blocks": blocks,
    }


def _bid_words(ref: str, organisation: str | None) -> str:
    name = one_line(organisation or "") or "an unnamed organisation"
    return f"*{ref}* ({truncate(escape_mrkdwn(name), 300)})"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _text_input(
    block_id: str, label: str, *, placeholder: str, optional: bool, max_length: int
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "element": {
            "type": "plain_text_input",
            "action_id": ACTION_TEXT,
            "multiline": True,
            "max_length": max_length,
            "placeholder": _plain(truncate(placeholder, 150)),
        },
    }


def _level_option(number: int, words: str) -> dict[str, Any]:
    lead = f"{number} · "
    head, rest = _split_words(one_line(words), MAX_OPTION_TEXT - len(lead))
    option: dict[str, Any] = {"text": _plain(lead + head), "value": str(number)}
    if rest:
        option["description"] = _plain(truncate(rest, MAX_OPTION_TEXT))
    return option


def _split_words(text: str, limit: int) -> tuple[str, str]:
    """Cut ``text`` at the last space within ``limit``; the rest continues on the next line."""
    if len(text) <= limit:
        return text, ""
    cut = text.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit
    return text[:cut].rstrip(), text[cut:].strip()


def _pack(lines: list[str], budget: int) -> list[str]:
    """Lines packed into at most ``budget`` sections of Slack's size, "… and N more" last."""
    if not lines:
        return []
    room = MAX_SECTION_TEXT - 40
    sections: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if sections[-1] and size + 1 + len(line) > room:
            sections.append([])
            size = 0
        sections[-1].append(line)
        size += 1 + len(line)
    shown = sections[:budget]
    hidden = sum(len(s) for s in sections[len(shown) :])
    texts = ["\n".join(s) for s in shown]
    if hidden:
        texts[-1] += f"\n… and {hidden} more"
    return texts
