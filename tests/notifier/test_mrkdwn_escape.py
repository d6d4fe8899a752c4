"""Applicant text shown in Slack is inert, and cuts never leave half an entity."""

from __future__ import annotations

import pytest

from notifier.escape import escape_mrkdwn, truncate


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> <!subteam^S123>", "&lt;!here&gt; &lt;!subteam^S123&gt;"),
        ("<@U123ABC>", "&lt;@U123ABC&gt;"),
        ("<https://evil.example|Apply>", "&lt;https://evil.example|Apply&gt;"),
        ("Fish & Chips", "Fish &amp; Chips"),
        ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),
    ],
)
def test_mentions_links_and_entities_are_shown_as_written(written: str, sent: str) -> None:
    assert escape_mrkdwn(written) == sent


def test_formatting_characters_are_left_alone() -> None:
    # Only & < > carry meaning Slack acts on; *bold* merely looks bold.
    assert escape_mrkdwn("*Youth* _club_ ~old~ `code` @channel") == (
        "*Youth* _club_ ~old~ `code` @channel"
    )


def test_short_text_is_not_cut() -> None:
    assert truncate("Street Mentors", 14) == "Street Mentors"


def test_long_text_is_cut_to_the_limit_with_an_ellipsis() -> None:
    cut = truncate("a" * 10_000, 3000)
    assert len(cut) == 3000
    assert cut.endswith("…")


@pytest.mark.parametrize("limit", range(2, 30))
def test_a_cut_never_falls_inside_an_entity(limit: int) -> None:
    text = escape_mrkdwn("Tom & Jerry <Community> & Friends & more")
    cut = truncate(text, limit)
    assert len(cut) <= limit
    body = cut.removesuffix("…")
    # Whatever is kept is a prefix of the escaped text that ends on a whole entity.
    assert text.startswith(body)
    last_amp = body.rfind("&")
    assert last_amp == -1 or ";" in body[last_amp:]


def test_a_bare_ampersand_is_not_mistaken_for_an_entity() -> None:
    # "&co" is not an entity in the full text, so the cut may keep it.
    assert truncate("Smith &co partners", 10) == "Smith &co…"


def test_limit_must_leave_room() -> None:
    with pytest.raises(ValueError):
        truncate("text", 0)
