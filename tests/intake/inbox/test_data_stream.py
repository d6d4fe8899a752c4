"""The end of DATA and dot-stuffing, however the bytes are split on the wire."""

from __future__ import annotations

import base64
import random
import re

import pytest

from intake.inbox.data_stream import DataStream
from intake.inbox.replies import LINE_TOO_LONG, TOO_MUCH_DATA, Reply

MESSAGE = (
    b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nnot the end: a dot alone\r\n"
    b"end of line .\r\n\r\n"
)


def stuffed(message: bytes) -> bytes:
    """What a client sends: leading dots doubled (after any LF, as smtplib does), then
    the end line."""
    return re.sub(rb"(?m)^\.", b"..", message) + b".\r\n"


def with_crlf(message: bytes) -> bytes:
    """``message`` as it is stored: every bare LF made CRLF."""
    return message.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def receive(wire: bytes, sizes: list[int], **limits: int) -> tuple[bytes, DataStream]:
    stream = DataStream(size_limit=limits.get("size", 0), line_limit=limits.get("line", 1001))
    out, at = b"", 0
    for size in sizes:
        out += stream.feed(wire[at : at + size])
        at += size
    out += stream.feed(wire[at:])
    return out, stream


@pytest.mark.parametrize("seed", range(40))
def test_any_split_gives_back_the_message(seed: int) -> None:
    wire = stuffed(MESSAGE) + b"MAIL FROM:<next@example.org>\r\n"
    rng = random.Random(seed)
    sizes = [rng.randint(1, 9) for _ in range(len(wire))]
    out, stream = receive(wire, sizes)
    assert stream.done and stream.problem is None
    assert out == MESSAGE
    assert stream.leftover.startswith(b"MAIL FROM")


def test_the_end_line_arriving_alone() -> None:
    wire = stuffed(MESSAGE)
    out, stream = receive(wire, [len(wire) - 3, 3])
    assert stream.done and out == MESSAGE


def test_an_empty_message() -> None:
    out, stream = receive(b".\r\n", [3])
    assert stream.done and out == b""


def test_too_much_data_is_read_to_the_end_and_refused() -> None:
    wire = stuffed(b"Subject: big\r\n\r\n" + b"x" * 80 + b"\r\n")
    _out, stream = receive(wire, [7] * 100, size=50)
    assert stream.done and stream.problem == TOO_MUCH_DATA


def test_a_line_over_the_limit_is_refused() -> None:
    wire = stuffed(b"Subject: long\r\n\r\n" + b"y" * 2000 + b"\r\n")
    _out, stream = receive(wire, [100] * 50, line=1001)
    assert stream.done and stream.problem == LINE_TOO_LONG


def test_a_line_over_the_limit_cannot_end_the_message_early() -> None:
    """The part of an overlong line after the cut is still that line: its tail
    ``.\r\n`` is no end line, and what follows is message, not commands."""
    wire = stuffed(b"Subject: dots\r\n\r\n" + b"." * 2000 + b"\r\nRCPT TO:<x@y>\r\n")
    _out, stream = receive(wire, [1100, 918, 5], line=1001)  # cut after its last dot
    assert stream.done and stream.problem == LINE_TOO_LONG and stream.leftover == b""


def by_lines(wire: bytes, *, size: int, line: int) -> tuple[bytes, set[Reply], bytes]:
    """DATA read the slow, obvious way, a line at a time: the message, every problem
    it has, and what follows the end line. (Which problem a stream reports first
    may depend on how the bytes were cut; that it finds one may not.)"""
    kept, problems, received, at = [], set(), 0, 0
    while True:
        end = wire.index(b"\r\n", at)
        text, at = wire[at:end], end + 2
        if text == b".":  # only a dot between two CRLFs ends the data
            break
        for piece in text.split(b"\n"):  # a bare LF ends a line of content too
            received += len(piece) + 2
            if size and received > size:
                problems.add(TOO_MUCH_DATA)
            if len(piece) + 2 > line:
                problems.add(LINE_TOO_LONG)
            kept.append(piece[1:] if piece.startswith(b".") else piece)
    return b"".join(t + b"\r\n" for t in kept), problems, wire[at:]


