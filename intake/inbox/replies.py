"""Every SMTP reply the receiver sends itself, defined once.

aiosmtpd answers the commands we leave to it (``HELO``, ``MAIL``'s ``553`` for a
malformed address, ``QUIT`` …) in its own words; the replies below are ours,
from the handler (``RCPT``, the ``250`` or ``451`` after ``DATA``), the protocol
(connection caps, ``DATA``) and the DATA stream (what was wrong with the data).

Our own refusals carry an RFC 3463 enhanced status code, which a sending server
reads to tell "try again" from "give up". The replies of the DATA command that
mirror aiosmtpd's own DATA keep its exact wording, without one, so a client sees
the same answers it saw before we took DATA over.
"""

from __future__ import annotations

import re

_ENHANCED_STATUS = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}\Z")


class Reply(str):
    """One SMTP reply line without its CRLF: ``code [enhanced status] text``.

    A ``str``, the type aiosmtpd's ``push`` and handler hooks take, so a reply is
    handed to aiosmtpd as it is; :meth:`wire` gives the bytes for the one place
    we write to the socket ourselves.
    """

    __slots__ = ()

    def __new__(cls, code: int, status: str | None, text: str) -> Reply:
        if not 200 <= code <= 599:
            raise ValueError(f"not an SMTP reply code: {code}")
        if status is not None and not (
            _ENHANCED_STATUS.match(status) and status[0] == str(code)[0]
        ):
            raise ValueError(f"not an enhanced status code for {code}: {status!r}")
        return super().__new__(cls, f"{code} {status} {text}" if status else f"{code} {text}")

    @property
    def code(self) -> int:
        """The three-digit reply code: 2xx done, 3xx go on, 4xx try later, 5xx give up."""
        return int(self[:3])

    @property
    def status(self) -> str | None:
        """The RFC 3463 enhanced status code, when the reply has one."""
        first = self[4:].split(" ", 1)[0]
        return first if _ENHANCED_STATUS.match(first) else None

    @property
    def text(self) -> str:
        """The words after the code and the enhanced status."""
        status = self.status
        return self[4 + len(status) + 1 :] if status else self[4:]

    def wire(self) -> bytes:
        """The reply as it goes on the wire (ASCII, CRLF-terminated)."""
        return self.encode("ascii") + b"\r\n"


# --- before the greeting: the connection caps (protocol) -----------------------------

TOO_BUSY = Reply(421, "4.7.0", "Too busy, try again later")
"""Every connection slot of the receiver is taken."""
TOO_MANY_FROM_YOUR_ADDRESS = Reply(
    421, "4.7.0", "Too many connections from your address, try again later"
)
"""The client's address holds its share of connections already."""
TOO_MANY_CONNECTIONS_A_MINUTE = Reply(
    421, "4.7.0", "Too many connections from your address this minute, try again later"
)
"""The client's address opened its share of new connections this minute."""

# --- during a session (protocol: fair shares) ----------------------------------------

IDLE_DROPPED = Reply(421, "4.7.0", "Too busy: closing an idle connection")
"""Every slot is taken and a newcomer needs this idle session's."""
TOO_MANY_JUNK_COMMANDS = Reply(
    421, "4.7.0", "Too many commands without sending mail, closing connection"
)
"""NOOP, RSET, VRFY, HELP, unknown or refused commands over the session's share."""
ALREADY_TLS = Reply(503, "5.5.1", "TLS already active")
"""STARTTLS inside TLS (RFC 3207 §4.2 allows no second negotiation)."""

# --- MAIL FROM (handler; refusals of addresses: intake.inbox.addresses) ----------

SENDER_OK = Reply(250, "2.1.0", "Sender OK")
NESTED_MAIL = Reply(503, "5.5.1", "Error: nested MAIL command")

# --- RCPT TO (handler) ---------------------------------------------------------------

RECIPIENT_OK = Reply(250, "2.1.5", "Recipient OK")
NO_SUCH_MAILBOX = Reply(550, "5.1.1", "No such mailbox here: check the fund's address")
"""An address at one of the funds' domains that is no fund's inbox."""
RELAYING_DENIED = Reply(550, "5.7.1", "Relaying denied")
"""An address at a domain that is not ours: we deliver nowhere else."""
TOO_MANY_RECIPIENTS = Reply(452, "4.5.3", "Too many recipients")
ONE_OFFICE_PER_MESSAGE = Reply(452, "4.5.3", "Send to one office's inbox per message")
"""A second office's inbox in one message; the sender's server sends it a copy of its own."""

# --- DATA (protocol, mirroring aiosmtpd's own DATA) ----------------------------------

NEED_RECIPIENT = Reply(503, None, "Error: need RCPT command")
DATA_SYNTAX = Reply(501, None, "Syntax: DATA")
START_DATA = Reply(354, None, "End data with <CR><LF>.<CR><LF>")
DATA_TOO_SLOW = Reply(421, "4.4.2", "Data arriving too slowly, closing connection")
"""A client trickling bytes to hold the connection open, under the minimum rate."""

# --- after the final dot (data stream, handler) --------------------------------------

LINE_TOO_LONG = Reply(500, None, "Line too long (see RFC5321 4.5.3.1.6)")
TOO_MUCH_DATA = Reply(552, None, "Error: Too much mail data")
TEMPORARY_FAILURE = Reply(451, "4.3.0", "Temporary failure, please try again later")
"""Any failure of ours: the sender retries, where a 5xx would bounce an applicant's
mail for good; our internal error text is never sent."""


def queued_as(message_id: str) -> Reply:
    """The ``250`` for a message made durable under ``message_id``."""
    return Reply(250, "2.0.0", f"OK queued as {message_id}")
