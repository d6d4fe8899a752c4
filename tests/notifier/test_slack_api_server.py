"""The local Slack Web API behaves like Slack where the product's tests rely on it."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_api_server import TOKEN, SlackApiServer


async def test_views_open_checks_the_trigger_and_returns_a_view_id(
    slack_api: SlackApiServer,
) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack_api.url)
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Request info"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Which answers?"}}],
    }
    opened = await client.views_open(trigger_id="123.456", view=view)
    assert str(opened["view"]["id"]).startswith("V")
    with pytest.raises(SlackApiError) as caught:
        await client.views_open(trigger_id="", view=view)
    assert caught.value.response["error"] == "invalid_trigger_id"


async def test_form_encoded_calls_are_read_like_json_ones(slack_api: SlackApiServer) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            slack_api.url + "chat.postMessage",
            data={"token": TOKEN, "channel": "#grants", "text": "hello"},
        ) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert slack_api.calls_to("chat.postMessage")[0].args["text"] == "hello"


async def test_faults_can_target_one_method(slack_api: SlackApiServer) -> None:
    client = AsyncWebClient(token=TOKEN, base_url=slack_api.url, retry_handlers=[])
    slack_api.fail_next(1, status=500, method="chat.postMessage")
    assert (await client.auth_test())["user_id"]
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C0GRANTS1", text="x")
    assert [c.status for c in slack_api.calls] == [200, 500]
