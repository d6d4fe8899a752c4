"""Which token posts for an office and which offices a Slack request sees, in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from intake.config.load import bundled_config_text, parse_config
from intake.slack.tokens import SlackWorkspaces
from intake.slack.workspaces import bot_tokens
from notifier.errors import SlackError
from notifier.slack import SlackPoster
from tests.offices import essex
from tests.slack_api_server import TEAM_ID, TOKEN, SlackApiServer

ESSEX_TOKEN = "xoxb-essex-token"
ESSEX = essex(channel=None, fund=False)
CONFIG = parse_config(bundled_config_text() + ESSEX, source="offices")
SINGLE = parse_config(bundled_config_text(), source="kent")


_MADE: list[SlackWorkspaces] = []


@pytest.fixture(autouse=True)
async def _close_sessions() -> AsyncIterator[None]:
    """Posters keep an HTTP session open, as the service does until it stops."""
    yield
    while _MADE:
        await _MADE.pop().close()


def _kept(workspaces: SlackWorkspaces) -> SlackWorkspaces:
    _MADE.append(workspaces)
    return workspaces


def _workspaces(server: SlackApiServer, essex_token: str = ESSEX_TOKEN) -> SlackWorkspaces:
    tokens = {"SLACK_BOT_TOKEN": TOKEN, "ESSEX_SLACK_BOT_TOKEN": essex_token}
    return _kept(
        SlackWorkspaces(
            CONFIG,
            {
                env: SlackPoster(token, api_url=server.url, max_retries=0)
                for env, token in tokens.items()
            },
        )
    )


async def test_each_office_gets_its_workspaces_poster(slack_api: SlackApiServer) -> None:
    slack_api.add_workspace(ESSEX_TOKEN, "T0ESSEX")
    slack = _workspaces(slack_api)
    kent, essex = await slack.poster_for("kent"), await slack.poster_for("essex")
    assert kent is not None and kent.client.token == TOKEN
    assert essex is not None and essex.client.token == ESSEX_TOKEN
    # Essex's token was checked once, before its first use; Kent's needs no check.
    assert [c.token for c in slack_api.calls_to("auth.test")] == [ESSEX_TOKEN]
    await slack.poster_for("essex")
    assert len(slack_api.calls_to("auth.test")) == 1


async def test_a_token_of_another_workspace_is_never_used(slack_api: SlackApiServer) -> None:
    slack = _workspaces(slack_api, essex_token=TOKEN)  # Kent's token, named for Essex
    with pytest.raises(SlackError) as raised:
        await slack.poster_for("essex")
    assert raised.value.transient and raised.value.code == "wrong_workspace"
    assert "belongs to workspace T0TEAM001, not T0ESSEX" in raised.value.message
    assert await slack.resolve("T0ESSEX") is None


async def test_requests_resolve_to_their_workspace_only(slack_api: SlackApiServer) -> None:
    slack_api.add_workspace(ESSEX_TOKEN, "T0ESSEX")
    slack = _workspaces(slack_api)
    essex = await slack.resolve("T0ESSEX")
    assert essex is not None and essex.workspace.offices == {"essex"}
    kent = await slack.resolve(TEAM_ID)  # the default workspace, known by its token
    assert kent is not None and kent.workspace.offices == {"kent"}
    assert kent.poster.client.token == TOKEN
    assert await slack.resolve("T0STRANGE") is None
    assert await slack.resolve(None) is None


async def test_one_unnamed_workspace_takes_every_request_as_before(
    slack_api: SlackApiServer,
) -> None:
    slack = _kept(
        SlackWorkspaces(SINGLE, {"SLACK_BOT_TOKEN": SlackPoster(TOKEN, api_url=slack_api.url)})
    )
    found = await slack.resolve("T0ANYTHING")
    assert found is not None and found.workspace.offices == {"kent"}
    assert slack_api.calls == []  # no need to ask Slack


async def test_slack_down_makes_posts_wait_not_fail(slack_api: SlackApiServer) -> None:
    slack_api.add_workspace(ESSEX_TOKEN, "T0ESSEX")
    slack = _workspaces(slack_api)
    slack_api.go_down()
    with pytest.raises(SlackError) as raised:
        await slack.poster_for("essex")
    assert raised.value.transient
    slack_api.come_back()
    assert await slack.poster_for("essex") is not None


def test_without_slack_bot_token_the_default_workspace_prints() -> None:
    env = {"ESSEX_SLACK_BOT_TOKEN": ESSEX_TOKEN}
    assert bot_tokens(CONFIG, env.get) == {"ESSEX_SLACK_BOT_TOKEN": ESSEX_TOKEN}
