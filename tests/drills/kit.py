"""Deadline-day drills: a running service, a local Slack, a local relay, and many senders.

Shared by the short drills under ``tests/drills/`` and the long runs in
``bench/burst.py``. Everything is real: ``intake serve`` in its own process,
SMTP over loopback from a client that times each message from its final dot
to the server's reply, the Slack Web API served locally (``tests/slack_api_server``)
and an SMTP relay (aiosmtpd) that records what the service sends.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.harness import ROOT, RunningService, free_port
from tests.slack_api_server import TOKEN, SlackApiServer

INBOX = "safer-in-kent@bids.example.org"
IN_ROUND = "2027-05-30T16:00:00+01:00"  # the last afternoon of round 1
CHANNEL = "commissioning"


# --- the relay -------------------------------------------------------------------


@dataclass
class Delivery:
    at: float
    in_reply_to: str
    subject: str
    sender: str


class RecordingRelay:
    """An SMTP relay on loopback that records each acknowledgement, or refuses for a while."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        """Seconds between taking a mail and answering 250: a slow relay, or the moment
        a sending node can die having handed a mail over without hearing so."""
        self.answering: dict[int, int] = {}
        """Mails taken and not yet answered 250, by the client's port."""
        self.deliveries: list[Delivery] = []
        self.refused = 0
        self._refuse_until = 0.0
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def refuse_for(self, seconds: float) -> None:
        """Answer 451 to every message for ``seconds`` (the relay is in trouble)."""
        self._refuse_until = time.monotonic() + seconds

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if time.monotonic() < self._refuse_until:
            with self._lock:
                self.refused += 1
            return "451 4.3.0 Relay busy, try later"
        head = envelope.content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        headers = dict(
            (line.split(":", 1)[0].lower(), line.split(":", 1)[1].strip())
            for line in head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n")
            if ":" in line
        )
        with self._lock:
            self.deliveries.append(
                Delivery(
                    at=time.monotonic(),
                    in_reply_to=headers.get("in-reply-to", ""),
                    subject=headers.get("subject", ""),
                    sender=envelope.mail_from,
                )
            )
        if self.delay:
            # Taken, as a real relay has queued a mail before its 250: a client that
            # dies meanwhile never hears it, and the mail goes all the same.
            port = int(session.peer[1]) if session.peer else 0
            self.answering[port] = self.answering.get(port, 0) + 1
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.answering[port] -= 1
        return "250 2.0.0 Relayed"

    def __enter__(self) -> RecordingRelay:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


# --- the mails -------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    """One mail of a burst: its Message-ID, the form's shape and the bytes."""

    message_id: str
    shape: str
    form: str
    raw: bytes


SHAPE_WEIGHTS = {"docx": 50, "pdf-text": 25, "pdf-form": 20, "pdf-scan": 5}


def corpus(root: Path = ROOT / "fixtures") -> dict[str, list[Path]]:
    """The forms to send, by shape: the accuracy corpus when there is one, else the fixtures."""
    shapes: dict[str, list[Path]] = {}
    folder = root / "corpus"
    files = sorted(folder.glob("*.docx")) + sorted(folder.glob("*.pdf")) if folder.exists() else []
    if not files:
        files = sorted((root / "forms").glob("*.docx"))
    for path in files:
        name = path.name
        shape = next((s for s in ("pdf-text", "pdf-form", "pdf-scan") if name.startswith(s)), None)
        shapes.setdefault(shape or ("docx" if path.suffix == ".docx" else "pdf-text"), []).append(
            path
        )
    return shapes


def applications(
    count: int,
    *,
    seed: int = 2027,
    tag: str = "burst",
    padded: float = 0.1,
    pad_megabytes: tuple[float, float] = (0.5, 3.5),
    weights: dict[str, int] | None = None,
) -> list[Application]:
    """``count`` mails, each with a form drawn by ``SHAPE_WEIGHTS``; some also carry a
    large supporting document, so sizes run from about 50 KB to 5 MB."""
    rng = random.Random(seed)
    pool = corpus()
    weights = weights or SHAPE_WEIGHTS
    shapes = [s for s in weights if s in pool]
    chances = [weights[s] for s in shapes]
    mails = []
    for number in range(count):
        shape = rng.choices(shapes, chances)[0]
        form = rng.choice(pool[shape])
        extra = b""
        if rng.random() < padded:
            size = int(rng.uniform(*pad_megabytes) * 1024 * 1024)
            extra = rng.randbytes(size)
        message_id = f"<{tag}-{number}-{seed}@applicant.example.org>"
        mails.append(
            Application(message_id, shape, form.name, _mail(number, message_id, form, extra))
        )
    return mails


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def _mail(number: int, message_id: str, form: Path, extra: bytes) -> bytes:
    boundary = f"burst{number}"
    content_type = (
        "application/pdf"
        if form.suffix == ".pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    parts = [
        "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find our application attached.\r\n",
        f'Content-Type: {content_type}; name="{form.name}"\r\n'
        f'Content-Disposition: attachment; filename="{form.name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + _b64(form.read_bytes()).decode(),
    ]
    if extra:
        parts.append(
            'Content-Type: application/octet-stream; name="annual-report.bin"\r\n'
            'Content-Disposition: attachment; filename="annual-report.bin"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n" + _b64(extra).decode()
        )
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    head = (
        f"From: Applicant {number} <applicant{number}@charity{number % 97}.example.org>\r\n"
        f"To: Safer in Kent Fund <{INBOX}>\r\n"
        f"Subject: Application {number}\r\n"
        f"Date: {format_datetime(datetime(2027, 5, 30, 15, 0, tzinfo=UTC))}\r\n"
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    )
    return head.encode() + body.encode()


