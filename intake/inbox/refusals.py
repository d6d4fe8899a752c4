"""One log line for every refusal the receiver sends: who, which command, why.

An operator reading the log after "my application bounced" must find the
client's address, the command as it came and the reply, on one line, whatever
the client put in its command: control characters, bytes that are not UTF-8
(lone surrogates from aiosmtpd's decoding) and escape sequences are shown
escaped, never written to a terminal or log file raw, and long commands are cut.

A flood of refusals from one client (a scanner, a NOOP loop, a reconnecting
bot) is summarised instead (:class:`RefusalLog`): a few lines a minute each,
then one line per kind saying how many more.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

COMMAND_CHARACTERS = 200
"""Characters of a command kept in the log line (an address is at most 256 octets)."""

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def neutralised(text: str, limit: int = COMMAND_CHARACTERS) -> str:
    """``text`` with every control character, lone surrogate and line separator escaped
    (``\\x1b``, ``\\udcff``), cut to ``limit`` characters with ``…``."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return _UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def refusal_line(client: str | None, command: str | None, reply: str) -> str:
    """``refused <command> from <client>: <reply>``, all neutralised."""
    said = neutralised(command) if command else "(connection)"
    return f"refused {said} from {neutralised(client or 'unknown')}: {neutralised(reply)}"


SHOWN_PER_WINDOW = 10
"""Refusals of one client logged one line each in a window; the rest are summarised."""

WINDOW = 60.0
"""Seconds of a client's window of refusals."""

MAX_CLIENTS = 100_000
"""Clients whose windows are remembered at once (a spread attack clears them)."""


@dataclass
class _Window:
    started: float
    shown: int = 0
    more: Counter[str] = field(default_factory=Counter)
    timer: bool = False


class RefusalLog:
    """Logs every refusal, one line each, until a client has had
    :data:`SHOWN_PER_WINDOW` in a minute; then counts its further refusals by kind
    (the command's verb and the reply's code) and logs one line for each kind
    when the minute is over: ``client 192.0.2.7: 523 more refusals of NOOP 421 in
    the last 60 s``. An attacker's ten thousand refusals a minute cost the log
    a few lines, and an honest client's are all there.
    """

    def __init__(
        self,
        logger: logging.Logger,
        *,
        shown: int = SHOWN_PER_WINDOW,
        window: float = WINDOW,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = logger
        self.shown = shown
        self.window = window
        self._now = monotonic
        self._windows: dict[str, _Window] = {}

    def refused(self, client: str | None, command: str | None, reply: object) -> None:
        """Log (or count) that ``client`` was refused ``command`` with ``reply``."""
        who = client or "unknown"
        now = self._now()
        window = self._windows.get(who)
        if window is not None and now - window.started >= self.window:
            self._summarise(who, now)
            window = None
        if window is None:
            if len(self._windows) >= MAX_CLIENTS:
                self.flush(everything=True)
            window = self._windows[who] = _Window(started=now)
        if window.shown < self.shown:
            window.shown += 1
            self.log.warning(refusal_line(client, command, str(reply)))
            return
        window.more[_kind(command, str(reply))] += 1
        if not window.timer:
            window.timer = self._flush_later(window.started + self.window - now)

    def flush(self, *, everything: bool = False) -> None:
        """Summarise the windows that are over (all of them with ``everything``)."""
        now = self._now()
        for who, window in list(self._windows.items()):
            if everything or now - window.started >= self.window:
                self._summarise(who, now)

    def _summarise(self, who: str, now: float) -> None:
        window = self._windows.pop(who)
        seconds = min(now - window.started, self.window)
        for kind, count in window.more.most_common():
            self.log.warning(
                f"client {neutralised(who)}: {count} more refusals of {kind} "
                f"in the last {seconds:.0f} s"
            )

    def _flush_later(self, delay: float) -> bool:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a test): flushed by the client's next refusal
            return False
        loop.call_later(max(delay, 0.0) + 0.01, self.flush)
        return True


def _kind(command: str | None, reply: str) -> str:
    """A refusal's kind: the command's verb and the reply's code (``NOOP 421``)."""
    said = command or "(connection)"
    verb = said if said.startswith("(") else said.split(" ", 1)[0].split(":", 1)[0].upper()
    return f"{neutralised(verb, 20)} {reply[:3]}"
