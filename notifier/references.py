"""The grammar of bid references in mail, defined once for what we write and what we read.

We write ``[Ref KENT-2027-0001]`` into subjects and bodies;
:mod:`intake.rules.references` reads it back from replies with the same
pattern. Our Message-IDs carry no reference (a reference is sequential, so one
in a Message-ID tells a reader the neighbouring bids' too); a reply's
``In-Reply-To`` is matched by looking the id up among the mails we sent.
Message-IDs of the older form, which did embed the reference, are still read
(:data:`OWN_MESSAGE_ID`), for replies to mails sent before the change.

One grammar matters for safety, not only tidiness: a tag that the writer did
not recognise as a reference (and so left in a reply's subject beside ours) but
that the reader did would send the reply to another bid.
"""

from __future__ import annotations

import hashlib
import re

REFERENCE = r"[A-Z][A-Z0-9]{1,9}-\d{4}-\d{4,6}"
"""A bid reference: the office's prefix, the year, a number (``KENT-2027-0001``)."""

TAG = re.compile(rf"\[\s*Ref[:\s]+({REFERENCE})\s*\]", re.IGNORECASE)
"""A reference tag as people and mail clients leave it: ``[Ref KENT-2027-0001]``,
``[ref: kent-2027-0001]``, ``[ Ref  KENT-2027-0001 ]``; group 1 is the reference."""

OWN_MESSAGE_ID = re.compile(rf"<grant-intake\.({REFERENCE})\.", re.IGNORECASE)
"""One of our Message-IDs of the older form (``<grant-intake.KENT-2027-0001.v1.received.0@…>``),
which embedded the reference; group 1 is the reference. We write none any more."""


def tag(ref: str) -> str:
    """How a reference appears in subjects and bodies: ``[Ref KENT-2027-0001]``."""
    return f"[Ref {ref}]"


def message_id(ref: str, version: int, kind: str, seq: int, domain: str, *, salt: str) -> str:
    """The Message-ID of a mail we send about a bid: ``<grant-intake.<hex>@domain>``.

    Deterministic, so that a retried send carries the same id (receivers drop
    the duplicate), and opaque: the digest covers ``salt`` (facts of the bid a
    stranger does not know), so the id can be neither read nor worked back to
    the reference by trying the few sequential ones. A reply's ``In-Reply-To``
    leads back to the bid through the record of what we sent.
    """
    seed = "\x1f".join((ref, str(version), kind, str(seq), domain, salt))
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    return f"<grant-intake.{digest}@{domain}>"
