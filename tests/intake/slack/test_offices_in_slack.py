"""Two offices in two Slack workspaces on one running service: each sees only its own bids.

Kent is in the default workspace (``SLACK_BOT_TOKEN``, id learned from Slack);
Essex names its workspace and the variable holding its bot token. Both have a
channel called ``#commissioning``, each in its own workspace. Every request is
signed with the one app's secret, as Slack signs requests from every workspace
the app is installed in; what differs is the ``team_id`` Slack puts in them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.config.load import bundled_config_text
from tests.harness import ROOT, RunningService
from tests.intake.slack.conftest import ROUND_ONE, MailMaker, mail_maker
from tests.intake.slack.driver import SECRET, SlackDriver, text_value
from tests.offices import ESSEX_INBOX, essex
from tests.slack_api_server import TEAM_ID, TOKEN, SlackApiServer

ESSEX_TOKEN = "xoxb-essex-token"
ESSEX_TEAM = {"id": "T0ESSEX", "domain": "essex-pfcc"}
KENT_TEAM = {"id": TEAM_ID, "domain": "commissioning"}
ESSEX = essex()
# Three seconds before 9am on Sunday 23 May 2027: both offices' round 1 closes in 7 days.
SEVEN_DAYS_BEFORE = "2027-05-23T08:59:57+01:00"


def two_workspaces(server: SlackApiServer) -> SlackApiServer:
    """Kent's workspace (the server's first) and Essex's, each with a #commissioning."""
    server.add_channel("C0COMMISS1", "commissioning")
    server.add_workspace(ESSEX_TOKEN, ESSEX_TEAM["id"])
    server.add_channel("C0ESSEX01", "commissioning", team=ESSEX_TEAM["id"])
    return server


def offices_env(server: SlackApiServer, folder: Path, **more: str) -> dict[str, str]:
    config = folder / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX)
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "ESSEX_SLACK_BOT_TOKEN": ESSEX_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": server.url,
        "INTAKE_SLACK_POST_INTERVAL": "0.05",
        "INTAKE_CONFIG": str(config),
        **more,
    }


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield two_workspaces(server)


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("offices-in-slack")
    running = RunningService(folder, INTAKE_NOW=ROUND_ONE, **offices_env(slack, folder))
    running.start()
    yield running
    running.close()


@pytest.fixture(scope="module")
def kent(service: RunningService, slack: SlackApiServer) -> SlackDriver:
    return SlackDriver(service, slack, team=KENT_TEAM)


@pytest.fixture(scope="module")
def essex(service: RunningService, slack: SlackApiServer) -> SlackDriver:
    return SlackDriver(service, slack, team=ESSEX_TEAM)


def ref_of(service: RunningService, reply: str) -> str:
    queued = reply.rsplit(" ", 1)[-1]

    def made() -> str | None:
        with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
            row = connection.execute(
                "SELECT b.ref FROM messages m JOIN bids b ON b.id = m.bid_id WHERE m.id = ?",
                (queued,),
            ).fetchone()
        return row[0] if row else None

    return service.wait_for(made, what=f"a bid for message {queued}")


def cards_of(slack: SlackApiServer, channel: str, ref: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.channels[channel].top_level
        if m.get("blocks") and ref in m["blocks"][0]["text"]["text"]
    ]


def mentions(slack: SlackApiServer, team: str, ref: str) -> list[dict[str, Any]]:
    """Every message of ``team``'s workspace that names ``ref`` anywhere."""
    return [
        m
        for c in slack.channels.values()
        if c.team == team
        for m in c.messages
        if ref in json.dumps(m)
    ]


@pytest.fixture(scope="module")
def refs(service: RunningService, slack: SlackApiServer) -> dict[str, str]:
    """One bid in each office, with its card posted."""
    mail = mail_maker()
    kent = ref_of(service, service.send(mail()))
    essex = ref_of(service, service.send(mail(), to=ESSEX_INBOX))
    service.wait_for(lambda: cards_of(slack, "C0COMMISS1", kent), what="Kent's card")
    service.wait_for(lambda: cards_of(slack, "C0ESSEX01", essex), what="Essex's card")
    return {"kent": kent, "essex": essex}


# -- outgoing ---------------------------------------------------------------------------------