# --- the senders -----------------------------------------------------------------


@dataclass
class Sent:
    application: Application
    queued: str | None = None
    reply: str = ""
    accept_latency: float | None = None
    """Seconds from our final dot to the server's reply: the durable accept."""
    accepted_at: float | None = None


async def _read_reply(reader: asyncio.StreamReader) -> str:
    lines = []
    while True:
        line = (await reader.readline()).decode("utf-8", "replace")
        if not line:
            raise ConnectionError("connection closed")
        lines.append(line.rstrip("\r\n"))
        if line[3:4] != "-":
            return "\n".join(lines)


_FROM = re.compile(rb"^From: [^<\r\n]*<([^>\r\n]+)>", re.MULTILINE)


def sender_of(application: Application) -> str:
    """The applicant's address (its From), which their mail server also sends as the
    envelope sender: acknowledgements go to it, one address at most five a day."""
    found = _FROM.search(application.raw[:2000])
    return found.group(1).decode() if found else "applicant@example.org"


async def _send_one(reader: Any, writer: Any, item: Sent) -> None:
    mail_from = sender_of(item.application)
    for command in (f"MAIL FROM:<{mail_from}>", f"RCPT TO:<{INBOX}>", "DATA"):
        writer.write(command.encode() + b"\r\n")
        await writer.drain()
        reply = await _read_reply(reader)
        if not reply.startswith(("250", "354")):
            item.reply = reply
            return
    data = item.application.raw
    data = data.replace(b"\r\n.", b"\r\n..")  # RFC 5321 §4.5.2 transparency
    writer.write(data if data.endswith(b"\r\n") else data + b"\r\n")
    await writer.drain()
    started = time.monotonic()
    writer.write(b".\r\n")
    await writer.drain()
    item.reply = await _read_reply(reader)
    item.accepted_at = time.monotonic()
    item.accept_latency = item.accepted_at - started
    if item.reply.startswith("250"):
        item.queued = item.reply.rsplit(" ", 1)[-1]


async def send_all(port: int, items: list[Sent], *, senders: int = 20) -> list[Sent]:
    """Send ``items`` over ``senders`` connections, filling each ``Sent`` as it goes.

    A connection the server drops (a drill killed it) ends that sender; the
    items it had not sent keep ``queued`` None, as a sending server would retry.
    """
    queue: asyncio.Queue[Sent] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def sender() -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return
        try:
            await _read_reply(reader)
            writer.write(b"EHLO drill.example.org\r\n")
            await writer.drain()
            await _read_reply(reader)
            while not queue.empty():
                await _send_one(reader, writer, queue.get_nowait())
            writer.write(b"QUIT\r\n")
            await writer.drain()
        except (ConnectionError, OSError):
            pass  # the server went away: what was not answered 250 is to be retried
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    await asyncio.gather(*(sender() for _ in range(senders)))
    return items


# --- the scenario ----------------------------------------------------------------


@dataclass
class Drill:
    """Running service nodes wired to one local Slack and one local relay."""

    services: list[RunningService]
    slack: SlackApiServer
    relay: RecordingRelay
    sent: list[Sent] = field(default_factory=list)

    @property
    def service(self) -> RunningService:
        return self.services[0]

    def cards(self) -> dict[str, list[float]]:
        """When each bid's card was posted (top-level chat.postMessage), by reference."""
        posted: dict[str, list[float]] = {}
        for call in self.slack.calls_to("chat.postMessage"):
            if call.args.get("thread_ts") or call.status != 200 or not call.response.get("ok"):
                continue
            text = str(call.args.get("text") or "")
            ref = next((w.strip("[]:,.") for w in text.split() if w.startswith("KENT-")), None)
            if ref:
                posted.setdefault(ref, []).append(call.at)
        return posted

    def acknowledgements(self) -> dict[str, list[Delivery]]:
        """What the relay delivered, by the Message-ID of the mail it answers."""
        found: dict[str, list[Delivery]] = {}
        for delivery in list(self.relay.deliveries):
            found.setdefault(delivery.in_reply_to, []).append(delivery)
        return found


@contextmanager
def drill(
    folder: Path,
    *,
    nodes: int = 1,
    check_blocks: bool = True,
    relay_delay: float = 0.0,
    **env: str,
) -> Iterator[Drill]:
    """Start the local Slack, the relay and ``nodes`` × ``intake serve`` wired to both.

    Several nodes need a shared database: pass ``INTAKE_DATABASE_URL``.
    ``check_blocks=False``: the local Slack takes cards unchecked (benchmarks).
    ``relay_delay``: seconds the relay waits between taking a mail and its 250.
    """
    with ExitStack() as stack:
        slack = stack.enter_context(SlackApiServer(check_blocks=check_blocks).in_thread())
        slack.add_channel("C0COMMISS", CHANNEL)
        relay = stack.enter_context(RecordingRelay(delay=relay_delay))
        services = []
        for number in range(nodes):
            node_folder = folder / f"node-{number}" if nodes > 1 else folder
            node_folder.mkdir(parents=True, exist_ok=True)
            settings = {
                "INTAKE_NOW": IN_ROUND,
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": "drill-secret",
                "SLACK_API_URL": slack.url,
                "INTAKE_RELAY_HOST": "127.0.0.1",
                "INTAKE_RELAY_PORT": str(relay.port),
                "INTAKE_SMTP_MAX_CONNECTIONS_PER_CLIENT": "100",
                "INTAKE_SLACK_POST_INTERVAL": "0",
            }
            service = RunningService(node_folder, **{**settings, **env})
            stack.callback(service.close)
            service.start()
            services.append(service)
        yield Drill(services=services, slack=slack, relay=relay)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
