"""Who gets a connection slot, and how fast: fair shares of the receiver, as Postfix's anvil.

A public inbox is reached by strangers: one of them, or twenty loopback-
like addresses of one, must not take every slot or every turn of the event
loop while an applicant waits on a closing day. Per client address this keeps

* a cap on open connections (``421`` above it), and in all;
* a cap on new connections a minute and on commands a second (commands over
  the rate wait their turn: the client is slowed, not refused); both off at 0;

and across clients it tells when the receiver is **busy** (half its slots
taken: sessions then get the shorter busy timeout, as Postfix's stress mode)
and, when every slot is taken, which session to drop for a newcomer: the one
idle longest (no progress: junk commands are no progress), if any has been
idle a moment, else one sending only junk, of a client holding more slots
than the newcomer would; a session sending or storing a message is never
dropped.

No IO: sessions register through the small :class:`Session` protocol; time
comes from ``monotonic``, which tests may replace.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from intake.inbox.refusals import RefusalLog
from intake.inbox.replies import (
    TOO_BUSY,
    TOO_MANY_CONNECTIONS_A_MINUTE,
    TOO_MANY_FROM_YOUR_ADDRESS,
    Reply,
)

MIN_IDLE = 1.0
"""Seconds without progress before a session may be dropped for a newcomer: a client
that has just connected gets the time to say EHLO."""

log = logging.getLogger("intake.inbox.handler")
"""Where refusals are logged: the receiver's log, as the protocol logs them."""


class Session(Protocol):
    """What the limiter needs of a connected session."""

    @property
    def idle_since(self) -> float | None:
        """When it last made progress (monotonic seconds); None while it sends or
        waits for a message to be stored, when it is never dropped."""
        ...

    @property
    def wasting(self) -> bool:
        """Whether it sent only junk (or refused commands) since its last progress: such
        a session may be dropped at once, however recently it began."""
        ...

    def evict(self) -> bool:
        """Tell the client, and close: its slot is given to a newcomer. False when it was
        closing already (its slot is given all the same)."""
        ...


@dataclass
class _Bucket:
    """A token bucket: ``rate`` a second, up to ``burst`` saved."""

    tokens: float
    updated: float


class ConnectionLimiter:
    """Counts open connections by client address; admits, slows and evicts sessions."""

    def __init__(
        self,
        *,
        per_client: int,
        total: int,
        connections_per_minute: int = 0,
        commands_per_second: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
        refusal_log: RefusalLog | None = None,
    ) -> None:
        self.per_client = per_client
        self.total = total
        self.connections_per_minute = connections_per_minute
        self.commands_per_second = commands_per_second
        self._now = monotonic
        self._sessions: dict[Session, str] = {}
        self._open: Counter[str] = Counter()
        self._arrivals: dict[str, _Bucket] = {}
        self._commands: dict[str, _Bucket] = {}
        self.evicted = 0
        """Idle sessions dropped for newcomers since the start."""
        self.refusals = 0
        """Replies of 4xx or 5xx its sessions sent since the start (connections refused
        here included), for ``/metrics``."""
        self.refusal_log = refusal_log or RefusalLog(log)

    def refused(self, client: str | None, command: str | None, reply: str) -> None:
        """Count a refusal sent to ``client`` and log it (a flood of them summarised)."""
        self.refusals += 1
        self.refusal_log.refused(client, command, reply)

    @property
    def open(self) -> int:
        return len(self._sessions)

    @property
    def busy(self) -> bool:
        """Half the slots or more are taken: sessions get the busy timeout."""
        return 2 * len(self._sessions) >= self.total

    def admit(self, client: str, session: Session) -> Reply | None:
        """None to let ``session`` in, else the 421 reply that refuses it."""
        if self._open[client] >= self.per_client:
            return TOO_MANY_FROM_YOUR_ADDRESS
        if self.connections_per_minute and not _take(
            self._arrivals,
            client,
            self.connections_per_minute / 60,
            self.connections_per_minute,
            self._now(),
        ):
            return TOO_MANY_CONNECTIONS_A_MINUTE
        if len(self._sessions) >= self.total and not self._evict_idlest(client):
            return TOO_BUSY
        self._sessions[session] = client
        self._open[client] += 1
        return None

    def release(self, session: Session) -> None:
        """Forget a closed session (once; an evicted one is forgotten already)."""
        client = self._sessions.pop(session, None)
        if client is None:
            return
        self._open[client] -= 1
        if self._open[client] <= 0:
            del self._open[client]
            self._commands.pop(client, None)

    def command_wait(self, client: str) -> float:
        """Seconds a command from ``client`` must wait to keep it under its rate (0: none)."""
        rate = self.commands_per_second
        if not rate:
            return 0.0
        now = self._now()
        bucket = self._commands.get(client)
        if bucket is None:
            bucket = self._commands[client] = _Bucket(tokens=rate, updated=now)
        bucket.tokens = min(rate, bucket.tokens + (now - bucket.updated) * rate) - 1
        bucket.updated = now
        return 0.0 if bucket.tokens >= 0 else -bucket.tokens / rate

    def _evict_idlest(self, newcomer: str) -> bool:
        """Drop the session idle longest whose client holds more slots than ``newcomer``
        would: an attacker reopening its connections cannot take another's (nor its
        own) idle ones, an address holding few slots can."""
        now = self._now()
        held = self._open[newcomer] + 1
        idlest: Session | None = None
        since = now - MIN_IDLE
        wasted: Session | None = None
        for session, client in self._sessions.items():
            idle = session.idle_since
            if idle is None or self._open[client] <= held:
                continue
            if idle <= since:
                idlest, since = session, idle
            elif wasted is None and session.wasting:
                wasted = session
        idlest = idlest or wasted
        if idlest is None:
            return False
        self.release(idlest)
        if idlest.evict():
            self.evicted += 1
        return True


def _take(buckets: dict[str, _Bucket], key: str, rate: float, burst: float, now: float) -> bool:
    """Take a token from ``key``'s bucket; False when it has none."""
    bucket = buckets.get(key)
    if bucket is None:
        if len(buckets) > 100_000:  # forget clients long gone, rather than grow for ever
            buckets.clear()
        bucket = buckets[key] = _Bucket(tokens=burst, updated=now)
    bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
    bucket.updated = now
    if bucket.tokens < 1:
        return False
    bucket.tokens -= 1
    return True
