"""Award and regret letters: the office's template filled in for one bid, and its mail.

Pure. Templates are :class:`string.Template` texts (``$organisation`` or
``${organisation}``; ``$$`` for a dollar sign), so an office's words can say
nothing but the values below: no code, no attribute lookups, nothing an
administrator's typo can run. The template's first line is the subject; the
rest, after a blank line, the body. :func:`check_template` says what is wrong
with one before a letter is ever made from it (``intake check-config`` runs it).
"""

from __future__ import annotations

import string
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from notifier.escape import escape_mrkdwn
from notifier.text import one_line

PLACEHOLDERS: dict[str, str] = {
    "contact_name": "the applicant's contact, as the form gives it",
    "organisation": "the organisation's name",
    "project": "the project's name",
    "ref": "the bid's reference",
    "fund": "the fund's name",
    "round": "the round's name",
    "office": "the office's name",
    "amount": "the award, as £9,500.00 (award letters)",
    "amount_requested": "what the bid asked for, as £9,500.00",
    "monitoring_due": "the day the year-end monitoring report is due, or 'the date we give you'",
}
"""What a letter's template may say, and what each becomes."""

AWARD = """\
Your application to the $fund: award of $amount [Ref $ref]

Dear $contact_name,

Thank you for applying to the $fund ($round) on behalf of $organisation
for $project.

I am pleased to tell you that the Police & Crime Commissioner has agreed to
award a grant of $amount to this project. The grant is paid in one payment
at the point of award, and must be used only for the purposes set out in your
application; please tell us of any change, which the Office of the Police &
Crime Commissioner must agree.

The grant conditions apply: all funds must be spent by the end of the
financial year in which the award was made; the Commissioner is to be named as
a funder of the project in its literature; and a monitoring form showing the
impact and outcomes achieved is to reach us no later than $monitoring_due.
Funding may be withheld or withdrawn if the conditions are not met or a
satisfactory monitoring form is not returned by then.

Please keep [Ref $ref] in the subject line of any reply.

Yours sincerely,
$office
"""

REGRET = """\
Your application to the $fund [Ref $ref]

Dear $contact_name,

Thank you for applying to the $fund ($round) on behalf of $organisation
for $project.

The fund received many more applications than it can support, and every one
was scored against the published matrix. I am sorry to tell you that on this
occasion your application has not been successful.

We are grateful for the work that went into it. If you would like feedback on
your application, please reply to this email, keeping [Ref $ref] in the
subject line, and a member of the team will be in touch.

Yours sincerely,
$office
"""

DEFAULTS = {"award": AWARD, "regret": REGRET}


@dataclass(frozen=True, slots=True)
class LetterText:
    """A filled-in letter: its subject line and its body."""

    subject: str
    body: str


def check_template(template: str) -> str | None:
    """What is wrong with a letter's template, or None."""
    matches = list(string.Template.pattern.finditer(template))
    if any(m.group("invalid") is not None for m in matches):
        return "a '$' that names nothing (write $$ for a dollar sign)"
    names = {m.group("named") or m.group("braced") for m in matches}
    unknown = sorted(n for n in names if n and n not in PLACEHOLDERS)
    if unknown:
        return f"unknown placeholder ${unknown[0]} (known: {', '.join(PLACEHOLDERS)})"
    first, _, rest = template.strip("\n").partition("\n")
    if not first.strip() or not rest.strip():
        return "the first line is the subject and the letter follows it: give both"
    return None


def fill(template: str, values: Mapping[str, str]) -> LetterText:
    """The letter ``template`` says with ``values`` (every placeholder given, one line each)."""
    clean = {name: one_line(values.get(name) or "") for name in PLACEHOLDERS}
    text = string.Template(template).substitute(clean)
    first, _, rest = text.strip("\n").partition("\n")
    return LetterText(subject=one_line(first)[:200], body=_paragraphs(rest.strip("\n")) + "\n")


