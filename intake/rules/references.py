"""Bid references in mail: the ``[Ref KENT-2027-0001]`` tag and our own Message-IDs.

A reply that carries a reference belongs to that bid. The tag may be in the
subject or the quoted body; a reply to one of our acknowledgements also names
the bid in ``In-Reply-To``/``References``, because our Message-IDs embed it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_REF = r"[A-Z][A-Z0-9]{1,9}-\d{4}-\d{4,6}"
_TAG = re.compile(rf"\[\s*Ref[:\s]+({_REF})\s*\]", re.IGNORECASE)
_OWN_ID = re.compile(rf"<grant-intake\.({_REF})\.", re.IGNORECASE)


def tag(ref: str) -> str:
    """How a reference appears in subjects: ``[Ref KENT-2027-0001]``."""
    return f"[Ref {ref}]"


def our_message_id(ref: str, version: int, kind: str, seq: int, domain: str) -> str:
    """The Message-ID of a mail we send about a bid.

    Deterministic, so that a retried send carries the same id (receivers drop
    the duplicate), and carrying the reference, so that a reply's
    ``In-Reply-To`` leads back to the bid even without the subject tag.
    """
    return f"<grant-intake.{ref}.v{version}.{kind}.{seq}@{domain}>"


def find_reference(*, subject: str, text: str, thread_ids: Iterable[str] = ()) -> str | None:
    """The bid reference a mail carries, in order of reliability.

    Our Message-ID in ``In-Reply-To``/``References`` first, then the subject
    tag, then a tag in the body (replies quote our acknowledgement).
    """
    for message_id in thread_ids:
        match = _OWN_ID.search(message_id)
        if match:
            return match.group(1).upper()
    for source in (subject, text[:20_000]):
        match = _TAG.search(source)
        if match:
            return match.group(1).upper()
    return None
