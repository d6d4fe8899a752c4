"""The columns of the panel pack: what each says, in the form's own words, and its type.

Pure: a column turns a stored bid into a typed value (text, an amount as a
:class:`~decimal.Decimal`, a date, a time in the office's zone, a whole
number), and the writers (:mod:`intake.bids.export`) decide how each type
looks in XLSX or CSV. Headers come from the configuration: the form's question
labels, the scoring matrix's criterion names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from intake.bids.problem_words import problem_texts
from intake.config.model import Config, Criterion, Form, FormField, Fund, Office
from intake.rules.scoring import ONE_PLACE, PanelScore, Sheet, out_of, points
from intake.store.panel import PanelBid

Kind = Literal["text", "long", "money", "date", "datetime", "count"]
"""How a column's values are typed and shown: ``long`` is text that wraps in a wide column."""

Value = str | Decimal | date | datetime | int | float | None
"""A cell: a float is a score (one decimal place); a Decimal is an amount of money."""

DECISIONS = {"eligible": "Eligible", "not_eligible": "Not eligible", "withdrawn": "Withdrawn"}
"""An officer's ruling, in the words the Slack card's buttons use."""

LEADING = ("organisation_name", "project_name", "amount_requested")
"""The answers shown first, beside the reference (SPEC's field ids, as every form names them)."""