def test_each_office_posts_with_its_own_token_in_its_own_workspace(
    slack: SlackApiServer, refs: dict[str, str]
) -> None:
    assert refs["kent"].startswith("KENT-") and refs["essex"].startswith("ESSEX-")
    (kent_card,) = cards_of(slack, "C0COMMISS1", refs["kent"])
    (essex_card,) = cards_of(slack, "C0ESSEX01", refs["essex"])
    posts = {
        ref: {
            (c.token, c.response.get("channel"))
            for c in slack.calls_to("chat.postMessage")
            if ref in json.dumps(c.args)
        }
        for ref in refs.values()
    }
    assert posts == {
        refs["kent"]: {(TOKEN, "C0COMMISS1")},
        refs["essex"]: {(ESSEX_TOKEN, "C0ESSEX01")},
    }
    assert mentions(slack, ESSEX_TEAM["id"], refs["kent"]) == []
    assert mentions(slack, KENT_TEAM["id"], refs["essex"]) == []
    assert kent_card and essex_card


def test_health_lists_both_workspaces_and_each_token_was_checked(
    service: RunningService, slack: SlackApiServer, refs: dict[str, str]
) -> None:
    health = service.health()
    assert health["status"] == "ok", health["problems"]
    assert health["slack_workspaces"] == {"default": "configured", "T0ESSEX": "configured"}
    for token, channel in ((TOKEN, "C0COMMISS1"), (ESSEX_TOKEN, "C0ESSEX01")):
        assert slack.calls_by(token, "auth.test")
        checked = [c.args.get("channel") for c in slack.calls_by(token, "conversations.info")]
        assert checked == [channel]


# -- incoming: /intake ------------------------------------------------------------------------


def _listing(driver: SlackDriver, text: str, channel_id: str) -> str:
    answer, url = driver.command(text, channel_id=channel_id, channel_name="commissioning")
    assert answer.status == 200, answer.body
    return json.dumps(driver.responses_to(url))


def test_a_command_lists_only_its_workspaces_bids(
    kent: SlackDriver, essex: SlackDriver, refs: dict[str, str]
) -> None:
    in_essex = _listing(essex, "open", "C0ESSEX01")
    assert refs["essex"] in in_essex and refs["kent"] not in in_essex
    in_kent = _listing(kent, "open", "C0COMMISS1")
    assert refs["kent"] in in_kent and refs["essex"] not in in_kent
    # By reference, another office's bid is not found, as one that does not exist.
    shown = _listing(essex, f"show {refs['kent']}", "C0ESSEX01")
    assert "Safer in Kent" not in shown and "No bid" in shown
    assert "Essex Community Safety Fund" in _listing(essex, f"show {refs['essex']}", "C0ESSEX01")


def test_deadlines_are_the_workspaces_offices_only(kent: SlackDriver, essex: SlackDriver) -> None:
    in_essex = _listing(essex, "deadlines", "C0ESSEX01")
    assert "Essex Community Safety Fund" in in_essex
    assert "Safer in Kent" not in in_essex and "Victim Specialist" not in in_essex
    in_kent = _listing(kent, "deadlines", "C0COMMISS1")
    assert "Safer in Kent" in in_kent and "Essex" not in in_kent


def test_a_workspace_no_office_is_in_is_refused(
    service: RunningService, slack: SlackApiServer, refs: dict[str, str]
) -> None:
    stranger = SlackDriver(service, slack, team={"id": "T0STRANGE", "domain": "elsewhere"})
    answer, url = stranger.command("open", channel_id="C0COMMISS1", channel_name="commissioning")
    assert answer.status == 200
    said = json.dumps(stranger.responses_to(url))
    assert "no office in this Slack workspace" in said
    assert refs["kent"] not in said and refs["essex"] not in said


# -- incoming: buttons and modals -------------------------------------------------------------


def test_a_click_in_one_workspace_on_another_offices_bid_is_refused(
    service: RunningService, slack: SlackApiServer, essex: SlackDriver, refs: dict[str, str]
) -> None:
    views_before = len(slack.views)
    for action in ("assign_to_me", "request_info", "mark_ineligible", "score"):
        assert essex.click(action, refs["kent"]).status == 200
        said = essex.responses_to(essex.last_response_url)
        assert f"No bid {refs['kent']} here." in json.dumps(said)
    assert len(slack.views) == views_before  # no form opened on Kent's bid
    kent_bid = service.bid(refs["kent"])
    assert kent_bid["assigned_to"] is None
    officers = {"assigned", "decision", "scored", "info_requested"}
    assert not [e for e in kent_bid["history"] if e["kind"] in officers]


