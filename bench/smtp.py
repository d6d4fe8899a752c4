"""Accept rate and latency of the SMTP receiver, beside a bare aiosmtpd that discards.

    python bench/smtp.py [--messages 2000] [--senders 20] [--size 100000] [--full]

Each server runs in its own process on loopback; one client process sends the
same messages through ``--senders`` concurrent connections (aiosmtplib), one
message per transaction, and times each transaction from MAIL FROM to the
final reply. Servers:

* ``discard``: aiosmtpd with a handler that answers 250 at once (the floor);
* ``durable``: our receiver as the service runs it on SQLite (connection caps,
  spool file and journal entry, each fsynced with its folder) without workers;
* ``service`` (with ``--full``): the whole ``intake serve``, workers parsing
  every message while it accepts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib

ROOT = Path(__file__).resolve().parents[1]
INBOX = "safer-in-kent@bids.example.org"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- servers (run in child processes) ------------------------------------------


async def _serve_discard(port: int) -> None:
    from aiosmtpd.smtp import SMTP

    class Discard:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "250 OK"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Discard(), decode_data=False, enable_SMTPUTF8=True, data_size_limit=0),
        "127.0.0.1",
        port,
    )
    print("ready", flush=True)
    await server.serve_forever()


async def _serve_durable(port: int, folder: str) -> None:
    from intake.clock import Clock
    from intake.config.load import load_config
    from intake.inbox.handler import IntakeHandler
    from intake.inbox.journal import Journal, JournalWriter
    from intake.inbox.protocol import ProtocolLimits, protocol_factory
    from intake.inbox.spool import Spool

    # What the service's receiver process does on SQLite: spool file and journal
    # entry, each fsynced, before the 250.
    handler = IntakeHandler(
        config=load_config(),
        spool=Spool(Path(folder) / "spool"),
        recorder=JournalWriter(Journal(Path(folder) / "journal")),
        clock=Clock(),
    )
    factory, _ = protocol_factory(
        handler, limits=ProtocolLimits(per_client=1000), hostname="bench.local"
    )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", port)
    print("ready", flush=True)
    await server.serve_forever()


def _start(kind: str, port: int, folder: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if kind == "service":
        env |= {
            "INTAKE_DATA_DIR": folder,
            "INTAKE_SMTP_PORT": str(port),
            "INTAKE_HTTP_PORT": str(_free_port()),
            "INTAKE_SMTP_MAX_CONNECTIONS_PER_CLIENT": "1000",
            "INTAKE_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "intake", "serve"]
    else:
        command = [sys.executable, __file__, "--server", kind, "--port", str(port), "--dir", folder]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.recv(100)
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


# --- the client ----------------------------------------------------------------


def _message(number: int, size: int) -> bytes:
    line = b"The quick brown fox jumps over the lazy dog, again and again and again.\r\n"
    body = line * (size // len(line) + 1)
    return (
        f"From: Bench Sender <sender{number % 20}@example.org>\r\n"
        f"To: {INBOX}\r\nSubject: Bench message {number}\r\n"
        f"Message-ID: <bench-{number}-{time.time_ns()}@example.org>\r\n\r\n"
    ).encode() + body[:size]


async def _send_all(port: int, messages: int, senders: int, size: int) -> tuple[list[float], float]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(messages):
        queue.put_nowait(number)
    latencies: list[float] = []

    async def sender() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=120)
        await client.connect()
        await client.ehlo()
        while True:
            try:
                number = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            message = _message(number, size)
            started = time.perf_counter()
            await client.sendmail("sender@example.org", [INBOX], message)
            latencies.append(time.perf_counter() - started)
        await client.quit()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(senders)))
    return latencies, time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of a process and its children that have been waited for."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    total = _cpu_seconds(pid)
    children = subprocess.run(
        ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    return total + sum(_tree_cpu(int(child)) for child in children)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _big_message(megabytes: int) -> None:
    """Accept time and the receiver's peak memory growth for one big message."""
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        server = _start("durable", port, folder)
        try:
            asyncio.run(_send_all(port, 5, 1, 10_000))
            before = _peak_rss_mb(server.pid)
            started = time.perf_counter()
            asyncio.run(_send_all(port, 1, 1, megabytes * 1024 * 1024))
            elapsed = time.perf_counter() - started
            growth = _peak_rss_mb(server.pid) - before
        finally:
            server.terminate()
            server.wait(30)
    print(
        f"one {megabytes} MB message: accepted in {elapsed:.2f} s; receiver peak memory "
        f"+{growth:.0f} MB ({growth / megabytes:.1f}x the message)"
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--full", action="store_true", help="also the whole service")
    parser.add_argument("--big-mb", type=int, default=25, help="size of the one big message")
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.server == "discard":
        asyncio.run(_serve_discard(args.port))
        return
    if args.server == "durable":
        asyncio.run(_serve_durable(args.port, args.dir))
        return

    kinds = ["discard", "durable", *(["service"] if args.full else [])]
    print(
        f"{args.messages} messages of {args.size // 1000} KB, {args.senders} concurrent "
        f"senders, loopback, {os.cpu_count()} CPUs"
    )
    print(
        f"{'server':<9} {'msg/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'server CPU ms/msg':>18}"
    )
    for kind in kinds:
        with tempfile.TemporaryDirectory() as folder:
            port = _free_port()
            server = _start(kind, port, folder)
            try:
                asyncio.run(_send_all(port, min(100, args.messages), args.senders, args.size))
                cpu_before = _tree_cpu(server.pid)
                latencies, elapsed = asyncio.run(
                    _send_all(port, args.messages, args.senders, args.size)
                )
                cpu = _tree_cpu(server.pid) - cpu_before
            finally:
                server.terminate()
                server.wait(30)
        ms = [value * 1000 for value in latencies]
        print(
            f"{kind:<9} {args.messages / elapsed:8.0f} {statistics.median(ms):8.1f} "
            f"{_percentile(ms, 0.95):8.1f} {_percentile(ms, 0.99):8.1f} {max(ms):8.1f}"
            f" {cpu / args.messages * 1000:18.1f}"
        )
    if args.big_mb:
        _big_message(args.big_mb)


if __name__ == "__main__":
    main()
