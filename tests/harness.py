"""A real ``intake serve`` process for tests: real SMTP, real HTTP, real SQLite."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from intake.bids.reports import stored_bid, stored_bids
from intake.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningService:
    """Starts, stops and kills an ``intake serve`` subprocess in its own data folder."""

    def __init__(self, folder: Path, **env: str) -> None:
        self.folder = folder
        self.data_dir = folder / "var"
        self.smtp_port = free_port()
        self.http_port = free_port()
        self.env = {
            **os.environ,
            "INTAKE_DATA_DIR": str(self.data_dir),
            "INTAKE_SMTP_PORT": str(self.smtp_port),
            "INTAKE_HTTP_PORT": str(self.http_port),
            "INTAKE_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
            # This checkout's code, whichever checkout an editable install points at.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **env,
        }
        for name in (
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "SLACK_APP_TOKEN",
            "SLACK_API_URL",
            "INTAKE_RELAY_HOST",
        ):
            if name not in env:
                self.env.pop(name, None)
        self.process: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self.starts = 0

    # --- life cycle --------------------------------------------------------

    def start(self, timeout: float = 30.0, *, ready: bool = True) -> RunningService:
        """Start ``intake serve`` and wait until /healthz answers and, with ``ready``,
        until its start-up checks are done (it no longer says ``starting``)."""
        self.starts += 1
        self._close_log()
        self._log = (self.folder / f"serve-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "intake", "serve"],
            cwd=self.folder,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"intake serve exited:\n{self.output}")
            try:
                if self.health()["status"] != "starting" or not ready:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"intake serve did not become ready:\n{self.output}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait: a clean stop."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout)
        self._close_log()
        return code

    def kill(self) -> None:
        """SIGKILL: the process dies where it stands."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        self._close_log()

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def output(self) -> str:
        return "\n".join(
            log.read_text(errors="replace") for log in sorted(self.folder.glob("serve-*.log"))
        )

    # --- talking to it -----------------------------------------------------

    def health(self) -> dict[str, Any]:
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return dict(json.loads(response.read()))
        except urllib.error.HTTPError as exc:
            if exc.code == 503:
                return dict(json.loads(exc.read()))
            raise

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=30)

    def send(
        self,
        raw: bytes,
        *,
        to: str = "safer-in-kent@bids.example.org",
        sender: str = "applicant@example.org",
    ) -> str:
        """Deliver ``raw`` over SMTP; returns the server's final reply text.

        Lines end in CRLF on the wire, as every mail client sends them.
        """
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        with self.smtp() as client:
            client.ehlo("test.example.org")
            client.mail(sender)
            code, reply = client.rcpt(to)
            assert code == 250, (code, reply)
            code, reply = client.data(raw)
            assert code == 250, (code, reply)
            return reply.decode()

    # --- what it stored ----------------------------------------------------

    @property
    def settings(self) -> Settings:
        return Settings(data_dir=self.data_dir)

    def bids(self) -> list[dict[str, Any]]:
        return asyncio.run(stored_bids(self.settings.resolved_database_url))

    def bid(self, ref: str) -> dict[str, Any]:
        return asyncio.run(stored_bid(self.settings.resolved_database_url, ref))

    def outbox(self) -> list[EmailMessage]:
        folder = self.data_dir / "outbox"
        if not folder.exists():
            return []
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(folder.glob("*.eml"))
        ]

    def wait_for(
        self, predicate: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n--- service output ---\n{self.output}")


def fixture_mail(name: str) -> bytes:
    return (FIXTURES / "mails" / name).read_bytes()


def fixture_form(name: str) -> bytes:
    return (FIXTURES / "forms" / name).read_bytes()
