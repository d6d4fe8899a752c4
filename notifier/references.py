"""The grammar of bid references in mail, defined once for what we write and what we read.

We write ``[Ref KENT-2027-0001]`` into subjects and bodies and embed the
reference in our Message-IDs; :mod:`intake.rules.references` reads both back
from replies with the same patterns. One grammar matters for safety, not only
tidiness: a tag that the writer did not recognise as a reference (and so left in
a reply's subject beside ours) but that the reader did would send the reply to
another bid.
"""

from __future__ import annotations

import re

REFERENCE = r"[A-Z][A-Z0-9]{1,9}-\d{4}-\d{4,6}"
"""A bid reference: the office's prefix, the year, a number (``KENT-2027-0001``)."""

TAG = re.compile(rf"\[\s*Ref[:\s]+({REFERENCE})\s*\]", re.IGNORECASE)
"""A reference tag as people and mail clients leave it: ``[Ref KENT-2027-0001]``,
``[ref: kent-2027-0001]``, ``[ Ref  KENT-2027-0001 ]``; group 1 is the reference."""

OWN_MESSAGE_ID = re.compile(rf"<grant-intake\.({REFERENCE})\.", re.IGNORECASE)
"""One of our Message-IDs (see :func:`message_id`); group 1 is the reference."""


def tag(ref: str) -> str:
    """How a reference appears in subjects and bodies: ``[Ref KENT-2027-0001]``."""
    return f"[Ref {ref}]"


def message_id(ref: str, version: int, kind: str, seq: int, domain: str) -> str:
    """The Message-ID of a mail we send about a bid.

    Deterministic, so that a retried send carries the same id (receivers drop
    the duplicate), and carrying the reference, so that a reply's
    ``In-Reply-To`` leads back to the bid even without the subject tag.
    """
    return f"<grant-intake.{ref}.v{version}.{kind}.{seq}@{domain}>"
