"""Slack mrkdwn escaping and clean truncation.

Slack reads ``<…>`` as a link, a mention or a broadcast (``<!channel>``), and
``&`` starts an entity. Escaping exactly those three characters makes
applicant text inert (https://api.slack.com/reference/surfaces/formatting#escaping);
everything else (``*bold*``, ``_italics_``) only changes how text looks.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"

_ENTITY_AT_END = re.compile(r"&[A-Za-z0-9#]{0,8}\Z")
_ENTITY = re.compile(r"&[A-Za-z0-9#]{1,8};")


def escape_mrkdwn(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so Slack shows ``text`` as written and acts on none of it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending with "…" when it cut.

    The cut never falls inside an entity such as ``&amp;`` (half an entity shows
    as garbage and can combine with what follows), and trailing white space
    before the ellipsis is dropped.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    kept = text[: limit - len(ELLIPSIS)]
    tail = _ENTITY_AT_END.search(kept)
    # Only back off when the ampersand really starts an entity in the full text.
    if tail is not None and _ENTITY.match(text, tail.start()):
        kept = kept[: tail.start()]
    return kept.rstrip() + ELLIPSIS
