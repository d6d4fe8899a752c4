"""A small local Slack Web API for tests, spoken over real HTTP.

Point ``AsyncWebClient(base_url=server.url)`` (or the app's ``SLACK_API_URL``)
at it. It answers ``auth.test``, ``chat.postMessage``, ``chat.update``, ``chat.delete``,
``conversations.info``, ``conversations.list``, ``conversations.history``,
``conversations.replies``,
``views.open``, ``views.update``, ``apps.connections.open`` and the two
steps of a file upload around it (``files.getUploadURLExternal``, then the
bytes POSTed to the upload URL it gives, then ``files.completeUploadExternal``,
as slack_sdk's ``files_upload_v2`` does; uploaded files are kept in
``server.files`` and shared ones in their channel's ``files``) the way Slack
does (HTTP 200 with ``{"ok": false, "error": …}`` for API errors), records
every call, refuses what Slack would refuse (wrong token, unknown or archived
channel, the bot not a member, blocks or views over Block Kit's limits) and can
be told to answer 429 with ``Retry-After`` or 500 for the next calls, or to be
down altogether for a while.

Several workspaces share one server, as one Slack app is installed in each:
``add_workspace(token, team_id)`` adds one with its own bot token. A token sees
only its own workspace's channels, ``auth.test`` answers with its workspace's
id, and every recorded call says which token it used (``call.token``) and
which workspace that is (``call.team``).

It also stands in for Slack's install flow: ``issue_code(team_id, token)``
gives the code Slack would hand the app's redirect page, and
``oauth.v2.access`` (checked against ``CLIENT_ID``/``CLIENT_SECRET``, sent as
HTTP Basic auth as slack_sdk does) exchanges it once for the workspace's
token; ``auth.revoke`` forgets a token.

It also stands in for Slack's side of two other channels: **response URLs**
(``server.response_url()`` makes one; what the app posts there is recorded in
``server.responses``) and **Socket Mode** (``apps.connections.open`` hands out
a WebSocket on this server; ``await server.socket_send(type, payload)`` sends an
envelope over it and returns the app's acknowledgement).

In a test's own event loop::

    async with SlackApiServer() as server:
        server.fail_next(1, status=429, retry_after=0)
        ...
        assert server.calls_to("chat.postMessage")

In a thread, for tests that drive an ``intake serve`` subprocess::

    with SlackApiServer().in_thread() as server:
        service = RunningService(folder, SLACK_API_URL=server.url, ...)

Or as a process, for trying the service by hand::

    python -m tests.slack_api_server --port 8099   # then SLACK_API_URL=http://127.0.0.1:8099/api/
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-test-token"
BOT_USER_ID = "UBOT0001"
BOT_NAME = "grant-intake"
TEAM_ID = "T0TEAM001"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "test-client-secret"

# Block Kit limits that slack_sdk's models do not check (notes/slack.md).
MAX_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_FIELD = 2000
MAX_CONTEXT_TEXT = 3000
MAX_FALLBACK = 4000
MAX_OPTION_TEXT = 75


@dataclass
class ApiCall:
    """One request the server received and what it answered."""

    method: str
    args: dict[str, Any]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    token: str | None = None
    team: str | None = None


@dataclass
class Channel:
    """A channel the fake workspace knows, and the messages posted in it."""

    id: str
    name: str
    is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    team: str = TEAM_ID
    messages: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    """Files shared into the channel by ``files.completeUploadExternal``."""

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_member": self.is_member,
        }

    @property
    def top_level(self) -> list[dict[str, Any]]:
        """Messages posted in the channel itself, not in threads."""
        return [m for m in self.messages if not m.get("thread_ts")]

    def thread(self, ts: str) -> list[dict[str, Any]]:
        """The replies under the message ``ts``, oldest first."""
        return [m for m in self.messages if m.get("thread_ts") == ts]


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    method: str | None
    after: bool = False


def block_kit_problems(
    blocks: Any, *, max_blocks: int = MAX_BLOCKS, text: str | None = None
) -> list[str]:
    """Everything Slack would refuse in a message's blocks (empty when it would accept them).

    Uses slack_sdk's own models (``Block.parse`` + ``to_dict``, which check
    section 3000, header 150, button text 75, 10 fields…), then the limits they
    do not check: the number of blocks, 2000 characters a field, options' text,
    keys the models do not know (dropped silently by slack_sdk, refused by
    Slack), and the fallback ``text`` length.
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
        for option in _options(block):
            for key in ("text", "description"):
                words = (option.get(key) or {}).get("text", "")
                if len(words) > MAX_OPTION_TEXT:
                    problems.append(f"{where}: option {key} over {MAX_OPTION_TEXT} characters")
    if text is not None and len(text) > MAX_FALLBACK:
        problems.append(f"fallback text of {len(text)} characters, more than {MAX_FALLBACK}")
    return problems


