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

_TRACE = (b"received:", b"return-path:", b"delivered-to:", b"x-")
MAX_HEADER_BYTES = 1024 * 1024


class Fingerprint:
    """Feed a message in pieces of any size, in order, then read :meth:`hexdigest`."""

    def __init__(self, recipients: list[str]) -> None:
        self._digest = hashlib.sha256(",".join(sorted(r.lower() for r in recipients)).encode())
        self._head = bytearray()
        self._in_head = True
        self._pending_ends = b""

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        if self._in_head:
            self._head += data
            if self._head.startswith(b"\r\n"):
                end, skip = 0, 2  # a message with no headers at all
            else:
                end = self._head.find(b"\r\n\r\n")
                skip = 4
            if end < 0:
                if len(self._head) > MAX_HEADER_BYTES:  # no honest header is this long
                    self._end_head(bytes(self._head))
                    self._head = bytearray()
                return
            body = bytes(self._head[end + skip :])
            self._end_head(bytes(self._head[:end]))
            self._head = bytearray()
            data = body
        self._body(bytes(data))

    def _body(self, data: bytes) -> None:
        # Trailing line ends are held back until more content follows them.
        content = data.rstrip(b"\r\n")
        if content:
            self._digest.update(self._pending_ends)
            self._digest.update(content)
            self._pending_ends = data[len(content) :]
        else:
            self._pending_ends += data

    def _end_head(self, head: bytes) -> None:
        unfolded: list[bytes] = []
        for text in head.split(b"\r\n"):
            if text[:1] in (b" ", b"\t") and unfolded:
                unfolded[-1] += b" " + text.strip()
            elif text:
                unfolded.append(text)
        for header in unfolded:
            if not header.lower().startswith(_TRACE):
                self._digest.update(header + b"\n")
        self._digest.update(b"\n")
        self._in_head = False

    def hexdigest(self) -> str:
        if self._in_head:
            self._end_head(bytes(self._head))
            self._head = bytearray()
        return self._digest.hexdigest()


def fingerprint(content: bytes, recipients: list[str]) -> str:
    """The fingerprint of a whole message held in memory."""
    hasher = Fingerprint(recipients)
    hasher.feed(content)
    return hasher.hexdigest()
