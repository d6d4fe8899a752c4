"""The notifier's own input types: what a card or an acknowledgement says.

``intake`` turns its stored bids into these plain values; the notifier never sees
how bids are stored or parsed. Everything an applicant wrote arrives here as
untrusted text and is escaped or cleaned where it is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ProblemCode = Literal[
    "missing",
    "invalid",
    "too_long",
    "over_limit",
    "under_limit",
    "late",
    "no_round",
    "unreadable",
    "unsure",
    "missing_document",
]
BidStatus = Literal["complete", "incomplete", "ineligible", "unreadable"]
AckKind = Literal[
    "received",
    "request_info",
    "no_form",
    "claim_notice",
    "claim_received",
    "reminder",
    "monitoring",
    "proposal_request",
]
"""What a mail to a sender is about. ``claim_notice`` tells a bid's applicant that
another sender named their bid; ``claim_received`` answers that other sender,
neutrally, saying nothing of the bid."""

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


@dataclass(frozen=True)
class CheckLine:
    """An answer the parser was unsure of, for an officer to confirm against the form.

    ``question`` is the question's wording on the form; ``note`` why it is in
    doubt ("read by OCR with low confidence (45%)").
    """

    field: str
    question: str | None
    note: str


@dataclass(frozen=True, kw_only=True)
class PotLine:
    """A fund's pot for a year or round and what its bids ask of it so far.

    Amounts are decimal strings with two places; ``period`` names the year or
    round ("2027/28"); ``bids`` counts the requests in ``requested``, ``awards`` the
    awards in ``awarded``.
    """

    total: str
    requested: str
    bids: int
    period: str
    awarded: str = "0.00"
    awards: int = 0


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
    score: int | Decimal | None = None
    """The panel's score as the matrix writes it: the moderated score once the lead set it."""
    score_out_of: int | Decimal | None = None
    score_parts: tuple[tuple[str, int], ...] = ()
    moderated: bool = False
    """``score`` is the lead's moderated score (not a single officer's)."""
    scorers: tuple[str, ...] = ()
    """The Slack user ids of the officers who have scored the bid, first scorer first."""
    scorers_disagree: tuple[str, ...] = ()
    """The criteria the scorers' levels differ on by more than the fund's gap."""
    to_check: tuple[CheckLine, ...] = ()
    """Answers read with doubt (an OCR reading, a loosely matched label)."""
    pot: PotLine | None = None
    """The fund's pot and what is asked of it so far, when the fund has one."""
    opens_at: datetime | None = None
    """When the bid's round opens (for a form sent early: the next round's opening)."""
    possible_duplicates: tuple[tuple[str, str], ...] = ()
    """Earlier bids of the round this one may repeat: ``(reference, why)``, oldest first."""
    envelope_sender: str | None = None
    """The envelope sender (Return-Path) of the version's mail: automatic mail goes there."""
    other_senders: tuple[tuple[str, str], ...] = ()
    """``(header, address)`` for a ``From`` or ``Reply-To`` that names another mailbox than
    the envelope sender: shown to the officer, never mailed automatically."""
    area: str | None = None
    """The local area the bid's answers name, when its office routes bids by area."""
    area_officers: tuple[str, ...] = ()
    """The Slack member ids of that area's officers, mentioned on the card."""
    stage: str | None = None
    """Where a staged approach is, in words ("proposal form requested")."""
    extra_actions: tuple[tuple[str, str, str | None], ...] = ()
    """More buttons for the card, after the usual ones: ``(action id, words, style)``
    (award, a staged approach's next step)."""

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
    def told(self) -> tuple[ProblemLine, ...]:
        """The problems an applicant is told of: all but ``unsure`` ones."""
        return tuple(p for p in self.problems if p.code != "unsure")

    @property
    def unsure(self) -> tuple[ProblemLine, ...]:
        """Answers the reader could not place: an officer checks them on the form."""
        return tuple(p for p in self.problems if p.code == "unsure")

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone, in which every time of this bid is shown."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, kw_only=True)
class Acknowledgement:
    """One mail to an applicant about a bid.

    ``to`` is the sender's envelope address (RFC 3834 §4: automatic replies go
    to the envelope sender, which the front mail server's SPF and DMARC checks
    vouch for; never Reply-To), chosen by the caller. ``message_id`` is ours,
    chosen and stored by the caller before sending, so that a retry re-sends the
    same message rather than a second one.
    ``kind``: "received" (the bid arrived), "request_info" (an officer asks for
    what is missing; ``note`` is the officer's words) or "no_form" (the mail had
    no application form); "claim_notice" and "claim_received" (another sender
    named the bid: ``note`` is that sender's address); "reminder" (the round closes
    soon and the bid is still incomplete); "monitoring" (a grantee's report falls
    due: ``note`` is "YYYY-MM-DD what is due").
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


@dataclass(frozen=True, kw_only=True)
class ScoreCriterion:
    """One criterion of a scoring matrix, with the words of each level (1 first)."""

    id: str
    name: str
    levels: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError(f"criterion {self.id!r} has no levels")


@dataclass(frozen=True, kw_only=True)
class ScoredSheet:
    """Another officer's sheet, shown to a scorer once they have sent their own."""

    scorer: str
    """A Slack user id."""
    total: str
    """ "14 / 20"."""
    levels: tuple[tuple[str, int, str | None], ...]
    """Each criterion's name, level and the scorer's comment."""
    moderated: bool = False
    """The lead's moderated sheet (``scorer`` is the lead)."""


