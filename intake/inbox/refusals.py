"""One log line for every refusal the receiver sends: who, which command, why.

An operator reading the log after "my application bounced" must find the
client's address, the command as it came and the reply, on one line, whatever
the client put in its command: control characters, bytes that are not UTF-8
(lone surrogates from aiosmtpd's decoding) and escape sequences are shown
escaped, never written to a terminal or log file raw, and long commands are cut.
"""

from __future__ import annotations

import re

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
