"""The receiver's replies: defined once, well-formed, and what a sending server reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from intake.inbox import replies
from intake.inbox.replies import TEMPORARY_FAILURE, TOO_BUSY, Reply, queued_as

INBOX_PACKAGE = Path(replies.__file__).parent
REPLY_LITERAL = re.compile(rb"[2-5][0-9][0-9][ -]")


def test_a_reply_is_the_line_aiosmtpd_sends_with_its_parts_readable() -> None:
    assert TEMPORARY_FAILURE == "451 4.3.0 Temporary failure, please try again later"
    assert (TEMPORARY_FAILURE.code, TEMPORARY_FAILURE.status) == (451, "4.3.0")
    assert TEMPORARY_FAILURE.text == "Temporary failure, please try again later"
    assert isinstance(TEMPORARY_FAILURE, str)


def test_a_reply_without_an_enhanced_status_keeps_aiosmtpds_wording() -> None:
    assert replies.LINE_TOO_LONG == "500 Line too long (see RFC5321 4.5.3.1.6)"
    assert replies.LINE_TOO_LONG.status is None
    assert replies.LINE_TOO_LONG.text == "Line too long (see RFC5321 4.5.3.1.6)"


def test_on_the_wire_a_reply_ends_with_crlf() -> None:
    assert TOO_BUSY.wire() == b"421 4.7.0 Too busy, try again later\r\n"


def test_the_250_names_the_id_the_message_is_kept_under() -> None:
    reply = queued_as("20270415T100000-abc")
    assert reply == "250 2.0.0 OK queued as 20270415T100000-abc"
    assert reply.code == 250 and reply.status == "2.0.0"


@pytest.mark.parametrize(
    ("code", "status"), [(99, None), (600, None), (451, "5.3.0"), (250, "2.0"), (250, "x")]
)
def test_a_malformed_reply_is_refused_where_it_is_written(code: int, status: str | None) -> None:
    with pytest.raises(ValueError):
        Reply(code, status, "text")


def test_every_reply_of_the_receiver_is_written_in_one_module() -> None:
    """A reply literal (``"451 ..."``, ``b"421 ..."``) anywhere else in the receiver's
    package is a second definition, as the 14 in three modules were."""
    found = []
    for path in sorted(INBOX_PACKAGE.glob("*.py")):
        if path.name == "replies.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.JoinedStr) and node.values:  # f"250 ... {id}"
                node = node.values[0]
            if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
                value = node.value.encode() if isinstance(node.value, str) else node.value
                if REPLY_LITERAL.match(value):
                    found.append(f"{path.name}:{node.lineno}: {node.value!r}")
    assert found == []
