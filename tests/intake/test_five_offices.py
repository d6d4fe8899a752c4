"""The five offices of the seeds on one running service, each with its own rules.

One ``intake serve`` loads the bundled ``all-offices.toml`` (Kent,
Cambridgeshire, Essex, West Mercia, Dorset) and posts to a local Slack. For each
office a real form goes in over SMTP and the office's rules come out: its
reference, its caps and minimums, rounds or none, its card in its own channel
and its acknowledgement from its own address. Mail to a fund run by a partner,
or under review, or closed, is answered once and makes no bid.
"""

from __future__ import annotations

import io
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from docx import Document

from fixtures.make_fixtures import MEDWAY, build_form, build_mail
from fixtures.office_forms import OFFICE_CASES, build_office_form
from intake.config.load import bundled_office, load_config
from tests.harness import RunningService
from tests.intake.slack.driver import SECRET, SlackDriver
from tests.intake.test_offices import cli
from tests.slack_api_server import TOKEN, SlackApiServer

CONFIG = load_config(bundled_office("all-offices"))
# Inside Kent's and Essex's first rounds; West Mercia, Dorset and Cambridgeshire are rolling.
NOW = "2027-05-15T10:00:00+01:00"
CHANNELS = {
    "kent": "C0KENT0001",
    "cambridgeshire": "C0CAMBS001",
    "essex": "C0ESSEX001",
    "west-mercia": "C0WMERC001",
    "dorset": "C0DORSET01",
}
# The local areas' channels of the offices that route bids by area (Essex, West Mercia).
AREA_CHANNELS = {
    area.slack_channel: f"C0AREA{number:04d}"
    for number, area in enumerate(a for o in CONFIG.offices if o.routing for a in o.routing.areas)
}


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        for office in CONFIG.offices:
            server.add_channel(CHANNELS[office.id], office.slack_channel.lstrip("#"))
        for name, channel in AREA_CHANNELS.items():
            server.add_channel(channel, name.lstrip("#"))
        yield server


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    running = RunningService(
        tmp_path_factory.mktemp("five-offices"),
        INTAKE_CONFIG=str(bundled_office("all-offices")),
        INTAKE_NOW=NOW,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        INTAKE_SLACK_POST_INTERVAL="0.05",
    )
    running.start()
    yield running
    running.close()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def application(
    fund_id: str,
    *,
    amount: str,
    sender: str,
    answers: dict[str, Any] | None = None,
    more: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """The fund's office's own form filled in for ``fund_id``, in a mail: Kent's
    published form, or the form another office's schema prints, with the fund's
    criteria; ``answers`` change some answers; ``more``, other attachments."""
    fund = CONFIG.fund(fund_id)
    criteria = [(c.id, c.label) for c in fund.criteria]
    typed: dict[str, Any] = {
        "amount_requested": amount,
        "total_cost": amount,
        "criteria": [criteria[0][0]] if criteria else [],
        **(answers or {}),
    }
    if fund.office == "kent":
        form = build_form({**MEDWAY.answers, "funding_shortfall": "", **typed}, criteria=criteria)
    else:
        case = next(c for c in OFFICE_CASES if c.office == fund.office)
        form = build_office_form(
            CONFIG.form(fund.form),
            fund,
            {**case.answers, **typed},
            office_name=CONFIG.office(fund.office).name,
        )
    return build_mail(
        sender=sender,
        to=fund.inbox,
        subject=f"Application to the {fund.name}",
        body="Please find our application attached.",
        date=datetime(2027, 5, 15, 9, 0, tzinfo=UTC),
        message_id=f"<{uuid.uuid4().hex}@example.org>",
        attachments=[("application.docx", form, DOCX), *more],
    )


def send(
    service: RunningService, fund_id: str, *, amount: str = "£2,500", who: str = "", **more: Any
) -> str:
    """Send an application to ``fund_id`` from a sender of its own; returns the sender."""
    sender = f"{fund_id}{who}@applicant.example.org"
    service.send(
        application(fund_id, amount=amount, sender=sender, **more),
        to=CONFIG.fund(fund_id).inbox,
        sender=sender,
    )
    return sender


def bid_of(service: RunningService, fund_id: str) -> dict[str, Any]:
    return service.wait_for(
        lambda: next((b for b in service.bids() if b["fund"] == fund_id), None),
        what=f"the bid to {fund_id}",
    )


def mail_to(service: RunningService, sender: str) -> EmailMessage:
    return service.wait_for(
        lambda: next((m for m in service.outbox() if m["To"] == sender), None),
        what=f"the mail to {sender}",
    )


def card_in(slack: SlackApiServer, service: RunningService, office: str, ref: str) -> str:
    """The card of ``ref`` in ``office``'s channel, or in the channel named ``office``
    (a local area's: ``#essex-grants-thurrock``)."""
    channel = CHANNELS.get(office) or AREA_CHANNELS[office]

    def posted() -> str | None:
        for message in slack.channels[channel].top_level:
            text = str(message.get("blocks") or "")
            if ref in text:
                return text
        return None

    return str(service.wait_for(posted, what=f"the card of {ref} in {office}'s channel"))


@pytest.fixture(scope="module")
def sent(service: RunningService) -> dict[str, str]:
    """One mail to each fund the tests look at, sent at once so they are read together."""
    return {
        "safer-in-kent": send(service, "safer-in-kent"),
        "essex-csdf": send(service, "essex-csdf", amount="£24,000"),
        "essex-children": send(
            service,
            "essex-csdf",
            amount="£5,000",
            who="+children",
            answers={"children_vulnerable": "Yes"},
        ),
        "essex-safeguarded": send(
            service,
            "essex-csdf",
            amount="£6,000",
            who="+safeguarded",
            answers={"children_vulnerable": "Yes"},
            more=(("Safeguarding_Policy_2027.pdf", b"%PDF-1.4 policy", "application/pdf"),),
        ),
        "essex-southend": send(
            service,
            "essex-csdf",
            amount="£3,000",
            who="+southend",
            answers={"area": None, "postcode": "SS1 2AB"},
        ),
        "essex-nowhere": send(
            service,
            "essex-csdf",
            amount="£3,500",
            who="+nowhere",
            answers={"area": None, "postcode": None},
        ),
        "wm-lpcaf": send(service, "wm-lpcaf", amount="£40,000"),
        "dorset-community-grant": send(service, "dorset-community-grant", amount="£50"),
        "dorset-in-range": send(service, "dorset-community-grant", amount="£2,500", who="+2"),
        "cambs-crime-reduction-grants": send(service, "cambs-crime-reduction-grants"),
        "cambs-youth-fund": send(service, "cambs-youth-fund"),
        "cambs-casualty-support": send(service, "cambs-casualty-support"),
        "dorset-priority-commissioning": send(service, "dorset-priority-commissioning"),
    }


def test_kent_bid_is_judged_in_its_round_and_carded_in_its_channel(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = bid_of(service, "safer-in-kent")
    assert bid["ref"].startswith("KENT-2027-") and bid["status"] == "complete"
    assert bid["round"] == "2027-r1"
    card_in(slack, service, "kent", bid["ref"])
    ack = mail_to(service, sent["safer-in-kent"])
    assert "commissioning@bids.example.org" in ack["From"] and bid["ref"] in ack["Subject"]


def essex_bid(service: RunningService, amount: str) -> dict[str, Any]:
    return service.wait_for(
        lambda: next(
            (
                b
                for b in service.bids()
                if b["fund"] == "essex-csdf" and b["fields"].get("amount_requested") == amount
            ),
            None,
        ),
        what=f"the Essex bid for {amount}",
    )


def test_essex_asks_for_a_safeguarding_policy_when_the_project_works_with_children(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = essex_bid(service, "5000.00")
    assert bid["status"] == "incomplete"
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [(None, "missing_document")]
    assert "safeguarding policy" in card_in(slack, service, "#essex-grants-thurrock", bid["ref"])
    ack = " ".join(mail_to(service, sent["essex-children"]).get_content().split())
    assert "Please send your safeguarding policy with your application" in ack
    with_policy = essex_bid(service, "6000.00")
    assert (with_policy["status"], with_policy["problems"]) == ("complete", [])


def test_essex_applies_its_20000_cap(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = essex_bid(service, "24000.00")
    assert bid["ref"].startswith("ESSEX-2027-") and bid["status"] == "ineligible"
    assert [p["code"] for p in bid["problems"]] == ["over_limit"]
    assert "£20,000.00" in bid["problems"][0]["message"]
    assert "£20,000.00" in card_in(slack, service, "#essex-grants-thurrock", bid["ref"])
    ack = mail_to(service, sent["essex-csdf"])
    assert "grants@essex.bids.example.org" in ack["From"]
    assert "£20,000.00" in ack.get_content()


def test_west_mercia_rolling_fund_takes_bids_any_day_without_a_cap(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = bid_of(service, "wm-lpcaf")
    assert bid["ref"].startswith("WMERCIA-2027-")
    assert bid["status"] == "complete" and bid["round"] is None
    card = card_in(slack, service, "#wm-shropshire", bid["ref"])
    assert "£40,000.00 asked by 1 bid of the £150,000.00 pot for 2027/28 (£110,000.00 left)" in card
    assert "westmercia.bids.example.org" in mail_to(service, sent["wm-lpcaf"])["From"]


def test_dorset_refuses_a_request_under_its_100_minimum(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    service.wait_for(
        lambda: len([b for b in service.bids() if b["fund"] == "dorset-community-grant"]) == 2,
        what="both Dorset bids",
    )
    under, in_range = sorted(
        (b for b in service.bids() if b["fund"] == "dorset-community-grant"),
        key=lambda b: b["fields"]["amount_requested"] != "50.00",
    )
    assert in_range["status"] == "complete"
    # The £50 bid is ineligible: it asks nothing of the pot.
    card = card_in(slack, service, "dorset", in_range["ref"])
    assert "£2,500.00 asked by 1 bid of the £12,000.00 pot for 2027/28 (£9,500.00 left)" in card
    bid = under
    assert bid["ref"].startswith("DORSET-2027-") and bid["status"] == "ineligible"
    assert [(p["field"], p["code"]) for p in bid["problems"]] == [
        ("amount_requested", "under_limit")
    ]
    assert "minimum grant of £100.00" in bid["problems"][0]["message"]
    card_in(slack, service, "dorset", bid["ref"])
    ack = mail_to(service, sent["dorset-community-grant"])
    assert "dorset.bids.example.org" in ack["From"]
    assert "minimum grant of £100.00" in " ".join(ack.get_content().split())


def test_cambridgeshire_rolling_grants_make_a_bid(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = bid_of(service, "cambs-crime-reduction-grants")
    assert bid["ref"].startswith("CAMBS-2027-") and bid["status"] == "complete"
    card_in(slack, service, "cambridgeshire", bid["ref"])


def test_a_fund_run_by_a_partner_answers_where_to_apply_and_makes_no_bid(
    service: RunningService, sent: dict[str, str]
) -> None:
    notice = mail_to(service, sent["cambs-youth-fund"])
    text = " ".join(notice.get_content().split())
    assert notice["Subject"] == "How to apply to the Youth Fund"
    assert "Cambridgeshire Community Foundation" in text
    assert "https://www.cambscf.org.uk/" in text
    assert notice["Auto-Submitted"] == "auto-replied"
    assert "grants@cambs.bids.example.org" in notice["From"]
    assert not [b for b in service.bids() if b["fund"] == "cambs-youth-fund"]


def test_funds_under_review_or_closed_say_so_and_make_no_bid(
    service: RunningService, sent: dict[str, str]
) -> None:
    review = mail_to(service, sent["cambs-casualty-support"])
    assert review["Subject"] == "The Casualty Support and Reduction Fund is under review"
    closed = mail_to(service, sent["dorset-priority-commissioning"])
    assert closed["Subject"] == "The Safer Dorset Fund Priority Commissioning Scheme is closed"
    assert "Community Grant Scheme" in closed.get_content()
    funds = {b["fund"] for b in service.bids()}
    assert not funds & {"cambs-casualty-support", "dorset-priority-commissioning"}
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        states = connection.execute(
            "SELECT state, outcome FROM messages WHERE fund = 'cambs-casualty-support'"
        ).fetchall()
    assert states == [
        (
            "fund_notice",
            "no bid: cambs-casualty-support is under review; the sender was answered",
        )
    ]


@pytest.mark.parametrize(
    ("fund_id", "form_id", "own_answer"),
    [
        ("safer-in-kent", "kent-funding-application", ("new_or_existing", "new")),
        ("essex-csdf", "essex-csdf-application", ("area", "thurrock")),
        ("wm-lpcaf", "west-mercia-local-fund-application", ("local_policing_area", "shropshire")),
        (
            "dorset-community-grant",
            "dorset-community-grant-application",
            ("organisation_type", "community_group"),
        ),
        ("cambs-crime-reduction-grants", "cambs-grant-application", ("district", "fenland")),
    ],
)
def test_each_office_reads_bids_on_its_own_form(
    service: RunningService,
    sent: dict[str, str],
    fund_id: str,
    form_id: str,
    own_answer: tuple[str, str],
) -> None:
    bid = bid_of(service, fund_id)
    field, value = own_answer
    # An answer only this office's questions give (a question or an option no other
    # form read here has): the bid was read on the office's own form.
    assert CONFIG.fund(fund_id).form == form_id
    assert field in {q.id for q in CONFIG.form(form_id).fields}
    assert bid["fields"].get(field) == value


def test_an_essex_bid_goes_to_its_areas_channel_and_officers(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    # The area ticked: Thurrock's channel, its officer mentioned on the card.
    ticked = essex_bid(service, "6000.00")
    card = card_in(slack, service, "#essex-grants-thurrock", ticked["ref"])
    assert "Thurrock" in card and "<@U0ESXTHURR>" in card
    # No area ticked, a Southend postcode typed: Southend's channel.
    by_postcode = essex_bid(service, "3000.00")
    assert "<@U0ESXSOUTH>" in card_in(slack, service, "#essex-grants-southend", by_postcode["ref"])
    # Neither: the office's own channel, the fallback.
    nowhere = essex_bid(service, "3500.00")
    assert "Area" not in card_in(slack, service, "essex", nowhere["ref"])
    assert [p["field"] for p in nowhere["problems"]] == ["area"]
    elsewhere = [CHANNELS["essex"], *(c for n, c in AREA_CHANNELS.items() if "thurrock" not in n)]
    # Its card is in no other channel (other cards may name it as a possible duplicate).
    headers = [
        str(m["blocks"][0]["text"]["text"])
        for c in elsewhere
        for m in slack.channels[c].top_level
        if m.get("blocks")
    ]
    assert not [h for h in headers if h.startswith(f"{ticked['ref']} ")]


def test_a_west_mercia_bid_goes_to_its_local_policing_areas_channel(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    bid = bid_of(service, "wm-lpcaf")
    assert "<@U0WMSHROP1>" in card_in(slack, service, "#wm-shropshire", bid["ref"])


# -- awards: Essex's transparency list and distribution; Dorset's staged approaches --------


def driver_for(service: RunningService, slack: SlackApiServer) -> SlackDriver:
    return SlackDriver(service, slack)


def card_blocks(slack: SlackApiServer, channel: str, ref: str) -> list[dict[str, Any]]:
    """The blocks of ``ref``'s card as it stands (posted, then updated in place)."""
    for message in slack.channels[channel].top_level:
        blocks = message.get("blocks") or []
        if blocks and str(blocks[0]["text"]["text"]).startswith(f"{ref} "):
            return list(blocks)
    return []


def has_button(slack: SlackApiServer, channel: str, ref: str, words: str) -> bool:
    return any(
        element.get("text", {}).get("text") == words
        for block in card_blocks(slack, channel, ref)
        if block.get("type") == "actions"
        for element in block["elements"]
    )


def modal_after_click(
    driver: SlackDriver, slack: SlackApiServer, action: str, ref: str, callback: str
) -> dict[str, Any]:
    """Click ``action`` on ``ref``'s card and return the modal it opens (the newest)."""
    before = len([v for v in slack.views if v.get("callback_id") == callback])
    driver.click(action, ref)
    return driver.opened_view(callback, before + 1)


def amount_value(amount: str) -> dict[str, Any]:
    return {"amount": {"amount": {"type": "plain_text_input", "value": amount}}}


def test_an_essex_award_is_published_and_counted_by_area_and_priority(
    service: RunningService, slack: SlackApiServer, sent: dict[str, str]
) -> None:
    driver = driver_for(service, slack)
    bid = essex_bid(service, "6000.00")
    channel = AREA_CHANNELS["#essex-grants-thurrock"]
    card_in(slack, service, "#essex-grants-thurrock", bid["ref"])
    assert not has_button(slack, channel, bid["ref"], "Award")
    driver.submit(modal_after_click(driver, slack, "mark_eligible", bid["ref"], "decision"), {})
    service.wait_for(
        lambda: has_button(slack, channel, bid["ref"], "Award"), what="the Award button"
    )
    view = modal_after_click(driver, slack, "award", bid["ref"], "award")
    assert "6000.00" in str(view["blocks"])  # the amount requested, to start with
    saved = driver.submit(view, amount_value("£5,500"))
    assert saved.status == 200 and not saved.body
    service.wait_for(
        lambda: "awarded £5,500.00" in str(card_blocks(slack, channel, bid["ref"])),
        what="the award on the card",
    )

    answer, url = driver.command(
        "published essex-csdf", channel_id=CHANNELS["essex"], channel_name="essex-grants"
    )
    assert answer.status == 200
    published = str(driver.responses_to(url))
    assert "Thurrock Street Pastors" in published and "£5,500.00" in published
    assert "Trained volunteers on Grays high street" in published  # the short description
    answer, url = driver.command(
        "distribution essex-csdf", channel_id=CHANNELS["essex"], channel_name="essex-grants"
    )
    report = str(driver.responses_to(url))
    assert "Thurrock: 1 award, £5,500.00" in report
    assert "Southend-on-Sea: 0 awards" in report
    assert "Further investment in crime prevention: 1 award, £5,500.00" in report
    # Kent's channel sees no Essex fund.
    answer, url = driver.command(
        "published essex-csdf", channel_id=CHANNELS["kent"], channel_name="commissioning"
    )
    assert "No fund" in str(driver.responses_to(url))

    export = cli(service, "export", "--published", "--office", "essex", "--fund", "essex-csdf")
    assert export.returncode == 0, export.stderr
    assert export.stdout.splitlines() == [
        "Organisation,Short description,Award value",
        "Thurrock Street Pastors,"
        '"Trained volunteers on Grays high street on Friday and Saturday nights, helping '
        'vulnerable people get home safely.",'
        '"£5,500.00"',
    ]
    report_text = cli(service, "export", "--distribution", "--office", "essex")
    assert report_text.returncode == 0, report_text.stderr
    assert "1 award, £5,500.00 in all" in report_text.stdout


def proposal_document() -> bytes:
    """A proposal as an applicant writes one: a Word document of their own."""
    document = Document()
    document.add_heading("Proposal: Rural Watch Coordinator", level=1)
    document.add_paragraph("The service, its cost to the PCC (£7,500) and its outcomes.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_dorset_approach_goes_through_its_stages_from_the_card(
    service: RunningService, slack: SlackApiServer
) -> None:
    driver = driver_for(service, slack)
    sender = send(
        service,
        "dorset-one-off",
        amount="£8,000",
        who="+approach",
        answers={
            "project_name": "Rural Watch Coordinator",
            "business_case": "Rural crime is rising in North Dorset; a coordinator would "
            "link farm watch schemes with the rural crime team.",
        },
    )
    bid = service.wait_for(
        lambda: next((b for b in service.bids() if b["fund"] == "dorset-one-off"), None),
        what="the approach",
    )
    ref, channel = bid["ref"], CHANNELS["dorset"]
    assert "approach received" in card_in(slack, service, "dorset", ref)
    assert has_button(slack, channel, ref, "Ask for proposal form")

    # Approving before the recommendation is refused, beside the amount.
    early = driver.submit(
        modal_after_click(driver, slack, "award", ref, "award"), amount_value("8000")
    )
    assert "cannot be approved now" in early.body

    driver.click("stage_ask_proposal", ref)
    assert "asked for the proposal form" in str(driver.responses_to(driver.last_response_url))
    asked = service.wait_for(
        lambda: next(
            (m for m in service.outbox() if m["To"] == sender and "proposal" in m.get_content()),
            None,
        ),
        what="the proposal form request",
    )
    assert ref in asked["Subject"]
    assert "OPCC Proposal Form" in " ".join(asked.get_content().split())
    service.wait_for(
        lambda: has_button(slack, channel, ref, "Recommend"), what="the Recommend button"
    )
    # The applicant's proposal, in reply: kept on the bid, not read as its form again.
    service.send(
        build_mail(
            sender=sender,
            to=CONFIG.fund("dorset-one-off").inbox,
            subject=str(asked["Subject"]),
            body="Our proposal form is attached.",
            date=datetime(2027, 5, 16, 9, 0, tzinfo=UTC),
            message_id=f"<{uuid.uuid4().hex}@example.org>",
            attachments=[("Proposal_Form.docx", proposal_document(), DOCX)],
            headers={"In-Reply-To": str(asked["Message-ID"])},
        ),
        to=CONFIG.fund("dorset-one-off").inbox,
        sender=sender,
    )
    kept = service.wait_for(
        lambda: next(
            (e for e in service.bid(ref)["history"] if "Received a proposal" in e["text"]), None
        ),
        what="the proposal kept on the bid",
    )
    assert "Our proposal form is attached" in kept["text"]
    assert (service.bid(ref)["version"], service.bid(ref)["status"]) == (1, "complete")
    driver.click("stage_ask_proposal", ref)  # a second click: already asked
    assert "cannot ask for its proposal form now" in str(
        driver.responses_to(driver.last_response_url)
    )

    view = modal_after_click(driver, slack, "stage_recommend", ref, "stage_recommend")
    missing = driver.submit(view, amount_value("7,500"))
    assert "Say what you recommend" in missing.body
    note = {"note": {"text": {"type": "plain_text_input", "value": "Good value; fund it."}}}
    assert not driver.submit(view, {**amount_value("7,500"), **note}).body
    service.wait_for(lambda: has_button(slack, channel, ref, "Approve"), what="Approve")

    approve = modal_after_click(driver, slack, "award", ref, "award")
    assert not driver.submit(approve, amount_value("7,500")).body
    service.wait_for(
        lambda: "awarded £7,500.00" in str(card_blocks(slack, channel, ref)),
        what="the decision on the card",
    )
    assert "decided" in str(card_blocks(slack, channel, ref))
    assert not has_button(slack, channel, ref, "Approve")
    history = [e["text"] for e in service.bid(ref)["history"]]
    steps = [t for t in history if "proposal" in t or "recommended" in t or "awarded" in t]
    assert steps == [
        "asked the applicant for the proposal form.",
        "The proposal form was asked of " + sender + ".",
        f'Received a proposal from {sender}: "{asked["Subject"]}": Our proposal form is attached.'
        " (attached: Proposal_Form.docx)",
        "recommended £7,500.00: Good value; fund it.",
        "awarded £7,500.00.",
    ]