@dataclass(frozen=True, kw_only=True)
class RankingLine:
    """One bid in a fund's ranking (``/intake ranking``); amounts and scores as shown."""

    rank: int | None
    ref: str
    organisation: str | None
    requested: str | None
    score: str
    scorers: int
    moderated: bool
    disagree: bool
    running_total: str | None
    within_budget: bool | None


@dataclass(frozen=True, kw_only=True)
class BidLine:
    """One bid in a list an officer asked for (``/intake open``)."""

    ref: str
    organisation: str | None
    project: str | None
    status: BidStatus
    problems: int
    """Problems the applicant is told of (``unsure`` ones are not among them)."""
    received_at: datetime
    timezone: str
    assigned_to: str | None = None
    to_check: int = 0
    """Answers the parser was unsure of (``unsure``): flagged for an officer, never missing."""


@dataclass(frozen=True, kw_only=True)
class DeadlineLine:
    """One coming deadline in a list (``/intake deadlines``)."""

    at: datetime
    timezone: str
    text: str


AlertKind = Literal[
    "closes_in_7_days",
    "closes_in_1_day",
    "closed",
    "decisions_due",
    "updates_due",
    "monitoring_due",
]
"""The deadlines the officers' channel is alerted to: the one list of them."""

ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)

ALERT_WORDS: dict[AlertKind, str] = {
    "closes_in_7_days": "closes in 7 days",
    "closes_in_1_day": "closes tomorrow",
    "closed": "has closed",
    "decisions_due": "award and regret letters due",
    "updates_due": "six-month updates due",
    "monitoring_due": "year-end monitoring returns due",
}
"""What each alert says of a round: "Safer in Kent Fund 2027/28 round 1 *closes tomorrow*"."""


@dataclass(frozen=True, kw_only=True)
class RoundCounts:
    """How the bids of one round stand, for a deadline alert."""

    received: int = 0
    complete: int = 0
    incomplete: int = 0
    ineligible: int = 0
    unreadable: int = 0
    late: int = 0
    undecided: int = 0
    eligible: int = 0
    not_eligible: int = 0
    duplicates: tuple[tuple[str, str, str], ...] = ()
    """Bids that may repeat an earlier one: ``(reference, earlier reference, why)``."""
    withdrawn: tuple[str, ...] = ()
    """Bids officers marked withdrawn (one of a possible-duplicate pair)."""
    reminded: int = 0
    """Applicants of incomplete bids reminded of what is missing before the close."""
    awarded: int = 0
    """Bids whose award letter was sent (the grantees who owe monitoring reports)."""

    @property
    def distinct(self) -> int:
        """Applications once withdrawn bids, and each possible duplicate of a pair
        neither of which is withdrawn, are set apart."""
        gone = set(self.withdrawn)
        open_pairs = {ref for ref, earlier, _why in self.duplicates if not {ref, earlier} & gone}
        return self.received - len(gone | open_pairs)


@dataclass(frozen=True, kw_only=True)
class DeadlineAlert:
    """A deadline alert for a fund's round: what falls due, when, and how the bids stand."""

    kind: AlertKind
    office_name: str
    fund_name: str
    round_name: str
    timezone: str
    due_at: datetime
    closes_at: datetime
    decisions_due_at: datetime
    counts: RoundCounts
    sent_at: datetime | None = None
    """When the alert goes out (default: its moment). A service that was down over
    the moment sends it late; its words are said from when it is sent."""

    def __post_init__(self) -> None:
        for name in ("due_at", "closes_at", "decisions_due_at", "sent_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} must be an aware datetime")
        ZoneInfo(self.timezone)

    @property
    def sent(self) -> datetime:
        """When the alert is said, in words and counts."""
        return self.sent_at or self.due_at

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone, in which every date of the alert is said."""
        return ZoneInfo(self.timezone)
