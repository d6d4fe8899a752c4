"""From stored bids to the notifier's plain values (cards, acknowledgements)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from intake.bids import stages
from intake.config.model import Config
from intake.rules.addresses import mailbox
from intake.rules.areas import area_of
from intake.rules.checks import current_or_next_round
from intake.rules.scoring import PanelScore, out_of, points
from intake.store.bids import Bid
from notifier.model import BidSummary, CheckLine, ProblemLine


def bid_summary(
    config: Config,
    bid: Any,
    version: Any,
    *,
    duplicates: Sequence[Any] = (),
    panel: PanelScore | None = None,
) -> BidSummary:
    """What a card or acknowledgement says about ``bid`` as of ``version``; ``duplicates``
    are the earlier bids it may repeat (:class:`intake.store.duplicates.Duplicate`);
    ``panel``, its scoring panel's work: who scored, and the moderated score."""
    office = config.office(bid.office)
    fund = _fund(config, bid.fund)
    form = _form(config, bid.form)
    fields: dict[str, Any] = version.fields or {}
    mail: dict[str, Any] = getattr(version, "mail", None) or {}  # none on a mail-less version
    joint = bool(form and form.partnership_field and fields.get(form.partnership_field) is True)
    cap = fund.cap_for(joint=joint) if fund else None
    round_ = judged = None
    if fund is not None:
        judged = next((r for r in fund.rounds if r.id == version.round), None)
        # Dates to resubmit by (an unreadable form) or to send again from (an early
        # one) come from the round open, or next to open, when it arrived.
        round_ = judged or current_or_next_round(fund, office, version.received_at)
    problems = tuple(
        ProblemLine(
            field=p["field"],
            question=_question(form, p["field"]),
            code=p["code"],
            message=p["message"],
        )
        for p in version.problems
    )
    decision = None
    if bid.decision:
        decision = bid.decision.replace("_", " ")
        if bid.decision == "awarded" and getattr(bid, "award_amount", None):
            decision += f" £{Decimal(bid.award_amount):,.2f}"
        if bid.decision_reason:
            decision += f": {bid.decision_reason}"
    matrix = config.matrix(bid.fund, bid.office)
    moderated = panel.moderated if panel else None
    scores = dict(moderated.levels) if moderated else {}
    parts = tuple((c.name, int(scores[c.id])) for c in matrix if c.id in scores)
    area = area_of(office.routing, fields)
    return BidSummary(
        ref=bid.ref,
        version=version.version,
        office_name=office.name,
        fund_id=fund.id if fund else None,
        fund_name=fund.name if fund else None,
        # Only the round it was judged in, as `intake show` says: a form sent before a
        # round opened belongs to no round.
        round_name=judged.name if judged else None,
        organisation=fields.get("organisation_name"),
        project=fields.get("project_name"),
        contact_name=fields.get("contact_name"),
        amount_requested=fields.get("amount_requested"),
        amount_cap=f"{cap:.2f}" if cap is not None else None,
        total_cost=fields.get("total_cost"),
        status=version.status,
        problems=problems,
        received_at=version.received_at,
        timezone=office.timezone,
        attachments=tuple(a["name"] for a in version.attachments or ()),
        closes_at=round_.closes_at(office.tz) if round_ else None,
        opens_at=round_.opens_at(office.tz) if round_ else None,
        possible_duplicates=tuple((d.of_ref, ", ".join(d.reasons)) for d in duplicates),
        envelope_sender=mail.get("reply_address") or None,
        other_senders=other_senders(mail),
        assigned_to=bid.assigned_to,
        decision=decision,
        score=_whole(points(matrix, scores)) if moderated else None,
        score_out_of=_whole(out_of(matrix)) if moderated else None,
        score_parts=parts,
        moderated=moderated is not None,
        scorers=panel.scorers if panel else (),
        scorers_disagree=tuple(d.criterion for d in panel.disagreements) if panel else (),
        to_check=tuple(
            CheckLine(
                field=field,
                question=_question(form, field),
                note=str(source.get("note") or "the reading is uncertain"),
            )
            for field, source in (version.sources or {}).items()
            if source.get("flagged") and field in fields
        ),
        area=area.name if area else None,
        area_officers=area.officers if area else (),
        stage=stages.stage_words(config, bid) if isinstance(bid, Bid) else None,
        extra_actions=stages.next_actions(config, bid) if isinstance(bid, Bid) else (),
    )


def other_senders(mail: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The ``From`` and ``Reply-To`` of a version's mail that name another mailbox than its
    envelope sender (each mailbox once): the officer sees them, nothing mails them."""
    envelope = mailbox(mail.get("reply_address"))
    seen = {envelope}
    found = []
    for header, key in (("From", "from"), ("Reply-To", "reply_to")):
        address = str(mail.get(key) or "")
        box = mailbox(address)
        if box and box not in seen:
            seen.add(box)
            found.append((header, address))
    return tuple(found) if envelope else ()


def _whole(value: Decimal) -> int | Decimal:
    """A total as written: 14, not 14.00; 14.5 stays."""
    return int(value) if value == value.to_integral() else value.normalize()


def _fund(config: Config, fund_id: str | None) -> Any:
    if not fund_id:
        return None
    try:
        return config.fund(fund_id)
    except KeyError:
        return None


def _form(config: Config, form_id: str | None) -> Any:
    if not form_id:
        return None
    try:
        return config.form(form_id)
    except KeyError:
        return None


def _question(form: Any, field_id: str | None) -> str | None:
    if form is None or field_id is None:
        return None
    try:
        return str(form.field(field_id).label)
    except KeyError:
        return None