def test_a_click_on_its_own_offices_bid_opens_the_form_in_its_own_workspace(
    service: RunningService, slack: SlackApiServer, essex: SlackDriver, refs: dict[str, str]
) -> None:
    assert essex.click("mark_ineligible", refs["essex"]).status == 200
    view = essex.opened_view("decision")
    (opened,) = [
        c
        for c in slack.calls_to("views.open")
        if c.response.get("view", {}).get("id") == view["id"]
    ]
    assert opened.token == ESSEX_TOKEN and view["team_id"] == ESSEX_TEAM["id"]
    answer = essex.submit(view, text_value("reason", "Outside the county."))
    assert answer.status == 200 and not answer.body, answer.body
    decided = service.wait_for(
        lambda: service.bid(refs["essex"])["decision"] == "not_eligible", what="the ruling"
    )
    assert decided


def test_a_forged_submission_on_another_offices_bid_changes_nothing(
    service: RunningService, slack: SlackApiServer, essex: SlackDriver, refs: dict[str, str]
) -> None:
    """A modal submitted from Essex whose metadata names Kent's bid: refused beside the field."""
    essex.click("mark_ineligible", refs["essex"])
    view = essex.opened_view("decision", count=2)
    forged = {
        **view,
        "private_metadata": view["private_metadata"].replace(refs["essex"], refs["kent"]),
    }
    answer = essex.submit(forged, text_value("reason", "Not ours to judge."))
    assert answer.status == 200
    assert answer.json["response_action"] == "errors"
    assert f"No bid {refs['kent']} here." in json.dumps(answer.json["errors"])
    assert service.bid(refs["kent"])["decision"] is None


# -- alerts and configuration -----------------------------------------------------------------


def _alerts(slack: SlackApiServer, channel: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.channels[channel].top_level
        if (m.get("metadata") or {}).get("event_payload", {}).get("key", "").startswith("alert:")
    ]


def test_deadline_alerts_go_to_each_offices_workspace(tmp_path: Path) -> None:
    with SlackApiServer().in_thread() as server:
        two_workspaces(server)
        env = offices_env(server, tmp_path, INTAKE_NOW=SEVEN_DAYS_BEFORE)
        service = RunningService(tmp_path, **env)
        try:
            service.start()
            service.wait_for(
                lambda: _alerts(server, "C0COMMISS1") and _alerts(server, "C0ESSEX01"),
                what="both offices' 7-day alerts",
            )
        finally:
            service.close()
        (essex_alert,) = _alerts(server, "C0ESSEX01")
        assert essex_alert["text"].startswith("Essex Community Safety Fund 2027/28 round 1 closes")
        kent_texts = [m["text"] for m in _alerts(server, "C0COMMISS1")]
        assert kent_texts and not any("Essex" in t for t in kent_texts)
        essex_posts = [
            c for c in server.calls_to("chat.postMessage") if "Essex" in json.dumps(c.args)
        ]
        assert {c.token for c in essex_posts} == {ESSEX_TOKEN}


def test_a_token_of_the_wrong_workspace_is_withheld(tmp_path: Path, mail: MailMaker) -> None:
    """Essex's variable holds Kent's token: nothing of Essex's is posted into Kent's workspace."""
    with SlackApiServer().in_thread() as server:
        two_workspaces(server)
        env = offices_env(server, tmp_path, INTAKE_NOW=ROUND_ONE, ESSEX_SLACK_BOT_TOKEN=TOKEN)
        service = RunningService(tmp_path, **env)
        try:
            service.start()
            health = service.health()
            ref = ref_of(service, service.send(mail(), to=ESSEX_INBOX))
            kent_ref = ref_of(service, service.send(mail()))
            service.wait_for(lambda: cards_of(server, "C0COMMISS1", kent_ref), what="Kent's card")
        finally:
            service.close()
        assert health["status"] == "degraded"
        assert any(
            "ESSEX_SLACK_BOT_TOKEN belongs to workspace T0TEAM001, not T0ESSEX" in p
            for p in health["problems"]
        ), health["problems"]
        assert mentions(server, KENT_TEAM["id"], ref) == []
        assert mentions(server, ESSEX_TEAM["id"], ref) == []


def test_a_missing_token_variable_stops_the_service_with_one_clear_sentence(
    tmp_path: Path,
) -> None:
    config = tmp_path / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX)
    env = {k: v for k, v in os.environ.items() if k != "ESSEX_SLACK_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "intake", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            **env,
            "PYTHONPATH": str(ROOT),
            "INTAKE_CONFIG": str(config),
            "INTAKE_DATA_DIR": str(tmp_path / "var"),
            "INTAKE_SMTP_PORT": "0",
            "INTAKE_HTTP_PORT": "0",
            "SLACK_BOT_TOKEN": TOKEN,
        },
        check=False,
    )
    assert done.returncode != 0
    assert (
        "offices[1] (essex).slack_token_env names ESSEX_SLACK_BOT_TOKEN, which is not set"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
