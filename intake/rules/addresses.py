"""Mail addresses compared as mail systems compare them.

A bid belongs to the mailbox that sent it. ``Ann.Smith+grants@Example.ORG`` and
``ann.smith@example.org`` are one mailbox: domains are case-insensitive (RFC 5321
§2.4), the big providers and most office servers treat local parts so too, and
``+tag`` sub-addressing (RFC 5233) delivers to the same mailbox.
"""

from __future__ import annotations

import functools
from email.utils import parseaddr


def mailbox(address: str | None) -> str:
    """The mailbox ``address`` delivers to, normalised; "" when it names none."""
    if not address:
        return ""
    # Remembered: each mail asks for its sender's several times (the sender's
    # limit, the acknowledgement's caps, its record), and parseaddr is slow. An
    # address longer than any real one (RFC 5321: 254) is worked out each time.
    return _mailbox(address) if len(address) <= 512 else _mailbox.__wrapped__(address)


@functools.lru_cache(maxsize=4096)
def _mailbox(address: str) -> str:
    _name, spec = parseaddr(address)
    local, at, domain = spec.strip().rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    return f"{local.lower()}@{domain.lower().rstrip('.')}" if local else ""


def same_mailbox(one: str | None, other: str | None) -> bool:
    """Whether two addresses deliver to the same mailbox (never for an empty one)."""
    first = mailbox(one)
    return bool(first) and first == mailbox(other)