def random_line(rng: random.Random) -> bytes:
    shape = rng.random()
    if shape < 0.4:  # base64
        return base64.b64encode(rng.randbytes(57))
    if shape < 0.6:  # prose, dots included
        return rng.choice([b"A sentence. ", b"Another one... ", b"x", b". "]) * rng.randint(0, 30)
    if shape < 0.7:  # lines of dots, and the end line as content
        return rng.choice([b".", b"..", b"...", b". .", b".\r", b"\r.", b"\n."])
    if shape < 0.8:  # near and over the limits used below
        return rng.choice(b"ab.\r\n").to_bytes(1, "big") * rng.choice(
            [5, 6, 49, 50, 51, 998, 999, 1000, 2500]
        )
    return bytes(rng.choice(b"ab.\r\n ") for _ in range(rng.randint(0, 120)))


@pytest.mark.parametrize("seed", range(300))
def test_whole_chunks_read_as_a_line_at_a_time_would(seed: int) -> None:
    rng = random.Random(seed)
    message = b"".join(random_line(rng) + b"\r\n" for _ in range(rng.randint(0, 400)))
    wire = stuffed(message) + rng.choice([b"", b"QUIT\r\n", b".\r\n"])
    limits = {
        "size": rng.choice([0, 0, len(message) // 2 + 1, len(message) + 5]),
        "line": rng.choice([7, 52, 1001, 1001]),
    }
    expected, problems, after = by_lines(wire, **limits)
    cut = rng.choice([3, 77, 4096, 65536, 262144])
    out, stream = receive(
        wire, [rng.randint(1, cut) for _ in range(len(wire) // max(1, cut // 2) + 1)], **limits
    )
    assert stream.done and stream.leftover == after
    if problems:
        assert stream.problem in problems  # the receiver drops what it was given
    else:
        # Line ends may stay bare only in a dotless chunk's middle lines (see
        # DataStream); every byte else is the message's, unstuffed.
        assert stream.problem is None and with_crlf(out) == expected == with_crlf(message)


@pytest.mark.parametrize("seed", range(60))
def test_bare_lf_lines_are_stored_with_crlf_whatever_the_split(seed: int) -> None:
    """What ``smtplib.sendmail(..., msg.as_bytes())`` sends: LF line ends, any length."""
    body = b"".join(
        base64.b64encode(random.Random(seed).randbytes(57)) + b"\n" for _ in range(3000)
    )
    message = b"Subject: bare LF\n\n.a dot first\n" + body
    wire = stuffed(message + b"\r\n") + b"QUIT\r\n"  # smtplib adds a CRLF before its dot
    rng = random.Random(seed)
    cut = rng.choice([5, 700, 65536, 262144])
    out, stream = receive(wire, [rng.randint(1, cut) for _ in range(len(wire) // cut + 1)])
    assert stream.done and stream.problem is None
    assert out == with_crlf(message) + b"\r\n" and stream.leftover == b"QUIT\r\n"


@pytest.mark.parametrize(
    "smuggled",
    [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n", b"\r\n.\r"],
    ids=["LF.LF", "LF.CRLF", "CRLF.LF", "CR.CRLF", "CRLF.CR"],
)
def test_a_dot_line_not_between_two_crlfs_does_not_end_the_data(smuggled: bytes) -> None:
    """SMTP smuggling: a second message after a non-standard end stays inside the first."""
    hidden = b"MAIL FROM:<forged@bank.example>\r\nRCPT TO:<x@y>\r\nDATA\r\n"
    wire = b"Subject: first\r\n\r\nhello" + smuggled + hidden + b".\r\n"
    for sizes in ([len(wire)], [1] * len(wire)):
        out, stream = receive(wire, sizes)
        assert stream.done and stream.leftover == b""
        assert b"MAIL FROM:<forged@bank.example>" in out
