"""An SMTP receiver in the test's own event loop, for tests that drive it with a real client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from intake.clock import Clock
from intake.config.load import load_config
from intake.inbox.handler import IntakeHandler, Recorder
from intake.inbox.journal import Journal, JournalWriter
from intake.inbox.protocol import IntakeSMTP, ProtocolLimits, protocol_factory
from intake.inbox.spool import Spool


@contextlib.asynccontextmanager
async def receiving(
    folder: Path,
    recorder: Recorder | None = None,
    *,
    sessions: list[IntakeSMTP] | None = None,
    limits: ProtocolLimits | None = None,
    **handler: Any,
) -> AsyncIterator[tuple[IntakeHandler, int]]:
    """The handler (spool and journal under ``folder``) and the loopback port it listens on.

    ``sessions``, when given, collects the server side of each connection.
    On leaving, the server stops and the handler waits for messages still being kept.
    """
    intake = IntakeHandler(
        config=load_config(),
        spool=Spool(folder / "spool"),
        recorder=recorder or JournalWriter(Journal(folder / "journal")),
        clock=Clock(),
        **handler,
    )
    factory, _ = protocol_factory(intake, limits=limits or ProtocolLimits(), hostname="test.local")

    def session() -> IntakeSMTP:
        protocol = factory()
        if sessions is not None:
            sessions.append(protocol)
        return protocol

    server = await asyncio.get_running_loop().create_server(session, "127.0.0.1", 0)
    try:
        yield intake, server.sockets[0].getsockname()[1]
    finally:
        server.close()
        intake.close()
