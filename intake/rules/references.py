"""Which bid a mail names: the ``[Ref KENT-2027-0001]`` tag and our own Message-IDs.

A reply that carries a reference belongs to that bid. The tag may be in the
subject or the quoted body; a reply to one of our acknowledgements also names
the bid in ``In-Reply-To``/``References``, because our Message-IDs embed it.
The grammar is :mod:`notifier.references`, shared with what we write.
"""

from __future__ import annotations

from collections.abc import Iterable

from notifier.references import OWN_MESSAGE_ID, TAG, tag
from notifier.references import message_id as our_message_id

__all__ = ["find_reference", "our_message_id", "tag"]


def find_reference(*, subject: str, text: str, thread_ids: Iterable[str] = ()) -> str | None:
    """The bid reference a mail carries, in order of reliability.

    Our Message-ID in ``In-Reply-To``/``References`` first, then the subject
    tag, then a tag in the body (replies quote our acknowledgement).
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
