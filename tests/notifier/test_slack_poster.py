"""Posting to Slack over real HTTP against a local Slack Web API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from itertools import pairwise

import pytest

from notifier.cards import thread_line, triage_card
from notifier.errors import SlackError
from notifier.model import BidSummary
from notifier.slack import SlackPoster
from tests.slack_api_server import TOKEN, SlackApiServer, block_kit_problems

MakeBid = Callable[..., BidSummary]


_MADE: list[SlackPoster] = []


@pytest.fixture(autouse=True)
async def _close_sessions() -> AsyncIterator[None]:
    """A poster keeps an HTTP session open, as the service does until it stops."""
    yield
    while _MADE:
        await _MADE.pop().close()


def poster(server: SlackApiServer, *, token: str = TOKEN, max_retries: int = 2) -> SlackPoster:
    """A poster for the local server that retries quickly, so tests stay fast."""
    made = SlackPoster(
        token, api_url=server.url, timeout=5, max_retries=max_retries, retry_interval=0.01
    )
    _MADE.append(made)
    return made


async def test_a_card_is_posted_and_its_channel_and_ts_come_back(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    card = triage_card(make_bid(project="<!channel> Street Mentors"))
    channel, ts = await poster(slack_api).post("#grants", card)

    assert channel == "C0GRANTS1"  # the id, to store: a name can change
    assert ts
    (call,) = slack_api.calls_to("chat.postMessage")
    assert call.args["blocks"] == card["blocks"]
    assert call.args["text"] == card["text"]
    assert call.args["unfurl_links"] is False
    assert "parse" not in call.args and "link_names" not in call.args
    assert block_kit_problems(call.args["blocks"], text=call.args["text"]) == []
    assert call.response["ok"] is True


async def test_a_card_full_of_ten_kilobyte_answers_is_accepted(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    huge = "<!channel> & <https://evil.example|Apply> " * 250
    bid = make_bid(organisation=huge, project=huge, contact_name=huge, attachments=(huge,) * 3)
    await poster(slack_api).post("C0GRANTS1", triage_card(bid))
    assert slack_api.calls_to("chat.postMessage")[0].response["ok"] is True


async def test_a_changed_bid_updates_its_card_and_adds_a_thread_line(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack = poster(slack_api)
    channel, ts = await slack.post("C0GRANTS1", triage_card(make_bid()))

    await slack.update(
        channel, ts, triage_card(make_bid(version=2, status="complete", problems=()))
    )
    _, reply_ts = await slack.post(
        channel, thread_line("Version 2 received: no problems left"), thread_ts=ts
    )

    messages = slack_api.channels["C0GRANTS1"].messages
    assert [m["ts"] for m in messages] == [ts, reply_ts]
    assert messages[0]["edited"] is True
    assert "version 2" in messages[0]["blocks"][-2]["elements"][0]["text"]
    assert messages[1]["thread_ts"] == ts
    assert messages[1]["text"] == "Version 2 received: no problems left"


async def test_a_rate_limited_post_is_retried_after_retry_after(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(1, status=429, retry_after=0)
    channel, ts = await poster(slack_api).post("C0GRANTS1", triage_card(make_bid()))

    assert (channel, ts) != ("", "")
    calls = slack_api.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert len(slack_api.channels["C0GRANTS1"].messages) == 1


async def test_the_retry_waits_as_long_as_slack_asked(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(1, status=429, retry_after=1)
    started = time.monotonic()
    await poster(slack_api).post("C0GRANTS1", triage_card(make_bid()))
    assert time.monotonic() - started >= 1.0


async def test_a_slack_server_error_is_retried(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(2, status=500)
    await poster(slack_api).post("C0GRANTS1", triage_card(make_bid()))

    assert [c.status for c in slack_api.calls_to("chat.postMessage")] == [500, 500, 200]


async def test_a_persistent_rate_limit_is_a_transient_error(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(5, status=429, retry_after=0)
    with pytest.raises(SlackError) as caught:
        await poster(slack_api, max_retries=1).post("C0GRANTS1", triage_card(make_bid()))
    assert caught.value.transient
    assert caught.value.code == "ratelimited"
    assert len(slack_api.calls_to("chat.postMessage")) == 2


async def test_a_persistent_server_error_is_a_transient_error(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(5, status=500)
    with pytest.raises(SlackError) as caught:
        await poster(slack_api, max_retries=2).post("C0GRANTS1", triage_card(make_bid()))
    assert caught.value.transient
    assert len(slack_api.calls_to("chat.postMessage")) == 3


async def test_slack_unreachable_is_a_transient_error(make_bid: MakeBid) -> None:
    server = SlackApiServer()
    await server.start()
    await server.stop()  # its port is now closed
    started = time.monotonic()
    with pytest.raises(SlackError) as caught:
        await poster(server).post("C0GRANTS1", triage_card(make_bid()))
    assert caught.value.transient
    assert "Could not reach Slack" in str(caught.value)
    assert time.monotonic() - started < 5


async def test_an_unknown_channel_is_a_permanent_error_that_says_so(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    with pytest.raises(SlackError) as caught:
        await poster(slack_api).post("#no-such-channel", triage_card(make_bid()))
    assert not caught.value.transient
    assert caught.value.code == "channel_not_found"
    assert "#no-such-channel was not found" in str(caught.value)
    assert len(slack_api.calls_to("chat.postMessage")) == 1  # not retried


async def test_a_channel_the_app_is_not_in_says_to_invite_it(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.add_channel("C0PANEL01", "panel", is_member=False)
    with pytest.raises(SlackError) as caught:
        await poster(slack_api).post("C0PANEL01", triage_card(make_bid()))
    assert not caught.value.transient
    assert caught.value.code == "not_in_channel"
    assert "/invite" in str(caught.value)


async def test_a_wrong_token_is_a_permanent_error(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    with pytest.raises(SlackError) as caught:
        await poster(slack_api, token="xoxb-wrong").post("C0GRANTS1", triage_card(make_bid()))
    assert not caught.value.transient
    assert caught.value.code == "invalid_auth"
    assert "token" in str(caught.value)


async def test_updating_a_message_that_is_gone_is_permanent(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    with pytest.raises(SlackError) as caught:
        await poster(slack_api).update("C0GRANTS1", "1.000", triage_card(make_bid()))
    assert not caught.value.transient
    assert caught.value.code == "message_not_found"


async def test_a_payload_without_fallback_text_is_refused_before_sending(
    slack_api: SlackApiServer,
) -> None:
    with pytest.raises(ValueError, match="fallback text"):
        await poster(slack_api).post("C0GRANTS1", {"blocks": []})
    assert slack_api.calls == []


async def test_the_fake_refuses_blocks_slack_would_refuse(slack_api: SlackApiServer) -> None:
    oversized = {
        "text": "x",
        "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}],
    }
    with pytest.raises(SlackError) as caught:
        await poster(slack_api).post("C0GRANTS1", oversized)
    assert caught.value.code == "invalid_blocks"
    assert not caught.value.transient


# -- check_channel ---------------------------------------------------------------------------


async def test_a_good_channel_passes_the_check(slack_api: SlackApiServer) -> None:
    assert await poster(slack_api).check_channel("C0GRANTS1") is None
    assert slack_api.calls_to("conversations.info")[0].args["channel"] == "C0GRANTS1"


async def test_a_channel_name_is_found_across_pages(slack_api: SlackApiServer) -> None:
    for number in range(5):
        slack_api.add_channel(f"C0OTHER{number:02d}", f"other-{number}")
    slack_api.add_channel("C0ZZPANEL", "panel")
    assert await poster(slack_api).check_channel("#panel") is None
    assert len(slack_api.calls_to("conversations.list")) > 1


async def test_check_warns_when_the_app_is_not_in_the_channel(slack_api: SlackApiServer) -> None:
    slack_api.add_channel("C0PANEL01", "panel", is_member=False)
    warning = await poster(slack_api).check_channel("C0PANEL01")
    assert warning is not None
    assert "/invite @grant-intake" in warning


async def test_check_warns_about_archived_and_missing_channels(slack_api: SlackApiServer) -> None:
    slack_api.add_channel("C0OLDROUND", "old-round", is_archived=True)
    archived = await poster(slack_api).check_channel("C0OLDROUND")
    assert archived is not None and "archived" in archived
    missing = await poster(slack_api).check_channel("C0MISSING1")
    assert missing is not None and "not found" in missing
    by_name = await poster(slack_api).check_channel("#nowhere")
    assert by_name is not None and "#nowhere was not found" in by_name


async def test_check_warns_about_a_wrong_token(slack_api: SlackApiServer) -> None:
    warning = await poster(slack_api, token="xoxb-wrong").check_channel("C0GRANTS1")
    assert warning is not None and "token" in warning


async def test_check_raises_when_slack_cannot_be_reached() -> None:
    server = SlackApiServer()
    await server.start()
    await server.stop()
    with pytest.raises(SlackError) as caught:
        await poster(server).check_channel("C0GRANTS1")
    assert caught.value.transient


async def test_a_rate_limit_error_carries_the_wait_slack_asked_for(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    slack_api.fail_next(5, status=429, retry_after=7)
    with pytest.raises(SlackError) as caught:
        await poster(slack_api, max_retries=0).post("C0GRANTS1", triage_card(make_bid()))
    assert caught.value.retry_after == 7
    assert not caught.value.maybe_done


async def test_a_post_that_must_happen_once_is_not_retried_after_a_server_error(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    """Slack may have posted before its 500: retrying blindly could post the card twice."""
    slack = poster(slack_api)
    slack_api.fail_next(1, status=500, method="chat.postMessage", after=True)
    with pytest.raises(SlackError) as caught:
        await slack.post("#grants", triage_card(make_bid()), once="card:SIK-2027-0042")
    assert caught.value.transient and caught.value.maybe_done
    assert len(slack_api.calls_to("chat.postMessage")) == 1

    found = await slack.find_posted("#grants", "card:SIK-2027-0042")
    assert found == ("C0GRANTS1", slack_api.channels["C0GRANTS1"].messages[0]["ts"])
    assert await slack.find_posted("#grants", "card:SIK-2027-0043") is None

    # A line in the card's thread is looked for in the thread.
    card_ts = found[1]
    slack_api.fail_next(1, status=500, method="chat.postMessage", after=True)
    with pytest.raises(SlackError):
        await slack.post("#grants", thread_line("Taken"), once="line:1", thread_ts=card_ts)
    line = slack_api.channels["C0GRANTS1"].thread(card_ts)[0]
    assert await slack.find_posted("#grants", "line:1", thread_ts=card_ts) == (
        "C0GRANTS1",
        line["ts"],
    )
    assert await slack.find_posted("#grants", "line:1") is None  # not among top-level messages


async def test_posts_into_one_channel_are_paced(
    slack_api: SlackApiServer, make_bid: MakeBid
) -> None:
    from notifier.pacing import ChannelPacer

    slack = SlackPoster(TOKEN, api_url=slack_api.url, pacer=ChannelPacer(0.2))
    _MADE.append(slack)
    started = time.monotonic()
    for _ in range(3):
        await slack.post("C0GRANTS1", triage_card(make_bid()))
    assert time.monotonic() - started >= 0.4
    times = [c.at for c in slack_api.calls_to("chat.postMessage")]
    assert all(b - a >= 0.19 for a, b in pairwise(times))