# A question with a long label ("What research has been undertaken…?") gets a
# paragraph for an answer; a short one ("Name", "Telephone No") a few words.
_LONG_LABEL = 40


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the panel pack: its header, its kind and how a bid fills it."""

    header: str
    kind: Kind
    value: Callable[[PanelBid], Value]
    fixed_width: int | None = None

    @property
    def width(self) -> int:
        """A readable width in characters (Excel's column width unit)."""
        if self.fixed_width is not None:
            return self.fixed_width
        if self.kind == "long":
            return 60
        if self.kind == "text":
            return max(14, min(30, len(self.header) + 2))
        if self.kind == "datetime":
            return 18
        return max(12, min(20, len(self.header) + 2))


def panel_columns(
    config: Config,
    office: Office,
    forms: Sequence[Form],
    matrix: Sequence[Criterion] | None = None,
) -> list[Column]:
    """The pack's columns for bids of ``forms`` (one form for a fund's sheet, all in CSV).

    The reference, then who asks for what and how much (the panel reads these
    first, and a printed page shows them), then the bid's state and the
    officers' work on it (the scoring panel's on ``matrix``, the office's
    unless given), then every other answer in the form's order.
    """
    answers: dict[str, Column] = {}
    for form in forms:
        for field in form.fields:
            answers.setdefault(field.id, _answer_column(config, field))
    leading = [answers.pop(field_id) for field_id in LEADING if field_id in answers]
    columns = [
        Column("Reference", "text", lambda b: b.bid.ref, fixed_width=17),
        *leading,
        Column("Status", "text", lambda b: b.bid.status, fixed_width=12),
        Column("Problems", "long", _problems_of(config), fixed_width=40),
        Column("Received", "datetime", lambda b: _local(b.bid.received_at, office)),
        Column("Versions", "count", lambda b: b.bid.version),
        Column(
            "Other bids from this organisation",
            "text",
            lambda b: "\n".join(b.same_organisation) or None,
            fixed_width=18,
        ),
        Column("Applicant's email", "text", lambda b: b.bid.applicant, fixed_width=30),
        Column("Assigned to", "text", lambda b: b.bid.assigned_to),
        Column("Decision", "text", lambda b: _decision(b.bid.decision)),
        Column("Decision reason", "long", lambda b: b.bid.decision_reason),
    ]
    return columns + score_columns(matrix or office.scoring) + list(answers.values())


def score_columns(matrix: Sequence[Criterion]) -> list[Column]:
    """The scoring panel's columns: the panel's level on each criterion (the moderated
    sheet's, else the scorers' mean), its total, every scorer's sheet, the moderated
    total, the quality, cost and weighted scores and the rank in the fund's round."""
    return [
        *(Column(f"{c.name} score", "count", _score(c.id)) for c in matrix),
        Column("Total score", "count", lambda b: _points(b.panel.points if b.panel else None)),
        Column("Scorers", "count", lambda b: len(b.panel.sheets) if b.panel else None),
        Column("Scores by scorer", "long", lambda b: _sheets(b, matrix), fixed_width=50),
        Column("Scorers disagree on", "text", _disagree),
        Column("Moderated score", "count", lambda b: _moderated(b, matrix)),
        Column(
            "Quality score (%)", "count", lambda b: _points(b.ranked.quality if b.ranked else None)
        ),
        Column("Cost score (%)", "count", lambda b: _points(b.ranked.cost if b.ranked else None)),
        Column("Weighted score", "count", lambda b: _points(b.ranked.score if b.ranked else None)),
        Column("Rank", "count", lambda b: b.ranked.rank if b.ranked else None),
    ]


def fund_columns(config: Config) -> list[Column]:
    """The two columns CSV adds in front, since one file holds every fund and round."""

    def fund_name(bid: PanelBid) -> str | None:
        fund = known_fund(config, bid.bid.fund)
        return fund.name if fund else bid.bid.fund

    def round_name(bid: PanelBid) -> str | None:
        fund = known_fund(config, bid.bid.fund)
        found = next((r for r in fund.rounds if r.id == bid.bid.round), None) if fund else None
        return found.name if found else bid.bid.round

    return [Column("Fund", "text", fund_name), Column("Round", "text", round_name)]


def _answer_column(config: Config, field: FormField) -> Column:
    def raw(bid: PanelBid) -> object:
        return bid.fields.get(field.id)

    if field.type == "money":
        return Column(field.label, "money", lambda b: money(raw(b)))
    if field.type == "date":
        return Column(field.label, "date", lambda b: _date(raw(b)))
    if field.type == "yesno":
        return Column(field.label, "text", lambda b: _yes_no(raw(b)))
    if field.type in ("choice", "choices"):

        def labels(bid: PanelBid) -> str | None:
            value = raw(bid)
            if value is None or value == []:
                return None
            ids = value if isinstance(value, list) else [value]
            named = _option_labels(config, field, known_fund(config, bid.bid.fund))
            return "\n".join(named.get(str(i), str(i)) for i in ids)

        return Column(field.label, "long" if field.type == "choices" else "text", labels)
    kind: Kind = "long" if len(field.label) > _LONG_LABEL or field.max_words else "text"
    return Column(field.label, kind, lambda b: _text(raw(b)))


def _option_labels(config: Config, field: FormField, fund: Fund | None) -> dict[str, str]:
    options = fund.criteria if field.options_from == "fund_criteria" and fund else field.options
    return {option.id: option.label for option in options}


def known_fund(config: Config, fund_id: str | None) -> Fund | None:
    """The fund a bid names, or None (no fund, or one since removed from the configuration)."""
    if fund_id is None:
        return None
    try:
        return config.fund(fund_id)
    except KeyError:  # a fund since removed from the configuration: its id is shown
        return None


def _problems_of(config: Config) -> Callable[[PanelBid], Value]:
    def problems(bid: PanelBid) -> str | None:
        # Each under its question, as the card and the acknowledgement say it.
        return "\n".join(problem_texts(config, bid.bid.form, bid.problems)) or None

    return problems


def _decision(decision: str | None) -> str | None:
    return DECISIONS.get(decision, decision) if decision else None


def _score(criterion: str) -> Callable[[PanelBid], Value]:
    def score(bid: PanelBid) -> Value:
        return panel_levels(bid.panel).get(criterion) if bid.panel else None

    return score


def panel_levels(panel: PanelScore) -> dict[str, int | float]:
    """The panel's level on each criterion: the moderated sheet's, else the scorers' mean."""
    if panel.moderated is not None:
        return dict(panel.moderated.levels)
    given: dict[str, list[int]] = {}
    for sheet in panel.sheets:
        for key, level in sheet.levels.items():
            given.setdefault(key, []).append(level)
    return {key: rounded(Decimal(sum(levels)) / len(levels)) for key, levels in given.items()}


def rounded(value: Decimal) -> int | float:
    """A score for a cell: a whole number as such, else to one decimal place."""
    if value == value.to_integral():
        return int(value)
    return float(value.quantize(ONE_PLACE))


def _points(value: Decimal | None) -> Value:
    return None if value is None else rounded(value)


def _sheets(bid: PanelBid, matrix: Sequence[Criterion]) -> str | None:
    """Each scorer's sheet on a line: "U0ANN: 14 / 20 · Credible History 4 (their comment) …"."""
    if bid.panel is None or not bid.panel.sheets:
        return None
    return "\n".join(_sheet_words(sheet, matrix) for sheet in bid.panel.sheets)


def _sheet_words(sheet: Sheet, matrix: Sequence[Criterion]) -> str:
    parts = []
    for criterion in matrix:
        if criterion.id not in sheet.levels:
            continue
        part = f"{criterion.name} {sheet.levels[criterion.id]}"
        comment = sheet.comments.get(criterion.id)
        parts.append(f"{part} ({comment})" if comment else part)
    total = f"{rounded(points(matrix, sheet.levels))} / {rounded(out_of(matrix))}"
    return f"{sheet.scorer}: {total} · " + " · ".join(parts)


def _disagree(bid: PanelBid) -> str | None:
    if bid.panel is None or not bid.panel.disagreements:
        return None
    return ", ".join(f"{d.criterion} ({d.low}–{d.high})" for d in bid.panel.disagreements)


def _moderated(bid: PanelBid, matrix: Sequence[Criterion]) -> Value:
    if bid.panel is None or bid.panel.moderated is None:
        return None
    return rounded(points(matrix, bid.panel.moderated.levels))


def _local(moment: datetime, office: Office) -> datetime:
    # Spreadsheets have no time zones: the office's wall-clock time is what officers read.
    return moment.astimezone(office.tz).replace(tzinfo=None)


def money(value: object) -> Decimal | str | None:
    """An amount as a number; an answer that is not one stays as the applicant wrote it."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return amount if amount.is_finite() else str(value)


def pounds(value: object) -> str:
    """An amount as officers write it, ``£4,750.00``; what is not an amount as it was."""
    amount = money(value)
    return f"£{amount:,.2f}" if isinstance(amount, Decimal) else amount or ""


def _date(value: object) -> date | str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _yes_no(value: object) -> str | None:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return _text(value)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)
