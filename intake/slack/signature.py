"""Checking that a request comes from Slack: its signature, against the real clock.

Slack signs ``v0:{timestamp}:{body}`` with the app's signing secret (HMAC
SHA-256) and sends the timestamp in ``X-Slack-Request-Timestamp``. A request
is accepted only with a well-formed timestamp within five minutes of now and
a matching signature. Anything else, a malformed timestamp such as ``12.5``
included (slack_sdk's verifier raises on it), is refused, and the endpoint
answers 401.

The clock is the real one even when ``INTAKE_NOW`` shifts the service's:
Slack signs with real time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping

MAX_AGE_SECONDS = 300
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's signature of ``body`` sent at ``timestamp``: ``v0=<hex>``."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def is_from_slack(
    secret: str | None,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: Callable[[], float] = time.time,
) -> bool:
    """True when ``body`` carries a valid, fresh Slack signature for ``secret``."""
    if not secret:
        return False
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    timestamp = lowered.get("x-slack-request-timestamp", "")
    signature = lowered.get("x-slack-signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    if abs(now() - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