def _paragraphs(text: str) -> str:
    """Each paragraph re-wrapped at 72 columns (filled-in names change line lengths)."""
    kept = []
    for paragraph in text.split("\n\n"):
        lines = paragraph.split("\n")
        # A signature or an address keeps its lines; prose (long lines) is re-flowed.
        if len(lines) > 1 and max(len(line) for line in lines[:-1]) < 50:
            kept.append(paragraph)
        else:
            kept.append(
                textwrap.fill(" ".join(lines), 72, break_long_words=False, break_on_hyphens=False)
            )
    return "\n\n".join(kept)


def letter_mail(
    letter: LetterText, *, to: str, from_addr: str, message_id: str, now: datetime
) -> EmailMessage:
    """The letter as a mail: an officer sent it, so not marked automatic."""
    message = EmailMessage(policy=policy.default)
    message["From"] = from_addr
    message["To"] = to
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = message_id
    message["Content-Language"] = "en-GB"
    message.set_content(letter.body, charset="utf-8")
    return message


# -- review in Slack ----------------------------------------------------------------------------

ACTION_LETTER_SEND = "letter_send"
"""A letter's "Send" button; its value is the letter's id."""
ACTION_LETTERS_SEND_ALL = "letters_send_all"
"""A review post's "Send all" button; its value is the post's letters' ids, comma-separated."""
LETTERS_PER_POST = 20
"""A post's letters: with a header and the actions, well under Slack's 50 blocks."""
MAX_SECTION = 2900


def review_messages(
    *, fund_name: str, round_name: str, letters: list[tuple[str, Mapping[str, object]]]
) -> list[dict[str, Any]]:
    """The posts that show officers a round's letters, each with its "Send" button.

    ``letters``: ``(reference, {"id", "kind", "amount", "to", "subject", "body"})``.
    Everything is the applicant's or the template's words, so all of it is escaped.
    """
    posts: list[dict[str, Any]] = []
    for start in range(0, len(letters), LETTERS_PER_POST):
        part = letters[start : start + LETTERS_PER_POST]
        awards = sum(1 for _, letter in part if letter["kind"] == "award")
        title = (
            f"Letters to review: {one_line(fund_name)} {one_line(round_name)}: "
            f"{awards} award, {len(part) - awards} regret"
        )
        if len(letters) > LETTERS_PER_POST:
            title += f" (letters {start + 1}–{start + len(part)} of {len(letters)})"
        blocks: list[dict[str, object]] = [
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
        ]
        lines = [title]
        for ref, letter in part:
            kind = "Award" if letter["kind"] == "award" else "Regret"
            amount = f" {letter['amount']}" if letter.get("amount") else ""
            head = (
                f"*{escape_mrkdwn(ref)}* · {kind}{amount} · to {escape_mrkdwn(str(letter['to']))}"
            )
            body = (
                f"*{escape_mrkdwn(str(letter['subject']))}*\n{escape_mrkdwn(str(letter['body']))}"
            )
            text = f"{head}\n```{body}```"
            if len(text) > MAX_SECTION:
                text = text[: MAX_SECTION - 4] + "…```"
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": text},
                    "accessory": {
                        "type": "button",
                        "action_id": ACTION_LETTER_SEND,
                        "text": {"type": "plain_text", "text": "Send"},
                        "value": str(letter["id"]),
                    },
                }
            )
            lines.append(f"{ref}: {kind}{amount} to {letter['to']}\n{letter['body']}")
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ACTION_LETTERS_SEND_ALL,
                        "style": "primary",
                        "text": {"type": "plain_text", "text": f"Send all {len(part)}"},
                        "value": ",".join(str(letter["id"]) for _, letter in part),
                        "confirm": {
                            "title": {"type": "plain_text", "text": "Send these letters?"},
                            "text": {
                                "type": "plain_text",
                                "text": f"{len(part)} letters will be mailed to the applicants.",
                            },
                            "confirm": {"type": "plain_text", "text": "Send"},
                            "deny": {"type": "plain_text", "text": "Not yet"},
                        },
                    }
                ],
            }
        )
        posts.append({"text": "\n\n".join(lines)[:3900], "blocks": blocks})
    return posts