def view_problems(view: Any) -> list[str]:
    """Everything Slack would refuse in a modal: slack_sdk's View checks plus its blocks'."""
    if not isinstance(view, dict):
        return [f"a view must be an object, not {type(view).__name__}"]
    problems: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as exc:
        problems.append(f"view: {exc}")
    problems += block_kit_problems(view.get("blocks") or [], max_blocks=MAX_MODAL_BLOCKS)
    return problems


def _options(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
    for element in elements:
        if isinstance(element, dict):
            yield from element.get("options") or []


class SlackApiServer:
    """A Slack Web API on 127.0.0.1 with a free port; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        app_token: str = APP_TOKEN,
        port: int = 0,
        team_id: str = TEAM_ID,
        check_blocks: bool = True,
    ) -> None:
        """``check_blocks=False`` takes messages' blocks unchecked, for benchmarks:
        Slack checks them on its own servers, and here the check cost the machine
        the service is measured on about 1 ms of CPU a message."""
        self.token = token
        self.check_blocks = check_blocks
        self.team_id = team_id
        # Each workspace's bot token and the workspace's id: one app installed in each.
        self.teams: dict[str, str] = {token: team_id}
        self._codes: dict[str, tuple[str, str]] = {}
        self.app_token = app_token
        self.port = port
        self.calls: list[ApiCall] = []
        self.channels: dict[str, Channel] = {}
        self.add_channel("C0GRANTS1", "grants")
        self.responses: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self._faults: deque[_Fault] = deque()
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._responses = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self.files: dict[str, dict[str, Any]] = {}
        """Files by id: ``filename``, ``length`` promised, ``data`` uploaded."""
        self._file_ids = itertools.count(1)
        self.root = ""
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
        team: str | None = None,
    ) -> Channel:
        """Make a channel known to a workspace (the first unless ``team``); the bot is in it."""
        channel = Channel(
            channel_id,
            name,
            is_member=is_member,
            is_archived=is_archived,
            is_private=is_private,
            team=team or self.team_id,
        )
        self.channels[channel_id] = channel
        return channel

    def add_workspace(self, token: str, team_id: str) -> None:
        """Install the app in another workspace: calls with ``token`` act in ``team_id``."""
        self.teams[token] = team_id

    def issue_code(self, team_id: str, token: str) -> str:
        """The code of an install in ``team_id``; exchanging it gives ``token``, once."""
        code = f"code-{team_id}-{len(self._codes) + 1}"
        self._codes[code] = (team_id, token)
        return code

    def fail_next(
        self,
        count: int,
        *,
        status: int = 429,
        retry_after: int | None = 0,
        method: str | None = None,
        after: bool = False,
    ) -> None:
        """Answer the next ``count`` calls (of ``method``, or any) with ``status``.

        429 answers carry ``Retry-After: retry_after`` and Slack's
        ``{"ok": false, "error": "ratelimited"}``; other statuses an
        ``internal_error`` body. With ``after``, the call is carried out first
        and only its answer is lost: Slack posted, the caller does not know it.
        """
        with self._lock:
            for _ in range(count):
                self._faults.append(_Fault(status, retry_after, method, after))

    def go_down(self, seconds: float = 3600.0) -> None:
        """Answer every call with 503 (Slack's outage page) for ``seconds``, or until up()."""
        self._down_until = time.monotonic() + seconds

    def come_back(self) -> None:
        """End an outage started with :meth:`go_down`."""
        self._down_until = 0.0

    def calls_to(self, method: str) -> list[ApiCall]:
        """The recorded calls of one API method, oldest first."""
        return [call for call in list(self.calls) if call.method == method]

    def calls_by(self, token: str, method: str | None = None) -> list[ApiCall]:
        """The recorded calls made with ``token`` (of ``method``, or all), oldest first."""
        return [
            call
            for call in list(self.calls)
            if call.token == token and method in (None, call.method)
        ]

    def channel(self, key: str, team: str | None = None) -> Channel | None:
        """A channel by id, name or ``#name``, as chat.postMessage accepts them.

        With ``team``, only that workspace's: a token sees its own workspace.
        """
        found = self.channels.get(key)
        if found is None:
            name = key.removeprefix("#")
            found = next(
                (c for c in self.channels.values() if c.name == name and team in (None, c.team)),
                None,
            )
        if found is None or team not in (None, found.team):
            return None
        return found

    def response_url(self, team: str | None = None) -> str:
        """A new response URL, like those Slack puts in slash commands and interactions."""
        return f"{self.root}/response/{team or self.team_id}/{next(self._responses)}/secret"

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> str:
        """Start listening; return the base URL (``http://127.0.0.1:PORT/api/``)."""
        self._loop = asyncio.get_running_loop()
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/response/{team}/{id}/{secret}", self._handle_response)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.root = f"http://127.0.0.1:{port}"
        self.url = f"{self.root}/api/"
        return self.url

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        for socket in list(self._sockets):
            with contextlib.suppress(Exception):
                await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[SlackApiServer]:
        """Run the server on its own event loop in a thread, for synchronous tests."""
        started: Future[None] = Future()
        stopping = threading.Event()

        def run() -> None:
            async def main() -> None:
                await self.start()
                started.set_result(None)
                while not stopping.is_set():
                    await asyncio.sleep(0.05)
                await self.stop()

            try:
                asyncio.run(main())
            except BaseException as exc:  # report a failed start to the waiting test
                if not started.done():
                    started.set_exception(exc)
                raise

        thread = threading.Thread(target=run, name="slack-api-server", daemon=True)
        thread.start()
        started.result(timeout=10)
        try:
            yield self
        finally:
            stopping.set()
            thread.join(10)

    def run_in_loop(self, coroutine: Any, timeout: float = 10.0) -> Any:
        """Run ``coroutine`` on the server's loop (from a test's thread) and return its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        call = ApiCall(method, args)
        self.calls.append(call)

        if time.monotonic() < self._down_until:
            return self._answer(call, 503, {"ok": False, "error": "service_unavailable"})
        fault = self._take_fault(method)
        if fault is not None and not fault.after:
            return self._answer(call, fault.status, _fault_body(fault), _fault_headers(fault))

        if method == "oauth.v2.access":
            return self._answer(call, 200, self._oauth_access(request, args))
        token = _bearer(request) or args.get("token")
        call.token = token
        call.team = self.teams.get(str(token))
        if method == "apps.connections.open" and token == self.app_token:
            call.team = None  # the app-level token is the app's, in no one workspace
        elif call.team is None:
            error = "invalid_auth" if token else "not_authed"
            return self._answer(call, 200, {"ok": False, "error": error})
        if method == "auth.revoke":
            self.teams.pop(str(token), None)
            return self._answer(call, 200, {"ok": True, "revoked": True})
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return self._answer(call, 404, {"ok": False, "error": "unknown_method"})
        body = handler(args, call.team)
        if fault is not None:
            return self._answer(call, fault.status, _fault_body(fault), _fault_headers(fault))
        return self._answer(call, 200, body)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
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

    async def _handle_response(self, request: web.Request) -> web.Response:
        """A response URL: Slack takes JSON, answers a plain ``ok`` (or 400 for bad blocks)."""
        body = await request.json()
        body["_url"] = str(request.url)
        self.responses.append(body)
        if body.get("blocks") is not None and block_kit_problems(
            body["blocks"], text=body.get("text")
        ):
            return web.Response(status=400, text="invalid_blocks")
        if not body.get("text") and not body.get("blocks"):
            return web.Response(status=400, text="no_text")
        return web.Response(text="ok")

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                waiter = self._socket_acks.pop(str(data.get("envelope_id")), None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(data)
        finally:
            self._sockets.remove(socket)
        return socket

    async def socket_send(
        self, kind: str, payload: dict[str, Any], *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Send a Socket Mode envelope to the connected app; return its acknowledgement."""
        deadline = time.monotonic() + timeout
        while not self._sockets:
            if time.monotonic() > deadline:
                raise TimeoutError("no app connected over Socket Mode")
            await asyncio.sleep(0.05)
        envelope_id = f"envelope-{next(self._envelopes)}"
        waiter: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._socket_acks[envelope_id] = waiter
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )
        return await asyncio.wait_for(waiter, timeout)

    # -- API methods -------------------------------------------------------------------------

    def _api_auth_test(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example.slack.com/",
            "team": "Commissioning" if team == self.team_id else f"Workspace {team}",
            "user": BOT_NAME,
            "team_id": team,
            "user_id": BOT_USER_ID,
            "bot_id": "B0BOT0001",
        }

    def _oauth_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        header = request.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if header != expected:
            return {"ok": False, "error": "invalid_client_id"}
        found = self._codes.pop(str(args.get("code")), None)
        if found is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, token = found
        self.teams[token] = team_id
        return {
            "ok": True,
            "app_id": "A0APP0001",
            "authed_user": {"id": "U0ADMIN01"},
            "scope": "chat:write,commands",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": BOT_USER_ID,
            "team": {"id": team_id, "name": f"Workspace {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }

    def _api_apps_connections_open(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        return {"ok": True, "url": self.root.replace("http://", "ws://") + "/socket"}

    def _api_chat_postMessage(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        channel, error = self._postable(args.get("channel"), team)
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
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _api_files_getUploadURLExternal(
        self, args: dict[str, Any], team: str | None
    ) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F0{next(self._file_ids):08d}"
        self.files[file_id] = {
            "id": file_id,
            "filename": filename,
            "length": int(str(length)),
            "data": None,
            "team": team,
        }
        return {"ok": True, "upload_url": f"{self.root}/upload/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.Response:
        found = self.files.get(request.match_info["file_id"])
        if found is None or found["data"] is not None:
            return web.Response(status=404, text="unknown upload")
        data = await request.read()
        if len(data) != found["length"]:
            return web.Response(status=400, text="length does not match")
        found["data"] = data
        return web.Response(status=200, text=f"OK - {len(data)}")

    def _api_files_completeUploadExternal(
        self, args: dict[str, Any], team: str | None
    ) -> dict[str, Any]:
        try:
            listed = json.loads(str(args.get("files") or "[]"))
        except json.JSONDecodeError:
            return {"ok": False, "error": "invalid_arguments"}
        done = []
        for item in listed:
            found = self.files.get(str(item.get("id")))
            if found is None or found["data"] is None or found["team"] != team:
                return {"ok": False, "error": "file_not_found"}
            found["title"] = item.get("title")
            done.append({"id": found["id"], "name": found["filename"], "title": found["title"]})
        if args.get("channel_id"):
            channel, error = self._postable(args.get("channel_id"), team)
            if error:
                return error
            assert channel is not None
            for item in done:
                channel.files.append(
                    {**self.files[item["id"]], "initial_comment": args.get("initial_comment")}
                )
        return {"ok": True, "files": done}

    def _api_chat_update(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        channel, error = self._postable(args.get("channel"), team)
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

    def _api_chat_delete(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        channel, error = self._postable(args.get("channel"), team)
        if error:
            return error
        assert channel is not None
        message = next((m for m in channel.messages if m["ts"] == args.get("ts")), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        channel.messages.remove(message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"]}

    def _api_conversations_info(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        channel = self.channel(str(args.get("channel")), team)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel.info()}

    def _api_conversations_list(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        # Two to a page, so that callers' pagination is exercised.
        ordered = sorted((c for c in self.channels.values() if c.team == team), key=lambda c: c.id)
        start = int(args.get("cursor") or 0)
        page = ordered[start : start + 2]
        more = start + 2 < len(ordered)
        return {
            "ok": True,
            "channels": [c.info() for c in page],
            "response_metadata": {"next_cursor": str(start + 2) if more else ""},
        }

    def _api_conversations_history(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        """Newest first, like Slack; metadata only with ``include_all_metadata``."""
        channel = self.channel(str(args.get("channel")), team)
        if channel is None or not channel.is_member:
            return {
                "ok": False,
                "error": "channel_not_found" if channel is None else "not_in_channel",
            }
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        found = []
        for message in reversed(channel.top_level):
            shown = {k: v for k, v in message.items() if k != "metadata" or with_metadata}
            found.append(shown)
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _api_conversations_replies(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        """The thread under ``ts``, its first message first, like Slack; metadata only with
        ``include_all_metadata``."""
        channel = self.channel(str(args.get("channel")), team)
        if channel is None or not channel.is_member:
            return {
                "ok": False,
                "error": "channel_not_found" if channel is None else "not_in_channel",
            }
        ts = str(args.get("ts") or "")
        parent = next((m for m in channel.top_level if m["ts"] == ts), None)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        limit = int(args.get("limit") or 100)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        found = [
            {k: v for k, v in message.items() if k != "metadata" or with_metadata}
            for message in [parent, *channel.thread(ts)]
        ]
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _api_views_open(self, args: dict[str, Any], team: str | None) -> dict[str, Any]:
        view = args.get("view")
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        problems = view_problems(view)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        opened = {**view, "id": f"V{next(self._views):08d}", "team_id": team}
        self.views.append(opened)
        return {"ok": True, "view": opened}

    # -- helpers -----------------------------------------------------------------------------

    def _postable(self, key: Any, team: str | None) -> tuple[Channel | None, dict[str, Any] | None]:
        channel = self.channel(str(key or ""), team)
        if channel is None:
            return None, {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return None, {"ok": False, "error": "is_archived"}
        if not channel.is_member:
            return None, {"ok": False, "error": "not_in_channel"}
        return channel, None

    def _message_problems(self, args: dict[str, Any]) -> dict[str, Any] | None:
        text, blocks = args.get("text"), args.get("blocks")
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        if text and len(text) > 40_000:
            return {"ok": False, "error": "msg_too_long"}
        if blocks is not None and self.check_blocks:
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
    for key in ("blocks", "view", "attachments", "metadata"):
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


def main() -> None:
    """Serve the fake Slack until Ctrl-C; print every call, to try the service by hand."""
    parser = argparse.ArgumentParser(description="A local Slack Web API for trying grant-intake")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--channel", action="append", default=[], help="a channel name the app is in"
    )
    args = parser.parse_args()
    server = SlackApiServer(port=args.port)
    for number, name in enumerate(args.channel or ["commissioning"], start=1):
        server.add_channel(f"C0LOCAL{number:03d}", name.removeprefix("#"))

    async def run() -> None:
        await server.start()
        names = ", ".join(f"#{c.name}" for c in server.channels.values())
        print(f"Slack Web API on {server.url} (token {server.token}); channels {names}")
        seen = 0
        while True:
            await asyncio.sleep(0.5)
            for call in server.calls[seen:]:
                print(call.method, call.status, json.dumps(call.args)[:200], flush=True)
            seen = len(server.calls)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
