"""What makes two deliveries the same mail, computed as the mail arrives.

A sending server that loses the connection before our ``250`` sends the mail
again (RFC 5321 §6.1 makes duplicates the price of never losing mail); a mail
may also reach us twice by two routes. The fingerprint covers the recipients,
the headers except the trace headers relays add (Received, Return-Path,
Delivered-To, X-…), and the body without trailing line ends, which differ
between a client's retries. Same fingerprint, same mail: one bid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

_TRACE = (b"received:", b"return-path:", b"delivered-to:", b"x-")
MAX_HEADER_BYTES = 1024 * 1024


class Fingerprint:
    """Feed a message's lines (line ends included) in order, then read :meth:`hexdigest`."""

    def __init__(self, recipients: list[str]) -> None:
        self._digest = hashlib.sha256(",".join(sorted(r.lower() for r in recipients)).encode())
        self._head: list[bytes] = []
        self._head_bytes = 0
        self._in_head = True
        self._pending_ends = b""

    def line(self, line: bytes) -> None:
        if self._in_head:
            if line in (b"\r\n", b"\n"):
                self._end_head()
                return
            self._head.append(line)
            self._head_bytes += len(line)
            if self._head_bytes > MAX_HEADER_BYTES:  # no honest header is this long
                self._end_head()
            return
        content = line.rstrip(b"\r\n")
        if content:
            self._digest.update(self._pending_ends)
            self._digest.update(content)
            self._pending_ends = line[len(content) :]
        else:
            self._pending_ends += line

    def _end_head(self) -> None:
        unfolded: list[bytes] = []
        for raw in self._head:
            text = raw.rstrip(b"\r\n")
            if text[:1] in (b" ", b"\t") and unfolded:
                unfolded[-1] += b" " + text.strip()
            else:
                unfolded.append(text)
        for header in unfolded:
            if not header.lower().startswith(_TRACE):
                self._digest.update(header + b"\n")
        self._digest.update(b"\n")
        self._head = []
        self._in_head = False

    def hexdigest(self) -> str:
        if self._in_head:
            self._end_head()
        return self._digest.hexdigest()


def smtp_lines(content: bytes) -> Iterator[bytes]:
    """A message's lines as SMTP delivers them: each up to and including its CRLF."""
    start = 0
    while start < len(content):
        end = content.find(b"\r\n", start)
        end = len(content) if end < 0 else end + 2
        yield content[start:end]
        start = end


def fingerprint(content: bytes, recipients: list[str]) -> str:
    """The fingerprint of a whole message held in memory."""
    hasher = Fingerprint(recipients)
    for line in smtp_lines(content):
        hasher.line(line)
    return hasher.hexdigest()
