"""Which bid a mail names: the ``[Ref KENT-2027-0001]`` tag and our own Message-IDs.

A reply that carries a reference belongs to that bid. The tag may be in the
subject or the quoted body. A reply to one of our mails names the bid in
``In-Reply-To``/``References`` too: our Message-IDs today are opaque and are
looked up among the mails we sent (:func:`intake.store.outbox.bid_of_message_ids`,
which the receiver asks first); those of the older form embedded the reference,
and are read here. The grammar is :mod:`notifier.references`, shared with what we write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from notifier.references import OWN_MESSAGE_ID, TAG, tag
from notifier.references import message_id as our_message_id

__all__ = ["find_reference", "message_ids", "our_message_id", "tag"]

_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")


def message_ids(*headers: str) -> list[str]:
    """The ``<…>`` message ids in ``In-Reply-To``/``References`` values, in order, each once."""
    found: list[str] = []
    for header in headers:
        for match in _MSG_ID.findall(header or ""):
            if match not in found:
                found.append(match)
    return found


def find_reference(*, subject: str, text: str, thread_ids: Iterable[str] = ()) -> str | None:
    """The bid reference a mail carries, in order of reliability.

    One of our older Message-IDs (which embedded the reference) in
    ``In-Reply-To``/``References`` first, then the subject tag, then a tag in
    the body (replies quote our acknowledgement).
    """
    for message_id in thread_ids:
        match = OWN_MESSAGE_ID.search(message_id)
        if match:
            return match.group(1).upper()
    for source in (subject, text[:20_000]):
        match = TAG.search(source)
        if match:
            return match.group(1).upper()
    return None
