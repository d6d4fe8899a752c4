"""The service's log lines: one format, and never a terminal escape from mail.

Log lines quote what senders chose (subjects, addresses, HELO names, file
names); an escape sequence among them would repaint or hide the operator's
terminal, or forge a line. The formatter shows each control character as its
escape (``\\x1b``) instead, in the service's process and in the receiver's.
"""

from __future__ import annotations

import logging

from notifier.text import printable

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
