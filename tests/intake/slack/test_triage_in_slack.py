"""Officers at work in Slack, against a running service: cards, buttons, modals, /intake.

Every request is signed as Slack signs it and posted to the service's
``/slack/events``; what the service posts, updates and opens lands in the
local Slack Web API, which refuses anything Block Kit would refuse.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from fixtures.make_fixtures import FORM_CASES, build_form, build_mail
from intake.bids.reports import bid_text
from intake.slack.signature import sign
from tests.harness import RunningService
from tests.intake.slack.conftest import MailMaker
from tests.intake.slack.driver import OFFICER, SlackDriver, chosen, text_value
from tests.slack_api_server import SlackApiServer, block_kit_problems, view_problems


def bid_for(service: RunningService, reply: str) -> str:
    """The reference of the bid made from the message the server queued with ``reply``."""
    queued = reply.rsplit(" ", 1)[-1]

    def made() -> str | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT b.ref FROM messages m JOIN bids b ON b.id = m.bid_id WHERE m.id = ?",
                (queued,),
            ).fetchone()
        return row[0] if row else None

    return service.wait_for(made, what=f"a bid for message {queued}")


def card_of(slack: SlackApiServer, channel: str, ref: str) -> list[dict[str, Any]]:
    """Every top-level message in ``channel`` that is ``ref``'s card."""
    return [
        m
        for m in slack.channels[channel].top_level
        if m.get("blocks") and ref in m["blocks"][0]["text"]["text"]
    ]


def wait_card(service: RunningService, slack: SlackApiServer, channel: str, ref: str) -> dict:
    return service.wait_for(
        lambda: (card_of(slack, channel, ref) or [None])[0], what=f"the card of {ref}"
    )


def fields(card: dict[str, Any]) -> dict[str, str]:
    out = {}
    for block in card["blocks"]:
        for field in block.get("fields") or []:
            label, _, value = field["text"].partition("\n")
            out[label.strip("*")] = value
    return out


def thread_texts(slack: SlackApiServer, channel: str, ts: str) -> list[str]:
    return [m["text"] for m in slack.channels[channel].thread(ts)]


def new_bid(service: RunningService, slack: SlackApiServer, mail: MailMaker, **answers: Any):
    ref = bid_for(service, service.send(mail(**answers)))
    return ref, wait_card(service, slack, "C0COMMISS1", ref)


# -- the card --------------------------------------------------------------------------------


def test_a_bid_gets_one_valid_card_in_the_offices_channel(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)

    shown = fields(card)
    assert shown["Organisation"] == "Swale Women's Support Network"
    assert shown["Status"].endswith("Incomplete")
    assert "£" in shown["Amount requested"] and "cap" in shown["Amount requested"]
    assert "2027/28 round 1" in shown["Fund"]
    assert block_kit_problems(card["blocks"], text=card["text"]) == []
    assert card["metadata"]["event_payload"]["key"] == f"card:{ref}"
    posts = [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.args.get("channel") == "#commissioning" and ref in str(c.args.get("blocks"))
    ]
    assert len(posts) == 1


