"""The scoring panel in Slack, against a running service: three scorers, a disagreement,
the lead's moderation, and the ranking against the round's pot.

The Safer in Kent Fund is given a pot of £15,000 a round and a lead (U0LEAD0001);
every request is signed as Slack signs it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import RunningService
from tests.intake.slack.conftest import ROUND_ONE, mail_maker, slack_config, slack_env
from tests.intake.slack.driver import SlackDriver, chosen, text_value
from tests.intake.slack.test_triage_in_slack import bid_for, fields, thread_texts, wait_card
from tests.slack_api_server import SlackApiServer, block_kit_problems, view_problems

LEAD = "U0LEAD0001"
SCORERS = ("U0SCORER01", "U0SCORER02", "U0SCORER03")
LEVELS = {"credible_history": 4, "sustainability": 3, "strategy_and_measurement": 4, "localism": 3}
PANEL = 'pot = "15000"\npot_period = "round"\npanel = { leads = ["U0LEAD0001"], spread_gap = 1 }\n'


def panel_config(folder: Path) -> Path:
    path = slack_config(folder)
    text = path.read_text()
    fund = 'name = "Safer in Kent Fund"\n'
    assert fund in text
    path.write_text(text.replace(fund, fund + PANEL, 1))
    return path


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("scoring-panel")
    env = slack_env(slack, folder)
    env["INTAKE_CONFIG"] = str(panel_config(folder))
    running = RunningService(folder, INTAKE_NOW=ROUND_ONE, **env)
    running.start()
    yield running
    running.close()


@pytest.fixture(scope="module")
def bids(service: RunningService, slack: SlackApiServer) -> dict[str, tuple[str, dict[str, Any]]]:
    """Four bids of round 1: £6,000, £5,000, £7,000 and £1,000 against the £15,000 pot."""
    make = mail_maker()
    made = {}
    for name, amount in (("A", "£6,000"), ("B", "£5,000"), ("C", "£7,000"), ("D", "£1,000")):
        raw = make(organisation_name=f"Organisation {name}", amount_requested=amount)
        ref = bid_for(service, service.send(raw))
        made[name] = (ref, wait_card(service, slack, "C0COMMISS1", ref))
    return made


def open_score(driver: SlackDriver, slack: SlackApiServer, ref: str, user: str) -> dict[str, Any]:
    before = len(slack.views)
    assert driver.click("score", ref, user=user).status == 200
    view = driver.service.wait_for(
        lambda: slack.views[before:] and slack.views[-1], what="the score modal"
    )
    assert view_problems(view) == []
    return view


def words(view: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")


def save_as(choice: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": choice}, "value": choice}
    return {"save_as": {"level": {"type": "radio_buttons", "selected_option": option}}}


def test_three_scorers_score_apart_disagree_and_the_lead_moderates(
    service: RunningService,
    slack: SlackApiServer,
    driver: SlackDriver,
    bids: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    ref, card = bids["A"]
    first, second, third = SCORERS

    view = open_score(driver, slack, ref, first)
    assert "*The other scorers*" not in words(view)
    values = {
        **chosen(view, {**LEVELS, "localism": 2}),
        **text_value("comment:localism", "Only Swale"),
    }
    assert driver.submit(view, values, user=first).status == 200

    # The second scorer sees nothing of the first's sheet before sending theirs.
    view = open_score(driver, slack, ref, second)
    assert first not in json.dumps(view) and "Only Swale" not in json.dumps(view)
    assert driver.submit(view, chosen(view, {**LEVELS, "localism": 5}), user=second).status == 200
    view = open_score(driver, slack, ref, third)
    sent = driver.submit(view, chosen(view, LEVELS), user=third)
    # Sent, the modal turns into the scorer's own sheet beside the others'.
    assert sent.status == 200 and sent.json["response_action"] == "update"
    assert view_problems(sent.json["view"]) == []
    assert "are saved" in words(sent.json["view"])
    assert f"<@{first}> 13 / 20" in words(sent.json["view"])

    # Once sent, the first sees the others' sheets, and where the panel disagrees.
    view = open_score(driver, slack, ref, first)
    shown = words(view)
    assert f"<@{second}> 16 / 20" in shown and f"<@{third}> 14 / 20" in shown
    assert "disagree on Localism" in shown
    mine = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert mine["criterion:localism"]["element"]["initial_option"]["value"] == "2"
    assert mine["comment:localism"]["element"]["initial_value"] == "Only Swale"
    assert "save_as" not in mine  # not a lead

    service.wait_for(
        lambda: "Scorers" in fields(card) and "(3)" in fields(card)["Scorers"], what="3"
    )
    assert fields(card)["Scorers"] == (
        f"<@{first}> <@{second}> <@{third}> (3) · disagree on Localism"
    )
    assert "Score" not in fields(card)  # no one's levels on the card before moderation
    lines = service.wait_for(
        lambda: (
            len(thread_texts(slack, "C0COMMISS1", card["ts"])) >= 3
            and thread_texts(slack, "C0COMMISS1", card["ts"])
        ),
        what="three thread lines",
    )
    assert lines[:3] == [f"<@{s}> scored this bid." for s in SCORERS]

    # A scorer who is not the lead cannot moderate, whatever the form sends.
    view = open_score(driver, slack, ref, second)
    refused = driver.submit(view, {**chosen(view, LEVELS), **save_as("moderated")}, user=second)
    assert refused.json["response_action"] == "errors"
    assert "Only the panel's lead" in json.dumps(refused.json["errors"])

    # The lead scores first, like everyone, then sets the moderated score.
    view = open_score(driver, slack, ref, LEAD)
    assert "save_as" not in json.dumps(view) and second not in json.dumps(view)
    assert driver.submit(view, chosen(view, LEVELS), user=LEAD).status == 200
    view = open_score(driver, slack, ref, LEAD)
    assert "save_as" in [b.get("block_id") for b in view["blocks"]]
    moderated = {**chosen(view, {**LEVELS, "localism": 4}), **save_as("moderated")}
    assert driver.submit(view, moderated, user=LEAD).status == 200

    service.wait_for(lambda: "Score" in fields(card), what="the moderated score on the card")
    assert fields(card)["Score"].startswith("15 / 20 (moderated) · Credible History 4")
    view = open_score(driver, slack, ref, first)  # a scorer sees the moderation too
    assert f"*Moderated* by <@{LEAD}> 15 / 20" in words(view)
    assert "(4)" in fields(card)["Scorers"]
    assert block_kit_problems(card["blocks"], text=card["text"]) == []


def test_the_ranking_runs_the_requests_against_the_rounds_pot(
    service: RunningService,
    slack: SlackApiServer,
    driver: SlackDriver,
    bids: dict[str, tuple[str, dict[str, Any]]],
) -> None:
    # A is moderated at 15 / 20 by the test above (or scored here if run alone).
    a, b, c, d = (bids[name][0] for name in "ABCD")
    for ref, localism in ((a, 4), (b, 5), (c, 1)):
        view = open_score(driver, slack, ref, SCORERS[0])
        assert (
            driver.submit(
                view, chosen(view, {**LEVELS, "localism": localism}), user=SCORERS[0]
            ).status
            == 200
        )

    # The ranking combines every scorer's sheets: a scorer may not see it, the lead may.
    _, refused = driver.command("ranking safer-in-kent", user=SCORERS[1])
    assert f"shown to the panel's lead (<@{LEAD}>)" in json.dumps(driver.responses_to(refused))
    answer, response_url = driver.command("ranking safer-in-kent", user=LEAD)
    assert answer.status == 200 and answer.seconds < 3
    ranking = driver.responses_to(response_url)
    assert ranking["response_type"] == "ephemeral"
    assert block_kit_problems(ranking["blocks"], text=ranking["text"]) == []
    text = "\n".join(block["text"]["text"] for block in ranking["blocks"])
    assert "Safer in Kent Fund · 2027/28 round 1" in text
    assert "Pot £15,000.00" in text
    order = [text.index(ref) for ref in (b, a, c, d)]
    assert order == sorted(order), text  # B (16), A (15), C (12), then D: not scored
    assert f"1. *{b}*" in text and f"2. *{a}*" in text and f"3. *{c}*" in text
    assert "running total £5,000.00 :white_check_mark:" in text
    assert "running total £11,000.00 :white_check_mark:" in text
    assert text.index("the pot of £15,000.00 is spent") < text.index(f"3. *{c}*")
    assert "running total £18,000.00 :x:" in text
    assert "*Not scored yet*" in text and f"– *{d}* " in text
    assert "4 bids asking £19,000.00 in all (-£4,000.00 left)" in text

    _, unknown = driver.command("ranking no-such-fund", user=LEAD)
    said = json.dumps(driver.responses_to(unknown), ensure_ascii=False)
    assert "No fund “no-such-fund” has its cards here" in said
