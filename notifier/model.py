"""The notifier's own input types: what a card or an acknowledgement says.

``intake`` turns its stored bids into these plain values; the notifier never sees
how bids are stored or parsed. Everything an applicant wrote arrives here as
untrusted text and is escaped or cleaned where it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ProblemCode = Literal[
    "missing", "invalid", "too_long", "over_limit", "late", "no_round", "unreadable"
]
BidStatus = Literal["complete", "incomplete", "ineligible", "unreadable"]
AckKind = Literal["received", "request_info", "no_form"]

PROBLEM_CODES: frozenset[str] = frozenset(get_args(ProblemCode))
BID_STATUSES: frozenset[str] = frozenset(get_args(BidStatus))
ACK_KINDS: frozenset[str] = frozenset(get_args(AckKind))

# A reference goes into subjects, file names and button values: keep it to a
# conservative alphabet so none of those places needs escaping for it.
_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")


@dataclass(frozen=True)
class ProblemLine:
    """One problem of a bid, already worded for people.

    ``field`` is the field id, or None for a problem of the whole bid;
    ``question`` the question's wording on the form ("Name of Organisation").
    """

    field: str | None
    question: str | None
    code: ProblemCode
    message: str

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unknown problem code {self.code!r}")


@dataclass(frozen=True, kw_only=True)
class BidSummary:
    """What a triage card or an acknowledgement says about one version of a bid.

    Amounts are decimal strings with two places ("9500.00"); times are aware;
    ``timezone`` is the office's IANA zone, used whenever a time is shown.
    """

    ref: str
    version: int
    office_name: str
    fund_id: str | None
    fund_name: str | None
    round_name: str | None
    organisation: str | None
    project: str | None
    contact_name: str | None
    amount_requested: str | None
    amount_cap: str | None
    total_cost: str | None
    status: BidStatus
    problems: tuple[ProblemLine, ...]
    received_at: datetime
    timezone: str
    attachments: tuple[str, ...]
    closes_at: datetime | None
    assigned_to: str | None = None
    decision: str | None = None
    score: int | None = None

    def __post_init__(self) -> None:
        if not _REF.fullmatch(self.ref):
            raise ValueError(f"unusable bid reference {self.ref!r}")
        if self.version < 1:
            raise ValueError("a bid version starts at 1")
        if self.status not in BID_STATUSES:
            raise ValueError(f"unknown bid status {self.status!r}")
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be an aware datetime")
        if self.closes_at is not None and self.closes_at.tzinfo is None:
            raise ValueError("closes_at must be an aware datetime")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone, in which every time of this bid is shown."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class Acknowledgement:
    """One mail to an applicant about a bid.

    ``to`` is the applicant's address (Reply-To else From, chosen by the
    caller). ``message_id`` is ours, chosen and stored by the caller before
    sending, so that a retry re-sends the same message rather than a second one.
    ``kind``: "received" (the bid arrived), "request_info" (an officer asks for
    what is missing; ``note`` is the officer's words) or "no_form" (the mail had
    no application form).
    """

    bid: BidSummary
    to: str
    from_addr: str
    their_subject: str | None
    their_message_id: str | None
    their_references: tuple[str, ...] = ()
    message_id: str
    kind: AckKind = "received"
    note: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ACK_KINDS:
            raise ValueError(f"unknown acknowledgement kind {self.kind!r}")