def test_a_fund_with_its_own_channel_gets_its_cards_there(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    raw = mail(fund="mental-health-policing", organisation_name="Medway Minds")
    ref = bid_for(service, service.send(raw, to="mental-health@bids.example.org"))
    card = wait_card(service, slack, "C0MENTAL01", ref)
    assert fields(card)["Organisation"] == "Medway Minds"
    assert card_of(slack, "C0COMMISS1", ref) == []


def test_what_an_applicant_wrote_pings_nobody(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    _, card = new_bid(
        service,
        slack,
        mail,
        organisation_name="<!channel> & <https://evil.example|Apply>",
        project_name="<@U0ADMIN1> <!here>",
    )
    sent = str(card["blocks"]) + card["text"]
    for threat in ("<!channel>", "<!here>", "<https://", "<@U0ADMIN1>"):
        assert threat not in sent
    assert fields(card)["Organisation"].startswith("&lt;!channel&gt; &amp;")


# -- buttons and modals ---------------------------------------------------------------------


def test_assign_to_me_updates_the_card_and_adds_a_thread_line(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)

    answer = driver.click("assign_to_me", ref)

    assert answer.status == 200 and answer.seconds < 3
    service.wait_for(lambda: card.get("edited"), what="the card updated")
    assert fields(card)["Assigned to"] == f"<@{OFFICER}>"
    lines = service.wait_for(lambda: thread_texts(slack, "C0COMMISS1", card["ts"]), what="a line")
    assert lines == [f"<@{OFFICER}> took this bid"]
    assert len(card_of(slack, "C0COMMISS1", ref)) == 1
    assert service.bid(ref)["assigned_to"] == OFFICER
    assert "sam.officer took this bid" in bid_text(service.bid(ref))  # `intake show`


def test_marking_a_bid_not_eligible_takes_a_reason_in_a_modal(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)
    opened_before = len(slack.views)

    assert driver.click("mark_ineligible", ref).status == 200
    view = service.wait_for(lambda: slack.views[opened_before:] and slack.views[-1], what="a modal")
    assert view["callback_id"] == "decision"
    assert view_problems({k: v for k, v in view.items() if k != "id"}) == []

    empty = driver.submit(view, text_value("reason", None))
    assert empty.status == 200
    assert empty.json == {
        "response_action": "errors",
        "errors": {"reason": "Say why it is not eligible."},
    }
    saved = driver.submit(view, text_value("reason", "Outside Kent <!channel>"))
    assert saved.status == 200 and not saved.body and saved.seconds < 3

    service.wait_for(lambda: card.get("edited"), what="the card updated")
    assert fields(card)["Decision"] == "not eligible: Outside Kent &lt;!channel&gt;"
    lines = service.wait_for(lambda: thread_texts(slack, "C0COMMISS1", card["ts"]), what="a line")
    assert lines == [f"<@{OFFICER}> marked this bid not eligible: Outside Kent &lt;!channel&gt;"]
    stored = service.bid(ref)
    assert (stored["decision"], stored["decision_reason"]) == (
        "not_eligible",
        "Outside Kent <!channel>",
    )


def test_scoring_uses_the_four_criteria_of_the_kent_matrix(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)
    opened_before = len(slack.views)

    driver.click("score", ref)
    view = service.wait_for(lambda: slack.views[opened_before:] and slack.views[-1], what="a modal")
    inputs = [b for b in view["blocks"] if b.get("block_id", "").startswith("criterion:")]
    assert [b["label"]["text"] for b in inputs] == [
        "Credible History",
        "Sustainability Post Funding",
        "Clear strategy & success measurement",
        "Localism",
    ]
    history = inputs[0]["element"]["options"]
    assert [o["value"] for o in history] == ["1", "2", "3", "4", "5"]
    assert history[0]["text"]["text"] == "1 · No previous experience with projects of this kind"
    longest = inputs[2]["element"]["options"][4]
    assert longest["text"]["text"].startswith("5 · Thorough understanding of target group")
    assert "description" in longest  # the level's words go on where the option's 75 end

    missing = driver.submit(view, chosen(view, {"credible_history": 4}))
    assert missing.json["response_action"] == "errors"
    assert set(missing.json["errors"]) == {
        "criterion:sustainability",
        "criterion:strategy_and_measurement",
        "criterion:localism",
    }
    levels = {
        "credible_history": 4,
        "sustainability": 3,
        "strategy_and_measurement": 4,
        "localism": 3,
    }
    assert driver.submit(view, chosen(view, levels)).status == 200

    service.wait_for(lambda: card.get("edited"), what="the card updated")
    # Who scored shows; what they scored does not, until the lead moderates
    # (tests/intake/slack/test_scoring_panel.py).
    assert fields(card)["Scorers"] == f"<@{OFFICER}> (1)"
    assert "Score" not in fields(card)
    assert service.bid(ref)["scores"] == {OFFICER: levels}


def test_requesting_the_missing_information_mails_exactly_the_problems_in_their_thread(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)
    problems = service.bid(ref)["problems"]
    assert problems
    opened_before = len(slack.views)

    driver.click("request_info", ref)
    view = service.wait_for(lambda: slack.views[opened_before:] and slack.views[-1], what="a modal")
    listed = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert listed.count("• ") == len(problems)
    assert driver.submit(view, text_value("note", "Please send it by Friday.")).status == 200

    def request_mail() -> Any:
        return next(
            (
                m
                for m in service.outbox()
                if f"[Ref {ref}]" in m["Subject"]
                and "more information" in m.get_body(("plain",)).get_content()
            ),
            None,
        )

    sent = service.wait_for(request_mail, what="the request for information")
    body = sent.get_body(("plain",)).get_content()
    for problem in problems:
        assert problem["message"].split()[0] in body
    assert "Please send it by Friday." in body
    first = next(m for m in service.outbox() if f"[Ref {ref}]" in m["Subject"])
    assert sent["In-Reply-To"] == first["In-Reply-To"]  # in the applicant's own thread
    lines = service.wait_for(lambda: thread_texts(slack, "C0COMMISS1", card["ts"]), what="a line")
    assert lines == [
        f"<@{OFFICER}> asked the applicant for the missing information ({len(problems)} problems)."
    ]
    history = [e["kind"] for e in service.bid(ref)["history"]]
    assert "info_requested" in history

    # The same modal sent again (a double click, a retry) mails nothing more.
    mails = len(service.outbox())
    assert driver.submit(view, text_value("note", None)).status == 200
    time.sleep(0.5)
    assert len(service.outbox()) == mails
    assert [e["kind"] for e in service.bid(ref)["history"]].count("info_requested") == 1


# -- /intake ---------------------------------------------------------------------------------


def test_intake_help_is_answered_at_once_and_only_to_the_officer(driver: SlackDriver) -> None:
    answer, _ = driver.command("help")
    assert answer.status == 200 and answer.seconds < 3
    assert answer.json["response_type"] == "ephemeral"
    assert "/intake open" in answer.json["blocks"][0]["text"]["text"]
    unknown, _ = driver.command("<!channel>")
    assert "I don't know “&lt;!channel&gt;”" in unknown.json["blocks"][0]["text"]["text"]


def test_intake_open_lists_bids_needing_action_by_fund(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, _ = new_bid(service, slack, mail, organisation_name="Faversham Youth Club")

    answer, response_url = driver.command("open")
    assert answer.status == 200 and answer.seconds < 3

    listing = driver.responses_to(response_url)
    assert listing["response_type"] == "ephemeral" and listing["replace_original"] is False
    text = "\n".join(b["text"]["text"] for b in listing["blocks"])
    assert "*Safer in Kent Fund*" in text
    assert ref in text and "Faversham Youth Club" in text
    assert "Mental Health" not in text  # its cards go to another channel
    assert block_kit_problems(listing["blocks"], text=listing["text"]) == []


def test_intake_show_gives_the_card_with_its_buttons(
    service: RunningService, slack: SlackApiServer, driver: SlackDriver, mail: MailMaker
) -> None:
    ref, _ = new_bid(service, slack, mail)
    answer, response_url = driver.command(f"show {ref.lower()}")
    assert answer.status == 200
    shown = driver.responses_to(response_url)
    assert ref in shown["blocks"][0]["text"]["text"]
    assert shown["blocks"][-1]["type"] == "actions"

    _, elsewhere = driver.command(
        f"show {ref}", channel_id="C0MENTAL01", channel_name="mental-health"
    )
    assert "No bid has the reference" in driver.responses_to(elsewhere)["blocks"][0]["text"]["text"]


def test_bids_are_not_listed_outside_their_channels(driver: SlackDriver) -> None:
    answer, _ = driver.command("open", channel_id="D0DIRECT1", channel_name="directmessage")
    assert answer.status == 200
    assert "only in the channels" in answer.json["blocks"][0]["text"]["text"]


def test_intake_deadlines_lists_the_coming_deadlines(driver: SlackDriver) -> None:
    _, response_url = driver.command("deadlines")
    text = driver.responses_to(response_url)["blocks"][0]["text"]["text"]
    assert "Safer in Kent Fund 2027/28 round 1 closes in 7 days" in text
    assert "Sun 23 May 2027" in text


# -- signatures ------------------------------------------------------------------------------


def test_requests_without_a_valid_signature_are_refused(
    service: RunningService, driver: SlackDriver
) -> None:
    """Checked against the real clock, although this service's clock says April 2027."""
    body = b"command=%2Fintake&text=help&user_id=U1&channel_id=C0COMMISS1"
    now = int(time.time())
    cases = {
        "no signature": driver.post(body, signature=""),
        "wrong secret": driver.post(body, signature="v0=" + "0" * 64),
        "stale": driver.post(body, timestamp=str(now - 400)),
        "from the future": driver.post(body, timestamp=str(now + 400)),
        "malformed timestamp": driver.post(body, timestamp="12.5"),
        "empty timestamp": driver.post(body, timestamp=""),
        "body changed": driver.post(
            body + b"x", signature=sign(driver.secret, str(now), body), timestamp=str(now)
        ),
    }
    assert {name: answer.status for name, answer in cases.items()} == dict.fromkeys(cases, 401)
    assert driver.post(body).status == 200
    assert service.health()["clock_shifted"] is True


def test_a_resubmission_updates_the_same_card_and_says_so_in_its_thread(
    service: RunningService, slack: SlackApiServer, mail: MailMaker
) -> None:
    ref, card = new_bid(service, slack, mail)
    complete = next(c for c in FORM_CASES if c.name == "complete-medway-youth-trust")
    again = build_mail(
        sender="Ann Applicant <ann.resubmits@example.org>",
        to="safer-in-kent@bids.example.org",
        subject=f"Re: Our application [Ref {ref}]",
        body="The corrected form is attached.",
        date=datetime(2027, 4, 16, 9, 30, tzinfo=UTC),
        message_id=f"<resubmission-{ref}@example.org>",
        attachments=[("form-v2.docx", build_form(complete.answers), "application/octet-stream")],
    )
    service.send(again)

    lines = service.wait_for(lambda: thread_texts(slack, "C0COMMISS1", card["ts"]), what="a line")
    assert lines == ["Version 2 received: complete, no problems."]
    assert card.get("edited") and fields(card)["Status"].endswith("Complete")
    assert "version 2" in card["blocks"][-2]["elements"][0]["text"]
    assert len(card_of(slack, "C0COMMISS1", ref)) == 1
