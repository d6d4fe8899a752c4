"""Posting cards and thread lines to Slack through its Web API.

A thin wrapper over slack_sdk's :class:`AsyncWebClient` that retries what is
worth retrying (rate limits with their ``Retry-After``, Slack's 500/503,
dropped connections) and turns every failure into a :class:`SlackError` that
says, in one sentence, what is wrong and whether trying later can help.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import (
    BackoffRetryIntervalCalculator,
    FixedValueRetryIntervalCalculator,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from notifier.errors import SlackError
from notifier.pacing import ChannelPacer

SLACK_API_URL = "https://slack.com/api/"
# Every message we post carries this metadata type and a key of ours, so that a
# post whose outcome is unknown can be found again instead of made twice.
METADATA_TYPE = "grant_intake_post"
_HISTORY_PAGES = 2

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{6,}")
_AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_LAYOUT_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text"})
_UPDATE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
_MAX_LIST_PAGES = 50


class SlackPoster:
    """Posts, updates and threads messages in Slack channels with a bot token.

    ``api_url`` points at Slack's Web API (a local server in tests).
    ``max_retries`` applies to each of: rate limits, server errors and
    connection errors. ``retry_interval`` fixes the pause between retries of
    server and connection errors (tests); by default it backs off
    exponentially. Rate-limited calls always wait for Slack's ``Retry-After``.
    ``pacer`` spaces out the posts into each channel (none: no pacing).
    """

    def __init__(
        self,
        token: str,
        *,
        api_url: str = SLACK_API_URL,
        timeout: int = 30,
        max_retries: int = 2,
        retry_interval: float | None = None,
        pacer: ChannelPacer | None = None,
    ) -> None:
        interval: RetryIntervalCalculator = (
            BackoffRetryIntervalCalculator()
            if retry_interval is None
            else FixedValueRetryIntervalCalculator(retry_interval)
        )
        handlers: list[AsyncRetryHandler] = [
            AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries),
            AsyncServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
            AsyncConnectionErrorRetryHandler(
                max_retry_count=max_retries, interval_calculator=interval
            ),
        ]
        self.api_url = api_url
        self.pacer = pacer or ChannelPacer(0)
        # Channel names we have posted to, and their ids: one pace per channel, by either.
        self._ids: dict[str, str] = {}
        self._identity: dict[str, Any] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.client = AsyncWebClient(
            token=token, base_url=api_url, timeout=timeout, retry_handlers=handlers
        )
        # Posts that must happen once are not retried after a server or connection
        # error: Slack may have posted already. Their caller looks before retrying.
        self._once_client = AsyncWebClient(
            token=token,
            base_url=api_url,
            timeout=timeout,
            retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=max_retries)],
        )

    async def post(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        once: str | None = None,
        thread_ts: str | None = None,
    ) -> tuple[str, str]:
        """Post a new message (a card) and return ``(channel_id, ts)`` to store with the bid.

        ``payload`` is ``{"text": …, "blocks": […]}`` as built by
        :mod:`notifier.cards`. Links are not unfurled: applicant URLs must not
        fetch previews into the channel. With ``thread_ts`` the message goes
        into that message's thread.

        ``once`` is a key of the caller's for a message that must never be
        posted twice (a bid's card, a deadline alert, a line in a card's
        thread). The message carries it as metadata, and a server or
        connection error is not retried here but raised with ``maybe_done``:
        the caller then asks :meth:`find_posted` before posting again.
        """
        client = self.client
        extra: dict[str, Any] = {}
        if once is not None:
            client = self._once_client
            extra["metadata"] = {"event_type": METADATA_TYPE, "event_payload": {"key": once}}
        if thread_ts is not None:
            extra["thread_ts"] = thread_ts
        async with self.pacer.turn(self._ids.get(channel, channel)):
            response = await self._call(
                "chat.postMessage",
                channel,
                client.chat_postMessage,
                channel=channel,
                **_message_args(payload),
                unfurl_links=False,
                unfurl_media=False,
                **extra,
            )
        self._ids[channel] = str(response["channel"])
        return str(response["channel"]), str(response["ts"])

    async def find_posted(
        self, channel: str, once: str, *, thread_ts: str | None = None
    ) -> tuple[str, str] | None:
        """``(channel_id, ts)`` of the message posted in ``channel`` with key ``once``, if any.

        Looks through the channel's latest messages (``conversations.history``),
        or the thread under ``thread_ts`` (``conversations.replies``), with their
        metadata; used only after a post whose outcome is unknown.
        """
        channel_id = channel
        if not _CHANNEL_ID.fullmatch(channel):
            found = await self._find_channel(channel)
            if found is None:
                return None
            channel_id = found
        method, call, where = (
            ("conversations.history", self.client.conversations_history, {})
            if thread_ts is None
            else ("conversations.replies", self.client.conversations_replies, {"ts": thread_ts})
        )
        cursor: str | None = None
        for _ in range(_HISTORY_PAGES):
            page = await self._call(
                method,
                channel,
                call,
                channel=channel_id,
                limit=200,
                include_all_metadata=True,
                cursor=cursor,
                **where,
            )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                if (
                    metadata.get("event_type") == METADATA_TYPE
                    and (metadata.get("event_payload") or {}).get("key") == once
                ):
                    return channel_id, str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def update(self, channel: str, ts: str, payload: Mapping[str, Any]) -> None:
        """Replace the message ``ts`` in ``channel`` (a card whose bid changed)."""
        await self._call(
            "chat.update",
            channel,
            self.client.chat_update,
            channel=channel,
            ts=ts,
            **_message_args(payload),
        )

    async def delete(self, channel: str, ts: str) -> None:
        """Delete the message ``ts`` in ``channel`` (a line we posted in a card's thread);
        one already gone counts as deleted."""
        try:
            await self._call(
                "chat.delete", channel, self.client.chat_delete, channel=channel, ts=ts
            )
        except SlackError as exc:
            if exc.code != "message_not_found":
                raise

    async def identity(self) -> dict[str, Any]:
        """What Slack says of the token (``auth.test``): ``team_id``, ``user_id``, ``bot_id``…

        Asked once; a token does not move between workspaces.
        """
        if self._identity is None:
            answer = await self._call("auth.test", "the workspace", self.client.auth_test)
            self._identity = dict(answer.data) if isinstance(answer.data, dict) else {}
        return self._identity

    async def check_channel(self, channel: str) -> str | None:
        """Say why cards cannot be posted to ``channel``, or None when they can.

        Checks the token (``auth.test``), finds the channel (by id, or by name
        through ``conversations.list``) and reads it (``conversations.info``):
        missing, archived, or the app not a member. Raises a transient
        :class:`SlackError` only when Slack cannot be reached to tell.
        """
        try:
            identity = await self.identity()
            channel_id = channel
            if not _CHANNEL_ID.fullmatch(channel):
                found = await self._find_channel(channel)
                if found is None:
                    return _not_found(channel)
                channel_id = found
            info = await self._call(
                "conversations.info", channel, self.client.conversations_info, channel=channel_id
            )
        except SlackError as exc:
            if exc.transient:
                raise
            return exc.message
        details = info.get("channel") or {}
        if details.get("is_archived"):
            return f"The Slack channel {channel} is archived: cards cannot be posted there."
        if not details.get("is_member", False):
            bot = identity.get("user") or "the app"
            return (
                f"The Slack app is not in the channel {channel}: "
                f"invite it there with /invite @{bot} so that it can post cards."
            )
        return None

    async def _find_channel(self, name: str) -> str | None:
        wanted = name.removeprefix("#").lower()
        cursor: str | None = None
        for _ in range(_MAX_LIST_PAGES):
            page = await self._call(
                "conversations.list",
                name,
                self.client.conversations_list,
                types="public_channel,private_channel",
                limit=200,
                cursor=cursor,
            )
            for channel in page.get("channels") or []:
                if str(channel.get("name", "")).lower() == wanted:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                return None
        return None

    def _share_session(self) -> None:
        """One HTTP session (kept-alive connections) for every call, made in the loop
        that calls. Without it slack_sdk opens and closes a session per call."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self.client.session = self._session
            self._once_client.session = self._session

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def _call(
        self,
        method: str,
        where: str,
        call: Callable[..., Awaitable[AsyncSlackResponse]],
        /,
        **kwargs: Any,
    ) -> AsyncSlackResponse:
        """Run one API call about channel ``where``; every failure comes out as a SlackError."""
        self._share_session()
        try:
            return await call(**kwargs)
        except SlackApiError as exc:
            raise slack_error(exc, method=method, channel=where) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            # Refused at connect: the request never left. Lost later: it may have been done.
            raise SlackError(
                f"Could not reach Slack at {self.api_url} for {method}: {reason}",
                transient=True,
                maybe_done=not isinstance(exc, aiohttp.ClientConnectorError),
            ) from exc


def slack_error(exc: SlackApiError, *, method: str, channel: str) -> SlackError:
    """Turn slack_sdk's error into a :class:`SlackError` with a sentence for a person."""
    response = exc.response
    status = getattr(response, "status_code", 0) or 0
    data = response.data if isinstance(getattr(response, "data", None), dict) else {}
    code = str(data.get("error") or f"http_{status}")

    if status == 429 or code == "ratelimited":
        headers = getattr(response, "headers", None) or {}
        retry_after = _seconds(
            next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        )
        wait = f" (Slack asked to wait {retry_after:g} s)" if retry_after is not None else ""
        return SlackError(
            f"Slack is rate limiting {method}{wait}; try again later.",
            transient=True,
            code=code,
            retry_after=retry_after,
        )
    if status >= 500 or code in _TRANSIENT_ERRORS:
        return SlackError(
            f"Slack had a server error on {method} ({code}); try again later.",
            transient=True,
            code=code,
            maybe_done=status >= 500,
        )
    if code == "channel_not_found":
        message = _not_found(channel)
    elif code == "not_in_channel":
        message = (
            f"The Slack app is not in the channel {channel}: "
            "invite it there with /invite @<app name> so that it can post cards."
        )
    elif code == "is_archived":
        message = f"The Slack channel {channel} is archived: cards cannot be posted there."
    elif code in _AUTH_ERRORS:
        message = f"Slack refused the bot token ({code}): check the token the app was given."
    elif code == "missing_scope":
        needed = data.get("needed") or "a permission"
        message = (
            f"The Slack app lacks the {needed} scope needed for {method}: "
            "add it under OAuth & Permissions and reinstall the app."
        )
    elif code in _LAYOUT_ERRORS:
        details = "; ".join(str(e) for e in data.get("errors") or [])
        message = f"Slack refused the message layout ({code}{': ' + details if details else ''})."
    elif code in _UPDATE_ERRORS:
        message = f"Slack could not update the message in {channel} ({code})."
    else:
        message = f"Slack refused {method} for {channel} ({code})."
    return SlackError(message, transient=False, code=code)


def _seconds(value: Any) -> float | None:
    if isinstance(value, list):  # aiohttp-style multi-valued headers
        value = value[0] if value else None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _not_found(channel: str) -> str:
    return (
        f"The Slack channel {channel} was not found, "
        "or it is private and the app has not been invited to it."
    )


def _message_args(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The text and blocks of a payload.

    Never ``parse=full`` or ``link_names``: they would turn an applicant's plain
    "@channel" into a real mention.
    """
    if not payload.get("text"):
        raise ValueError("a Slack message needs its fallback text")
    args: dict[str, Any] = {"text": payload["text"]}
    if payload.get("blocks"):
        args["blocks"] = list(payload["blocks"])
    return args
