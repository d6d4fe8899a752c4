"""What the running service's parts share, built once by the composition root."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.clock import Clock
from intake.config.model import Config
from intake.inbox.spool import Spool
from intake.jobs.waker import Waker
from intake.reading.pool import ParsePool
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
    started: bool = False
    """Set once the start-up checks (Slack's tokens and channels) are done: until
    then ``/healthz`` says ``starting``, not an ``ok`` it has not checked."""
