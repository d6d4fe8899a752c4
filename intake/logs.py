"""The service's log lines: one format, and never a terminal escape from mail.

Log lines quote what senders chose (subjects, addresses, HELO names, file
names); an escape sequence among them would repaint or hide the operator's
terminal, or forge a line. The formatter shows each control character as its
escape (``\\x1b``) instead, in the service's process and in the receiver's.
"""

from __future__ import annotations

import logging
import re

# The characters notifier.text removes from cards and mail (C0 and C1 controls
# but tab and newline, DEL, bidi embeddings, overrides and isolates), repeated
# here: the SMTP receiver's process logs too, and loads nothing of notifier/.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

SLACK_SDK_LOGGER = "slack_sdk.web.async_base_client"
"""The logger slack_sdk's asyncio Web API client uses when given none."""


def printable(text: str) -> str:
    """``text`` with each unsafe character shown as its escape (``\\x1b``), line breaks kept.

    For a console or a log, where what was sent must stay visible to whoever
    investigates, yet never act on their terminal.
    """
    return _UNSAFE.sub(lambda m: ascii(m.group())[1:-1], text)


class PrintableFormatter(logging.Formatter):
    """A formatter whose lines carry no control characters but their line breaks."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def configure_logging(level: str) -> None:
    """Log to standard error at ``level``, every line made printable."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrintableFormatter(LOG_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    # aiosmtpd logs every command at INFO; our own receiver logs what matters.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    # slack_sdk decides whether to format each request and response for its debug
    # line from its logger's own level, which is unset (0, below DEBUG) unless set:
    # so it wrote out every card twice for a line nobody sees. Set, it skips them.
    debugging = logging.getLevelName(level.upper()) == logging.DEBUG
    logging.getLogger(SLACK_SDK_LOGGER).setLevel(logging.NOTSET if debugging else logging.INFO)
