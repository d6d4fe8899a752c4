"""Whether an envelope address can be a mail address at all, before we answer ``250`` to it.

aiosmtpd hands its hooks the address of ``MAIL FROM``/``RCPT TO`` as text
decoded with ``surrogateescape``: bytes that are not UTF-8 survive as lone
surrogates, which no database (nor JSON consumer, nor Slack) can store. An
address we said ``250`` to must be recorded, so anything that cannot be a mail
address is refused here, at the command, with a permanent ``553``:

* bytes that are not UTF-8 (with or without ``SMTPUTF8``);
* UTF-8 beyond ASCII without ``SMTPUTF8`` on ``MAIL`` (RFC 6531 §3.4: ``5.6.7``);
* control characters (C0, DEL, C1): no address has them, and NUL ends strings
  in PostgreSQL and in C;
* a local part over 64 octets, a domain over 255, a path over 256
  (RFC 5321 §4.5.3.1.1-3), counted in UTF-8 octets.

Pure: no IO, no aiosmtpd.
"""

from __future__ import annotations

import re
from typing import Literal

from intake.inbox.replies import Reply

LOCAL_PART_OCTETS = 64
DOMAIN_OCTETS = 255
PATH_OCTETS = 256
"""The path is the address with its angle brackets (RFC 5321 §4.5.3.1.3)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

Verb = Literal["MAIL", "RCPT"]


def _refusal(verb: Verb, text: str) -> Reply:
    # RFC 3463: X.1.7 is the sender's address, X.1.3 a recipient's.
    return Reply(553, "5.1.7" if verb == "MAIL" else "5.1.3", text)


def address_problem(address: str, *, verb: Verb, smtputf8: bool) -> Reply | None:
    """The ``5xx`` that refuses ``address`` (as aiosmtpd decoded it), or None when it can be kept.

    ``smtputf8``: the transaction's ``MAIL`` carried the ``SMTPUTF8`` parameter.
    The null sender (``<>``, given as an empty address) is always fine.
    """
    try:
        octets = address.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: bytes that were not UTF-8
        return _refusal(verb, "Address is not valid UTF-8")
    if _CONTROL.search(address):
        return _refusal(verb, "Address contains control characters")
    if not address.isascii() and not smtputf8:
        return Reply(553, "5.6.7", "Non-ASCII address without SMTPUTF8")
    local, at, domain = octets.rpartition(b"@")
    if not at:
        local, domain = octets, b""
    if len(local) > LOCAL_PART_OCTETS:
        return _refusal(verb, f"Local part longer than {LOCAL_PART_OCTETS} octets")
    if len(domain) > DOMAIN_OCTETS:
        return _refusal(verb, f"Domain longer than {DOMAIN_OCTETS} octets")
    if len(octets) + 2 > PATH_OCTETS:
        return _refusal(verb, f"Address longer than {PATH_OCTETS - 2} octets")
    return None
