"""Issue #20: officers answer what applicants write, from Slack, in the applicant's thread.

A mail kept on a bid (a reply without a form) shows on the card's thread with a
"Reply" button; the card has one too. The officer writes in a modal; the
service mails the applicant of record in the thread of their mail, with our
subject and the bid's tag, records it in the outbox table and the bid's
history, and says so in the card's thread.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from fixtures.make_fixtures import build_mail
from intake.bids.reports import bid_text
from notifier.cards import ACTION_REPLY
from notifier.replies import CALLBACK_REPLY
from tests.harness import RunningService
from tests.intake.slack.conftest import MailMaker
from tests.intake.slack.driver import OFFICER, SlackDriver, text_value
from tests.intake.slack.test_triage_in_slack import new_bid, thread_texts
from tests.slack_api_server import SlackApiServer, view_problems

CHANNEL = "C0COMMISS1"
# Longer than a thread line shows: `intake show` and the reply's modal show it whole.
QUESTION = "Could we have an extension\nuntil Friday?\n" + "Our volunteers meet weekly. " * 14


def _applicant(service: RunningService, ref: str) -> str:
    return str(service.bid(ref)["applicant"])


def _mails(service: RunningService, ref: str, words: str) -> list[EmailMessage]:
    return [
        m
        for m in service.outbox()
        if f"[Ref {ref}]" in str(m["Subject"]) and words in m.get_body(("plain",)).get_content()
    ]


def _reply_values(text: str | None) -> dict[str, Any]:
    return text_value("reply", text)


def test_an_officer_answers_a_kept_mail_in_the_applicants_thread(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)
    applicant = _applicant(service, ref)
    question_id = f"<question-{uuid.uuid4().hex}@example.org>"
    service.send(
        build_mail(
            sender=applicant,
            to="safer-in-kent@bids.example.org",
            subject=f"Extension? [Ref {ref}]",
            body=QUESTION,
            date=datetime(2027, 4, 16, 9, 30, tzinfo=UTC),
            message_id=question_id,
            headers={"References": "<root@example.org>"},
            attachments=[("budget-notes.txt", b"Venue hire: 400", "text/plain")],
        ),
        sender=applicant,
    )

    # The kept mail's line in the card's thread carries "Reply" (the reference, the event).
    def reply_line() -> dict[str, Any] | None:
        for line in slack.channels[CHANNEL].thread(card["ts"]):
            for block in line.get("blocks") or []:
                for element in block.get("elements") or []:
                    if element.get("action_id") == ACTION_REPLY:
                        return element
        return None

    button = service.wait_for(reply_line, what="the kept mail's Reply button")
    assert button["value"].startswith(f"{ref} ")
    kept = [t for t in thread_texts(slack, CHANNEL, card["ts"]) if "without a form" in t]
    assert len(kept) == 1 and "(attached: budget-notes.txt)" in kept[0]

    driver.click(ACTION_REPLY, button["value"])
    view = driver.opened_view(CALLBACK_REPLY)
    assert view_problems(view) == []
    shown = " ".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert "Could we have an extension" in shown and applicant in shown

    # Left blank, the modal says so beside the field; nothing is sent.
    blank = driver.submit(view, _reply_values("  "))
    assert blank.json["response_action"] == "errors"

    words = "Yes: until Friday 21 May.\nPlease send the whole form again."
    assert driver.submit(view, _reply_values(words)).status == 200
    sent = service.wait_for(lambda: _mails(service, ref, "until Friday 21 May"), what="the reply")
    (reply,) = sent
    assert str(reply["To"]) == applicant
    assert reply["In-Reply-To"] == question_id
    assert reply["References"].split() == ["<root@example.org>", question_id]
    assert str(reply["Subject"]) == f"Re: Extension? [Ref {ref}]"
    assert reply["Auto-Submitted"] is None  # a person wrote it
    body = reply.get_body(("plain",)).get_content()
    assert "Yes: until Friday 21 May.\nPlease send the whole form again." in body

    # Recorded: the outbox table, the bid's history, the card's thread. The send is
    # recorded once the relay has taken it, so the row may follow the mail by a moment.
    def replies() -> list[tuple[str, str, str]]:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            return connection.execute(
                "SELECT o.kind, o.to_addr, o.message_id FROM outgoing_mail o "
                "JOIN bids b ON b.id = o.bid_id WHERE b.ref = ? AND o.kind = 'reply'",
                (ref,),
            ).fetchall()

    rows = service.wait_for(replies, what="the reply recorded")
    assert rows == [("reply", applicant.lower(), reply["Message-ID"])]
    kinds = [e["kind"] for e in service.bid(ref)["history"]]
    assert "replied" in kinds
    service.wait_for(lambda: "reply_sent" in [e["kind"] for e in service.bid(ref)["history"]])
    said = f"<@{OFFICER}> replied to the applicant: Yes: until Friday 21 May."
    service.wait_for(
        lambda: any(t.startswith(said) for t in thread_texts(slack, CHANNEL, card["ts"])),
        what="the reply's line in the card's thread",
    )

    # The same submission again (a retry) mails nothing more.
    assert driver.submit(view, _reply_values(words)).status == 200
    service.wait_for(lambda: "reply_sent" in [e["kind"] for e in service.bid(ref)["history"]])
    assert len(_mails(service, ref, "until Friday 21 May")) == 1
    assert [e["kind"] for e in service.bid(ref)["history"]].count("replied") == 1

    # `intake show` and --json: the applicant's words and the reply whole, line breaks kept.
    shown = service.bid(ref)
    bodies = [e["body"] for e in shown["history"] if e["body"]]
    assert QUESTION.strip() in bodies and words in bodies
    text = bid_text(shown)
    assert "      Could we have an extension\n      until Friday?" in text
    assert "      Yes: until Friday 21 May.\n      Please send the whole form again." in text
    assert text.count("Our volunteers meet weekly.") >= 14


def test_the_cards_reply_answers_the_applicants_form_mail(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, _card = new_bid(service, slack, mail)
    before = len([v for v in slack.views if v.get("callback_id") == CALLBACK_REPLY])
    driver.click(ACTION_REPLY, ref)
    view = driver.opened_view(CALLBACK_REPLY, count=before + 1)
    assert ref in view["blocks"][0]["text"]["text"]
    assert driver.submit(view, _reply_values("Thank you; we will read it next week.")).status == 200
    (reply,) = service.wait_for(lambda: _mails(service, ref, "read it next week"), what="reply")
    first = next(m for m in service.outbox() if f"[Ref {ref}]" in str(m["Subject"]))
    assert reply["In-Reply-To"] == first["In-Reply-To"]  # the applicant's form mail
    assert str(reply["To"]) == _applicant(service, ref)


def test_another_offices_bid_cannot_be_answered(driver: SlackDriver) -> None:
    driver.click(ACTION_REPLY, "ESSEX-2027-0001 1")
    assert "No bid ESSEX-2027-0001 here." in driver.responses_to(driver.last_response_url)["text"]
