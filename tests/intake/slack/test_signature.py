"""Slack request signatures: exactly Slack's scheme, and nothing malformed gets through."""

from __future__ import annotations

import pytest
from slack_sdk.signature import SignatureVerifier

from intake.slack.signature import is_from_slack, sign

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BODY = b"token=xyz&team_id=T1&command=%2Fintake&text=open"
NOW = 1_800_000_000.0


def headers(timestamp: str, signature: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def test_our_signature_is_slacks() -> None:
    verifier = SignatureVerifier(SECRET)
    timestamp = str(int(NOW))
    assert sign(SECRET, timestamp, BODY) == verifier.generate_signature(
        timestamp=timestamp, body=BODY
    )


def test_a_fresh_signed_request_is_accepted_in_any_header_case() -> None:
    signature = sign(SECRET, str(int(NOW)), BODY)
    assert is_from_slack(SECRET, headers(str(int(NOW)), signature), BODY, now=lambda: NOW)
    lower = {k.lower(): v for k, v in headers(str(int(NOW)), signature).items()}
    assert is_from_slack(SECRET, lower, BODY, now=lambda: NOW + 299)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("12.5", None),  # slack_sdk's verifier raises ValueError on this one
        ("", None),
        ("-1", None),
        ("1e9", None),
        (" 1800000000", None),
        ("99999999999999999999", None),
        (str(int(NOW) - 301), None),
        (str(int(NOW) + 301), None),
        (str(int(NOW)), "v0=" + "0" * 64),
        (str(int(NOW)), "v1=abc"),
        (str(int(NOW)), ""),
    ],
)
def test_anything_else_is_refused(timestamp: str, signature: str | None) -> None:
    signed = sign(SECRET, timestamp, BODY) if signature is None else signature
    assert not is_from_slack(SECRET, headers(timestamp, signed), BODY, now=lambda: NOW)


def test_no_secret_accepts_nothing() -> None:
    signature = sign("", str(int(NOW)), BODY)
    assert not is_from_slack(None, headers(str(int(NOW)), signature), BODY, now=lambda: NOW)
    assert not is_from_slack("", headers(str(int(NOW)), signature), BODY, now=lambda: NOW)
