"""What the running service's parts share, built once by the composition root.

Nothing but :mod:`intake.service` imports :class:`Runtime`: each consumer says
what it needs of it with a :class:`typing.Protocol` of its own (``ReceiveContext``
in :mod:`intake.bids.receive`, ``PostingContext`` in :mod:`intake.slack.posts`,
…), which the runtime satisfies, so a module's signature tells which parts of
the service it may touch.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.inbox.spool import Spool
from intake.jobs.waker import Waker
from intake.reading.pool import ParsePool
from intake.slack import channels
from intake.slack.tokens import SlackWorkspaces
from notifier.mailer import Mailer


@dataclass
class Runtime:
    """The service's parts; passed to handlers instead of globals or settings."""

    config: Config
    engine: AsyncEngine
    spool: Spool
    clock: Clock
    pool: ParsePool
    mailer: Mailer
    slack: SlackWorkspaces
    node: str
    mail_domain: str
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("intake"))
    waker: Waker = field(default_factory=Waker)
    slack_warnings: dict[str, str] = field(default_factory=dict)
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held from a mail's hand-over to the relay until it is recorded as sent
    (:func:`intake.bids.outgoing.send_then_record`)."""
    started: bool = False
    """Set once the start-up checks (Slack's tokens and channels) are done: until
    then ``/healthz`` says ``starting``, not an ``ok`` it has not checked."""

    @property
    def data_dir(self) -> Path:
        """The data folder: the spool's and the outbox's parent."""
        return self.spool.root.parent

    def card_chain(self, *, office: str, fund: str | None) -> str:
        """The chain of a bid's card jobs: its channel's, so cards go out in order."""
        return channels.card_chain(self.config, office=office, fund=fund)

    def alert_channel(self, *, office: str, fund: str) -> tuple[str, str]:
        """The channel of a fund's deadline alerts, and the chain of its posts."""
        channel = channels.channel_for(self.config, office=office, fund=fund)
        place = channels.office_place(self.config, office=office, channel=channel)
        return channel, channels.slack_chain(place)
