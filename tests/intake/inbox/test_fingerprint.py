"""Two deliveries are the same mail when only what relays and retries change differs."""

from __future__ import annotations

from intake.inbox.fingerprint import Fingerprint, fingerprint

MAIL = (
    b"From: jo@example.org\r\nTo: fund@example.org\r\nSubject: Bid\r\n"
    b"Message-ID: <1@example.org>\r\n\r\nBody line one\r\n\r\nBody line two\r\n"
)
TO = ["fund@example.org"]


def test_trace_headers_added_by_relays_do_not_change_it() -> None:
    relayed = (
        b"Received: from mx1.example.net by mx2.example.net;\r\n\tMon, 1 Jan 2027\r\n"
        b"Return-Path: <jo@example.org>\r\nX-Spam-Score: 0.1\r\n" + MAIL
    )
    assert fingerprint(relayed, TO) == fingerprint(MAIL, TO)


def test_trailing_line_ends_of_a_retry_do_not_change_it() -> None:
    assert fingerprint(MAIL + b"\r\n\r\n", TO) == fingerprint(MAIL, TO)


def test_a_different_body_header_or_recipient_does() -> None:
    assert fingerprint(MAIL.replace(b"two", b"2"), TO) != fingerprint(MAIL, TO)
    assert fingerprint(MAIL.replace(b"Subject: Bid", b"Subject: Bid 2"), TO) != fingerprint(
        MAIL, TO
    )
    assert fingerprint(MAIL, ["other@example.org"]) != fingerprint(MAIL, TO)
    assert fingerprint(MAIL, ["FUND@example.org"]) == fingerprint(MAIL, TO)


def test_blank_lines_inside_the_body_count() -> None:
    squeezed = MAIL.replace(b"one\r\n\r\nBody", b"one\r\nBody")
    assert fingerprint(squeezed, TO) != fingerprint(MAIL, TO)


def test_fed_in_pieces_of_any_size_it_equals_the_whole() -> None:
    for size in (1, 2, 3, 7, 64):
        hasher = Fingerprint(TO)
        for start in range(0, len(MAIL) + 6, size):
            hasher.feed((MAIL + b"\r\n\r\n")[start : start + size])
        assert hasher.hexdigest() == fingerprint(MAIL, TO), size
