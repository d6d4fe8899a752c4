"""The ``Received:`` trace line the receiver puts on top of every message it keeps.

RFC 5321 §4.4: a server that accepts a message for delivery or further
processing must insert one, saying from whom (the client's HELO name and
address), by whom, with what protocol (RFC 3848's names: ``ESMTPS`` when over
TLS, ``UTF8SMTP`` with ``SMTPUTF8``), under which id, for whom, and when.
Officers and operators read it to trace a mail; mail parsers ignore it.

The HELO name is the client's own words: only the characters a host name or
address literal has are kept, so nothing it sends can fold, end or forge a
header. Pure: no IO.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import format_datetime

HELO_CHARACTERS = 100

_NOT_IN_A_HOST_NAME = re.compile(r"[^A-Za-z0-9.:\[\]_-]")


def protocol_name(*, extended: bool, tls: bool, smtputf8: bool) -> str:
    """The ``with`` clause's protocol (RFC 3848, RFC 6531 §3.7.3)."""
    name = "UTF8SMTP" if smtputf8 else "ESMTP" if extended else "SMTP"
    return name + "S" if tls else name


def received_header(
    *,
    helo: str | None,
    peer: str | None,
    by: str,
    protocol: str,
    message_id: str,
    recipients: list[str],
    when: datetime,
) -> bytes:
    """The whole header, folded, ending in CRLF.

    ``for`` names the recipient only when there is one (RFC 5321 §4.4 warns
    that listing several discloses them to each other)."""
    said = _NOT_IN_A_HOST_NAME.sub("?", (helo or "")[:HELO_CHARACTERS]) or "unknown"
    address = _NOT_IN_A_HOST_NAME.sub("?", peer or "unknown")
    lines = [
        f"Received: from {said} ([{address}])",
        f"\tby {by} (grant-intake) with {protocol} id {message_id}",
    ]
    if len(recipients) == 1 and recipients[0].isascii():
        lines.append(f"\tfor <{recipients[0]}>;")
    else:
        lines[-1] += ";"
    lines.append(f"\t{format_datetime(when)}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
