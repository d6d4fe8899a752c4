"""Block Kit modals for the officers' actions, and reading what they submitted.

Pure functions: each builder returns a ``views.open`` view, each reader takes
the ``view.state.values`` of a submission. Block and action ids are defined
here, next to the blocks that carry them, so builder and reader agree. The
applicant's words shown in a modal are escaped like on the card.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from notifier.cards import problem_words
from notifier.escape import escape_mrkdwn, truncate
from notifier.model import ProblemLine, ScoreCriterion
from notifier.text import one_line

CALLBACK_DECISION = "decision"
CALLBACK_SCORE = "score"
CALLBACK_REQUEST_INFO = "request_info"

BLOCK_REASON = "reason"
BLOCK_NOTE = "note"
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
) -> View:
    """The scoring modal: one choice of level per criterion, each level in its own words.

    Slack cuts an option's text at 75 characters; a level's description
    continues in the option's second line, and is cut cleanly if still longer.
    """
    blocks: list[dict[str, Any]] = [
        _section(f"Score {_bid_words(ref, organisation)}: choose one level for each criterion.")
    ]
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
    return _modal(
        CALLBACK_SCORE, "Score bid", submit="Save scores", metadata=metadata, blocks=blocks
    )


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
