"""A small local Slack Web API for tests, spoken over real HTTP.

Point ``AsyncWebClient(base_url=server.url)`` (or the app's ``SLACK_API_URL``)
at it. It answers ``auth.test``, ``chat.postMessage``, ``chat.update``,
``conversations.info``, ``conversations.list`` and ``views.open`` the way Slack
does (HTTP 200 with ``{"ok": false, "error": …}`` for API errors), records
every call, refuses what Slack would refuse (wrong token, unknown or archived
channel, the bot not a member, blocks over Block Kit's limits) and can be told
to answer 429 with ``Retry-After`` or 500 for the next calls.

Usage::

    async with SlackApiServer() as server:
        server.fail_next(1, status=429, retry_after=0)
        ...
        assert server.calls_to("chat.postMessage")
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

TOKEN = "xoxb-test-token"
BOT_USER_ID = "UBOT0001"
BOT_NAME = "grant-intake"

# Block Kit limits that slack_sdk's models do not check (notes/slack.md).
MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_FIELD = 2000
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK = 4000


@dataclass
class ApiCall:
    """One request the server received and what it answered."""

    method: str
    args: dict[str, Any]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Channel:
    """A channel the fake workspace knows, and the messages posted in it."""

    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": self.is_member,
        }


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    method: str | None


def block_kit_problems(
    blocks: Any, *, max_blocks: int = MAX_BLOCKS, text: str | None = None
) -> list[str]:
    """Everything Slack would refuse in a message's blocks (empty when it would accept them).

    Uses slack_sdk's own models (``Block.parse`` + ``to_dict``, which check
    section 3000, header 150, button text 75, 10 fields…), then the limits they
    do not check: the number of blocks, 2000 characters a field, keys the
    models do not know (dropped silently by slack_sdk, refused by Slack), and
    the fallback ``text`` length.
    """
    problems: list[str] = []
    if not isinstance(blocks, list):
        return [f"blocks must be a list, not {type(blocks).__name__}"]
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks, more than {max_blocks}")
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type') if isinstance(block, dict) else '?'})"
        try:
            parsed = Block.parse(block)
            if parsed is None:
                problems.append(f"{where}: not a block")
                continue
            if parsed.to_dict() != block:
                problems.append(f"{where}: has keys or values Slack does not accept")
        except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        for position, item in enumerate(block.get("fields") or []):
            if len(item.get("text", "")) > MAX_FIELD:
                problems.append(f"{where}: field {position} over {MAX_FIELD} characters")
        if block.get("type") == "context":
            for position, item in enumerate(block.get("elements") or []):
                if len(item.get("text", "")) > MAX_CONTEXT_TEXT:
                    problems.append(f"{where}: element {position} over {MAX_CONTEXT_TEXT}")
    if text is not None and len(text) > MAX_FALLBACK:
        problems.append(f"fallback text of {len(text)} characters, more than {MAX_FALLBACK}")
    return problems


class SlackApiServer:
    """A Slack Web API on 127.0.0.1 with a free port; see the module docstring."""

    def __init__(self, *, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[ApiCall] = []
        self.channels: dict[str, Channel] = {}
        self.add_channel("C0GRANTS1", "grants")
        self._faults: deque[_Fault] = deque()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- control -------------------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_member: bool = True,
        is_archived: bool = False,
        is_private: bool = False,
    ) -> Channel:
        """Make a channel known to the workspace; by default the bot is a member."""
        channel = Channel(
            channel_id,
            name,
            is_member=is_member,
            is_archived=is_archived,
            is_private=is_private,
        )
        self.channels[channel_id] = channel
        return channel

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: int | None = 0,
        method: str | None = None,
    ) -> None:
        """Answer the next ``count`` calls (of ``method``, or any) with ``status``.

        429 answers carry ``Retry-After: retry_after`` and Slack's
        ``{"ok": false, "error": "ratelimited"}``; other statuses an
        ``internal_error`` body.
        """
        for _ in range(count):
            self._faults.append(_Fault(status, retry_after, method))

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of one API method, oldest first."""
        return [call for call in self.calls if call.method == method]

    def channel(self, key: str) -> Channel | None:
        """A channel by id, name or ``#name``, as chat.postMessage accepts them."""
        if key in self.channels:
            return self.channels[key]
        name = key.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name), None)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> str:
        """Start listening; return the base URL (``http://127.0.0.1:PORT/api/``)."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/api/"
        return self.url

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        call = ApiCall(method, args)
        self.calls.append(call)

        fault = self._take_fault(method)
        if fault is not None:
            return self._answer(call, fault.status, _fault_body(fault), _fault_headers(fault))

        token = _bearer(request) or args.get("token")
        if token != self.token:
            error = "invalid_auth" if token else "not_authed"
            return self._answer(call, 200, {"ok": False, "error": error})
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(call, 404, {"ok": False, "error": "unknown_method"})
        return self._answer(call, 200, handler(args))

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (None, method):
                self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _answer(
        call: ApiCall, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> web.Response:
        call.status, call.response = status, body
        return web.json_response(body, status=status, headers=headers)

    # -- API methods -------------------------------------------------------------------------

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Commissioning",
            "user": BOT_NAME,
            "team_id": "T0TEAM001",
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT0001",
        }

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, error = self._postable(args.get("channel"))
        if error:
            return error
        assert channel is not None
        invalid = self._message_problems(args)
        if invalid:
            return invalid
        thread_ts = args.get("thread_ts")
        if thread_ts and not any(m["ts"] == thread_ts for m in channel.messages):
            return {"ok": False, "error": "thread_not_found"}
        ts = f"{1_800_000_000 + next(self._ts)}.000100"
        message = {
            "ts": ts,
            "text": args.get("text"),
            "blocks": args.get("blocks"),
            "thread_ts": thread_ts,
            "user": BOT_USER_ID,
        }
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, error = self._postable(args.get("channel"))
        if error:
            return error
        assert channel is not None
        message = next((m for m in channel.messages if m["ts"] == args.get("ts")), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        invalid = self._message_problems(args)
        if invalid:
            return invalid
        message.update(text=args.get("text"), blocks=args.get("blocks"), edited=True)
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "text": message["text"]}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel.info()}

    def _api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        # Two to a page, so that callers' pagination is exercised.
        ordered = sorted(self.channels.values(), key=lambda c: c.id)
        start = int(args.get("cursor") or 0)
        page = ordered[start : start + 2]
        more = start + 2 < len(ordered)
        return {
            "ok": True,
            "channels": [c.info() for c in page],
            "response_metadata": {"next_cursor": str(start + 2) if more else ""},
        }

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        problems = block_kit_problems(view.get("blocks") or [], max_blocks=MAX_MODAL_BLOCKS)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return {"ok": True, "view": {**view, "id": f"V{next(self._views):08d}"}}

    # -- helpers -----------------------------------------------------------------------------

    def _postable(self, key: Any) -> tuple[Channel | None, dict[str, Any] | None]:
        channel = self.channel(str(key or ""))
        if channel is None:
            return None, {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return None, {"ok": False, "error": "is_archived"}
        if not channel.is_member:
            return None, {"ok": False, "error": "not_in_channel"}
        return channel, None

    @staticmethod
    def _message_problems(args: dict[str, Any]) -> dict[str, Any] | None:
        text, blocks = args.get("text"), args.get("blocks")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if text and len(text) > 40_000:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None:
            problems = block_kit_problems(blocks, text=text)
            if problems:
                return {"ok": False, "error": "invalid_blocks", "errors": problems}
        return None


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query, form or JSON arguments, as Slack accepts them; JSON-encoded fields decoded."""
    args: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            args.update(await request.json())
        else:
            args.update(dict(await request.post()))
    for key in ("blocks", "view", "attachments"):
        if isinstance(args.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                args[key] = json.loads(args[key])
    return args


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return header.removeprefix("Bearer ").strip() or None


def _fault_body(fault: _Fault) -> dict[str, Any]:
    error = "ratelimited" if fault.status == 429 else "internal_error"
    return {"ok": False, "error": error}


def _fault_headers(fault: _Fault) -> dict[str, str]:
    if fault.status == 429 and fault.retry_after is not None:
        return {"Retry-After": str(fault.retry_after)}
    return {}
