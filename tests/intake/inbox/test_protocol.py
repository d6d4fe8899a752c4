"""The protocol's own reading of commands, held to aiosmtpd's where it takes a shortcut."""

from __future__ import annotations

import asyncio
import random
import smtplib
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

from intake.inbox.admission import ConnectionLimiter
from intake.inbox.protocol import IntakeSMTP, ProtocolLimits
from tests.intake.inbox.receiving import receiving

PIECES = [
    *"abcXYZ09.-_+=!#$%&'*/?^`{|}~@<> \t",
    *['"', "(", ")", "[", "]", "\\", ",", ";", ":", "é", "\x00", "\x7f"],
    *["@example.org", "applicant", "a.b", "..", "<>", "SIZE=12345", " BODY=8BITMIME"],
    *["(comment)", "[192.0.2.1]", "@relay.example:", '"quoted name"', "xn--bcher-kva.example"],
]
PLAIN = [
    "<a@b.org>",
    "<applicant.12+tag@charity-7.example.org> SIZE=48213 BODY=8BITMIME",
    "<a@b.org>SIZE=1",
    "<a@b.org>\t \tSMTPUTF8",
    "<a@b.org> (a comment) SIZE=1",
    "<a@b.org> <c@d.org>",
    "<" + "x" * 70 + "@example.org>",
    "<.a@b.org>",
    "<a.@b.org>",
    "<a..b@b.org>",
    "<a@b..org>",
    "<a@-b.org>",
    " <a@b.org>",
    "<a@b.org",
    "a@b.org>",
    "<>",
    "<@relay.example:a@b.org>",
    '<"a b"@b.org>',
    "<a@[192.0.2.1]>",
]


@pytest.fixture
async def protocol() -> IntakeSMTP:
    return IntakeSMTP(
        object(), limits=ProtocolLimits(), limiter=ConnectionLimiter(per_client=1, total=1)
    )


async def test_addresses_are_read_as_aiosmtpd_reads_them(protocol: IntakeSMTP) -> None:
    rng = random.Random(2027)
    shaped = [
        "<" + "".join(rng.choices(PIECES, k=rng.randint(1, 8))) + ">" + rng.choice(["", " SIZE=1"])
        for _ in range(3000)
    ]
    loose = ["".join(rng.choices(PIECES, k=rng.randint(0, 10))) for _ in range(3000)]
    taken = garbage = 0
    for arg in [*PLAIN, *shaped, *loose]:
        try:
            expected = SMTP._getaddr(protocol, arg)
        except Exception:  # noqa: BLE001 - the email package's parser, given garbage
            expected = (None, None)  # a malformed address, not our failure
            garbage += 1
        assert protocol._getaddr(arg) == expected, arg
        taken += expected[0] is not None
    assert taken > 300 and garbage > 10


async def test_a_local_part_over_the_limit_is_refused_as_aiosmtpd_refuses_it(
    protocol: IntakeSMTP,
) -> None:
    protocol.local_part_limit = 64
    assert protocol._getaddr("<" + "x" * 64 + "@b.org>")[0] == "x" * 64 + "@b.org"
    assert protocol._getaddr("<" + "x" * 65 + "@b.org>") == (None, None)


async def test_garbage_for_an_address_is_refused_as_malformed_not_our_failure(
    tmp_path: Path,
) -> None:
    def session(port: int) -> list[int]:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.ehlo("mx.example.org")
            codes = [client.docmd("MAIL FROM:<")[0], client.docmd('MAIL FROM:"')[0]]
            codes.append(client.docmd("MAIL FROM:<a@example.org>")[0])
            codes.append(client.docmd("RCPT TO:<")[0])
            return codes

    async with receiving(tmp_path) as (_handler, port):
        assert await asyncio.to_thread(session, port) == [553, 553, 250, 553]
