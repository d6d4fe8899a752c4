"""A stored problem as officers read it in `intake show` and the panel pack.

The card and the acknowledgement say a field's problem under its question
("Telephone No": Please answer this question.); so do these, with the
question from the form the bid was read with, and said once
(:func:`notifier.text.labelled`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intake.config.model import Config
from notifier.text import labelled


def question_of(config: Config, form_id: str | None, field_id: str | None) -> str | None:
    """The question of ``field_id`` as the form ``form_id`` asks it; None for a whole-bid
    problem or a form or field no longer configured."""
    if not form_id or not field_id:
        return None
    try:
        return str(config.form(form_id).field(field_id).label)
    except KeyError:
        return None


def problem_texts(
    config: Config, form_id: str | None, problems: Iterable[Mapping[str, Any]]
) -> list[str]:
    """Each stored problem (``field``, ``code``, ``message``) under its question."""
    return [
        labelled(
            question_of(config, form_id, p.get("field")),
            str(p.get("message") or p.get("code") or ""),
        )
        for p in problems
    ]
