"""An office's workspace installs the app through the service's own pages (Slack's OAuth flow).

Essex names its workspace and ``slack_install``: no token in any variable. Its
card waits until the app is installed there; then it goes out with the token
Slack gave for that workspace. Installs from other workspaces, forged or stale
links, and cancelled installs keep nothing.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from intake.config.load import bundled_config_text
from tests.harness import RunningService
from tests.intake.slack.conftest import ROUND_ONE, mail_maker
from tests.intake.slack.driver import SECRET, SlackDriver
from tests.intake.slack.test_offices_in_slack import (
    ESSEX,
    ESSEX_INBOX,
    ESSEX_TEAM,
    cards_of,
    ref_of,
)
from tests.slack_api_server import CLIENT_ID, CLIENT_SECRET, TOKEN, SlackApiServer

INSTALLED_TOKEN = "xoxb-installed-in-essex"
ESSEX_INSTALLED = ESSEX.replace('slack_token_env = "ESSEX_SLACK_BOT_TOKEN"', "slack_install = true")


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        server.add_channel("C0COMMISS1", "commissioning")
        server.add_channel("C0ESSEX01", "commissioning", team=ESSEX_TEAM["id"])
        yield server


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("slack-install")
    config = folder / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX_INSTALLED)
    running = RunningService(
        folder,
        INTAKE_NOW=ROUND_ONE,
        INTAKE_CONFIG=str(config),
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        INTAKE_SLACK_POST_INTERVAL="0.05",
        INTAKE_SLACK_CLIENT_ID=CLIENT_ID,
        INTAKE_SLACK_CLIENT_SECRET=CLIENT_SECRET,
    )
    running.start()
    yield running
    running.close()


def get(service: RunningService, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    """A GET that does not follow redirects, as a browser's first request would be seen."""
    connection = http.client.HTTPConnection("127.0.0.1", service.http_port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read_body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def start_install(service: RunningService) -> tuple[str, str]:
    """Open the install page: the state Slack will hand back, and the browser's cookie."""
    response = get(service, "/slack/install")
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert query["client_id"] == [CLIENT_ID]
    assert "chat:write" in query["scope"][0].split(",")
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    return query["state"][0], cookie


def come_back(service: RunningService, code: str, state: str, cookie: str | None):  # type: ignore[no-untyped-def]
    return get(
        service, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie
    )


def installed(service: RunningService) -> list[tuple[str, str]]:
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        return connection.execute("SELECT team_id, bot_token FROM slack_installations").fetchall()


@pytest.fixture(scope="module")
def essex_ref(service: RunningService) -> str:
    return ref_of(service, service.send(mail_maker()(), to=ESSEX_INBOX))


def test_before_the_install_the_offices_card_waits_and_health_says_why(
    service: RunningService, slack: SlackApiServer, essex_ref: str
) -> None:
    time.sleep(1.0)  # time for the card job to try
    assert cards_of(slack, "C0ESSEX01", essex_ref) == []
    health = service.health()
    assert health["slack_workspaces"]["T0ESSEX"] == "waiting to be installed (/slack/install)"
    assert health["status"] == "degraded"


def test_a_forged_stale_or_foreign_browsers_answer_installs_nothing(
    service: RunningService, slack: SlackApiServer
) -> None:
    state, cookie = start_install(service)
    code = slack.issue_code(ESSEX_TEAM["id"], INSTALLED_TOKEN)
    forged = f"{int(time.time())}.nonce.{'0' * 64}"
    assert come_back(service, code, forged, f"intake_slack_install={forged}").status == 400
    assert come_back(service, code, state, None).status == 400  # another browser
    stale = "1000000000." + state.split(".", 1)[1]
    assert come_back(service, code, stale, cookie).status == 400
    cancelled = get(service, "/slack/oauth_redirect?error=access_denied&state=" + state, cookie)
    assert cancelled.status == 400
    assert installed(service) == []
    assert not slack.calls_to("oauth.v2.access")  # the code was never even exchanged


def test_an_install_from_a_workspace_no_office_is_in_is_refused_and_revoked(
    service: RunningService, slack: SlackApiServer
) -> None:
    state, cookie = start_install(service)
    code = slack.issue_code("T0STRANGE", "xoxb-stranger")
    answer = come_back(service, code, state, cookie)
    assert answer.status == 403
    assert b"No office on this service is in the Slack workspace" in answer.read_body  # type: ignore[attr-defined]
    assert installed(service) == []
    assert [c.token for c in slack.calls_to("auth.revoke")] == ["xoxb-stranger"]


def test_installing_in_the_offices_workspace_sends_its_waiting_card(
    service: RunningService, slack: SlackApiServer, essex_ref: str
) -> None:
    state, cookie = start_install(service)
    code = slack.issue_code(ESSEX_TEAM["id"], INSTALLED_TOKEN)
    started = time.monotonic()
    answer = come_back(service, code, state, cookie)
    assert answer.status == 200, answer.read_body  # type: ignore[attr-defined]
    assert b"installed in Workspace T0ESSEX" in answer.read_body  # type: ignore[attr-defined]
    assert installed(service) == [("T0ESSEX", INSTALLED_TOKEN)]
    service.wait_for(lambda: cards_of(slack, "C0ESSEX01", essex_ref), what="Essex's card")
    assert time.monotonic() - started < 10  # hurried on, not left to its next retry
    posts = [c for c in slack.calls_to("chat.postMessage") if essex_ref in json.dumps(c.args)]
    assert {c.token for c in posts} == {INSTALLED_TOKEN}
    health = service.health()
    assert health["slack_workspaces"] == {"default": "configured", "T0ESSEX": "installed"}
    assert health["status"] == "ok", health["problems"]


def test_after_the_install_its_officers_work_with_the_installed_token(
    service: RunningService, slack: SlackApiServer, essex_ref: str
) -> None:
    essex = SlackDriver(service, slack, team=ESSEX_TEAM)
    answer, url = essex.command("open", channel_id="C0ESSEX01", channel_name="commissioning")
    assert answer.status == 200
    assert essex_ref in json.dumps(essex.responses_to(url))
    essex.click("mark_eligible", essex_ref)
    view = essex.opened_view("decision")
    (opened,) = [
        c
        for c in slack.calls_to("views.open")
        if c.response.get("view", {}).get("id") == view["id"]
    ]
    assert opened.token == INSTALLED_TOKEN


def test_slack_install_without_the_apps_client_secret_stops_serve(tmp_path: Path) -> None:
    config = tmp_path / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX_INSTALLED)
    service = RunningService(tmp_path, INTAKE_CONFIG=str(config), SLACK_BOT_TOKEN=TOKEN)
    try:
        with pytest.raises(RuntimeError) as raised:
            service.start(timeout=20)
    finally:
        service.close()
    assert "offices[1] (essex).slack_install needs the app's client id and secret" in str(
        raised.value
    )
