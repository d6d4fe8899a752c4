"""An office's workspace installs the app through the service's own pages (Slack's OAuth flow).

Essex names its workspace and ``slack_install``: no token in any variable. Its
card waits until the app is installed there; then it goes out with the token
Slack gave for that workspace. Installs from other workspaces, forged, stale or
replayed links, and cancelled installs keep nothing. The token is kept
encrypted: the database file does not hold it, and a token kept in plain text
by an earlier version is encrypted at the next start and still posts.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from alembic import command
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from intake.config.load import bundled_config_text
from intake.store.migrate import alembic_config
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


@pytest.fixture
def own_slack() -> Iterator[SlackApiServer]:
    """A Slack of its own, for a service whose bids' references would be the first's too."""
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
    set_cookie = response.headers["Set-Cookie"]
    # The browser's alone: not readable by scripts, sent back to the redirect page only.
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/slack/oauth_redirect"):
        assert attribute in set_cookie
    cookie = set_cookie.split(";", 1)[0]
    return query["state"][0], cookie


def come_back(service: RunningService, code: str, state: str, cookie: str | None):  # type: ignore[no-untyped-def]
    return get(
        service, "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie
    )


def installed(service: RunningService) -> list[tuple[str, str]]:
    """Each installation kept, with its bot token as the key in the data folder decrypts it."""
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        rows = connection.execute("SELECT team_id, bot_token FROM slack_installations").fetchall()
    return [(team_id, decrypted(service, stored)) for team_id, stored in rows]


def decrypted(service: RunningService, stored: str) -> str:
    assert stored.startswith("fernet:"), "a bot token is stored encrypted"
    key = (service.data_dir / "secret.key").read_bytes().strip()
    return Fernet(key).decrypt(stored.removeprefix("fernet:").encode()).decode()


def database_bytes(service: RunningService) -> bytes:
    """The database as a copy of the disk would have it: the file, its WAL and journal."""
    return b"".join(path.read_bytes() for path in service.data_dir.glob("intake.sqlite3*"))


def expire(service: RunningService, state: str) -> None:
    """Age an install's state past its ten minutes, as if the person had left for lunch."""
    with sqlite3.connect(service.data_dir / "intake.sqlite3") as connection:
        connection.execute(
            "UPDATE slack_oauth_states SET expires_at = '2000-01-01 00:00:00.000000' "
            "WHERE state = ?",
            (state,),
        )


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
    stale, stale_cookie = start_install(service)
    expire(service, stale)
    assert come_back(service, code, stale, stale_cookie).status == 400
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


def test_a_used_install_link_installs_nothing_again(
    service: RunningService, slack: SlackApiServer
) -> None:
    state, cookie = start_install(service)
    first = come_back(service, slack.issue_code(ESSEX_TEAM["id"], INSTALLED_TOKEN), state, cookie)
    assert first.status == 200, first.read_body  # type: ignore[attr-defined]
    exchanged = len(slack.calls_to("oauth.v2.access"))
    replayed = come_back(
        service, slack.issue_code(ESSEX_TEAM["id"], "xoxb-replayed"), state, cookie
    )
    assert replayed.status == 400
    assert b"used already" in replayed.read_body  # type: ignore[attr-defined]
    assert len(slack.calls_to("oauth.v2.access")) == exchanged  # its code was never exchanged
    assert installed(service) == [("T0ESSEX", INSTALLED_TOKEN)]


def test_the_installed_token_is_kept_encrypted_with_a_key_only_the_service_reads(
    service: RunningService, slack: SlackApiServer, essex_ref: str
) -> None:
    service.wait_for(lambda: cards_of(slack, "C0ESSEX01", essex_ref), what="Essex's card")
    assert installed(service) == [("T0ESSEX", INSTALLED_TOKEN)]
    assert INSTALLED_TOKEN.encode() not in database_bytes(service)
    key_file = service.data_dir / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_token_kept_in_plain_text_before_is_encrypted_at_start_and_still_posts(
    tmp_path: Path, own_slack: SlackApiServer
) -> None:
    slack = own_slack
    legacy_token = "xoxb-kept-plain-by-0003"
    slack.add_workspace(legacy_token, ESSEX_TEAM["id"])
    database = tmp_path / "var" / "intake.sqlite3"
    database.parent.mkdir()
    old = create_engine(f"sqlite:///{database}")
    with old.begin() as connection:
        command.upgrade(alembic_config(connection), "0004")  # the schema before encryption
        connection.execute(
            text(
                "INSERT INTO slack_installations (team_id, bot_token, installed_at) "
                "VALUES ('T0ESSEX', :token, '2027-05-01 09:00:00.000000')"
            ),
            {"token": legacy_token},
        )
    old.dispose()
    config = tmp_path / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX_INSTALLED)
    key = Fernet.generate_key().decode()
    running = RunningService(
        tmp_path,
        INTAKE_NOW=ROUND_ONE,
        INTAKE_CONFIG=str(config),
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=slack.url,
        INTAKE_SLACK_POST_INTERVAL="0.05",
        INTAKE_SLACK_CLIENT_ID=CLIENT_ID,
        INTAKE_SLACK_CLIENT_SECRET=CLIENT_SECRET,
        INTAKE_SECRET_KEY=f"{key},{Fernet.generate_key().decode()}",
    )
    try:
        running.start()
        ref = ref_of(running, running.send(mail_maker()(), to=ESSEX_INBOX))
        running.wait_for(lambda: cards_of(slack, "C0ESSEX01", ref), what="Essex's card")
        posts = [c for c in slack.calls_to("chat.postMessage") if ref in json.dumps(c.args)]
        assert {c.token for c in posts} == {legacy_token}
        with sqlite3.connect(database) as connection:
            (stored,) = connection.execute("SELECT bot_token FROM slack_installations").fetchone()
        assert stored.startswith("fernet:")  # with the first of the keys given
        assert Fernet(key).decrypt(stored.removeprefix("fernet:").encode()) == legacy_token.encode()
        assert legacy_token.encode() not in database_bytes(running)
        assert not (running.data_dir / "secret.key").exists()  # the setting's keys, no file
    finally:
        running.close()


def test_a_secret_key_that_is_not_a_fernet_key_stops_serve(tmp_path: Path) -> None:
    service = RunningService(tmp_path, INTAKE_SECRET_KEY="not-a-key")
    try:
        with pytest.raises(RuntimeError) as raised:
            service.start(timeout=20)
    finally:
        service.close()
    assert "INTAKE_SECRET_KEY: key 1 is not a Fernet key" in str(raised.value)


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
