"""The end of DATA and dot-stuffing, however the bytes are split on the wire."""

from __future__ import annotations

import random

import pytest

from intake.smtp_data import TOO_LONG, TOO_MUCH, DataStream

MESSAGE = (
    b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nnot the end: a dot alone\r\n"
    b"end of line .\r\n\r\n"
)


def stuffed(message: bytes) -> bytes:
    """What a client sends: leading dots doubled, then the end line."""
    data = message.replace(b"\r\n.", b"\r\n..")
    if data.startswith(b"."):
        data = b"." + data
    return data + b".\r\n"


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
    assert stream.done and stream.problem == TOO_MUCH


def test_a_line_over_the_limit_is_refused() -> None:
    wire = stuffed(b"Subject: long\r\n\r\n" + b"y" * 2000 + b"\r\n")
    _out, stream = receive(wire, [100] * 50, line=1001)
    assert stream.done and stream.problem == TOO_LONG
