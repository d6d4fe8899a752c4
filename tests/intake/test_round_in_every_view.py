"""Issue #20: a form sent before its round opens belongs to no round (``no_round``), and the
card and `intake show` say the same round, whatever it is; its acknowledgement says when
the round opens and that the applicant may send it again then."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from intake.bids.reports import bid_text
from intake.cli.bids import _round_name
from intake.config.load import load_config
from intake.rules.checks import judge
from intake.slack.summaries import bid_summary
from notifier.ack import acknowledgement_text
from notifier.cards import triage_card
from notifier.model import Acknowledgement


@pytest.mark.parametrize(
    ("received", "round_words"),
    [("2027-02-10T11:00:00+00:00", None), ("2027-04-15T10:00:00+01:00", "2027/28 round 1")],
)
def test_card_and_show_name_the_same_round(received: str, round_words: str | None) -> None:
    config = load_config()
    fund = config.fund("safer-in-kent")
    office = config.office(fund.office)
    at = datetime.fromisoformat(received)
    judged = judge(
        form=config.form(fund.form), fund=fund, office=office, answers={}, received_at=at
    )
    stored_round = judged.round.id if judged.round else None
    bid = SimpleNamespace(
        ref="KENT-2027-0001",
        office=office.id,
        fund=fund.id,
        form=fund.form,
        decision=None,
        decision_reason=None,
        scores=None,
        assigned_to=None,
    )
    version = SimpleNamespace(
        version=1,
        fields={"organisation_name": "Medway Youth Trust"},
        round=stored_round,
        problems=[p.model_dump() for p in judged.problems],
        status=judged.status,
        received_at=at,
        attachments=[],
        sources={},
    )
    summary = bid_summary(config, bid, version)
    card_fund = next(
        f["text"]
        for b in triage_card(summary)["blocks"]
        for f in b.get("fields") or []
        if f["text"].startswith("*Fund*")
    )
    shown = {
        "ref": bid.ref,
        "version": 1,
        "fund": fund.id,
        "round": stored_round,
        "status": judged.status,
        "received_at": received,
        "applicant": "a@example.org",
        "file": None,
        "fields": {},
        "problems": [p.model_dump() for p in judged.problems],
    }
    show = bid_text(shown, round_name=_round_name(config, shown))
    if round_words is None:
        assert [p.code for p in judged.problems if p.field is None] == ["no_round"]
        assert card_fund == "*Fund*\nSafer in Kent Fund"
        assert "Round: -" in show
        ack = Acknowledgement(
            bid=summary,
            to="a@example.org",
            from_addr=office.reply_from,
            their_subject=None,
            their_message_id=None,
            message_id="<grant-intake.KENT-2027-0001.v1.received.0@bids.example.org>",
        )
        words = " ".join(acknowledgement_text(ack, now=at).split())
        assert "The round opens on Monday 1 March 2027" in words
        assert "You are welcome to send your application again then" in words
    else:
        assert card_fund == f"*Fund*\nSafer in Kent Fund ({round_words})"
        assert f"Round: {round_words}" in show
