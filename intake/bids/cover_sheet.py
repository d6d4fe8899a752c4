"""The Kent cover sheet: one Word document per bid for the panel's file.

Appendix Four of the Kent commissioning strategy ends with a "Funding Request
Cover Sheet – Office Use Only": the date the request came, the organisation,
the project and the amount, the criteria it meets (ticked), clarification
questions, the team's context, then the Commissioner's decision. The sheet is
made with what the bid says filled in, and the rest left for the officers
and the Commissioner to write, in the order and words of the original.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.shared import Pt
from docx.table import Table

from intake.bids.export import text_cell
from intake.bids.panel_columns import DECISIONS, known_fund, panel_levels, pounds, rounded
from intake.bids.problem_words import problem_texts
from intake.config.model import Config, Form, Fund, Office
from intake.store.panel import PanelBid

# A python-docx document is a web of reference cycles around lxml trees whose
# memory the cycle collector does not count, so left alone they pile up (170 MB
# for 300 sheets); collecting every few sheets keeps an export's memory flat.
_COLLECT_EVERY = 20

TITLE = "Funding Request Cover Sheet – Office Use Only"
TICKED, UNTICKED = "☒", "☐"

# The Commissioner's part of the sheet, left blank for them to fill in.
_DECISION_ROWS = (
    "Commissioners Funding Decision Date:",
    "Commissioners Comments:",
    "Funding Approved by Commissioner Y/N",
    "Agreed Funding Amount:",
    "Rationale if agreed funding differs from the amount requested",
)


def _number(value: int | float | None) -> str:
    return "" if value is None else str(value)


def cover_sheet(config: Config, office: Office, bid: PanelBid) -> DocumentType:
    """The cover sheet of one bid, as a python-docx document."""
    fund = known_fund(config, bid.bid.fund)
    form = _form(config, fund)
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading(office.name, level=1)
    document.add_heading(TITLE, level=2)
    where = ", ".join(
        part for part in (fund.name if fund else bid.bid.fund, _round_name(fund, bid)) if part
    )
    document.add_paragraph(f"Reference {bid.bid.ref}" + (f" · {where}" if where else ""))

    received = bid.bid.received_at.astimezone(office.tz)
    _rows(
        document.add_table(rows=0, cols=2),
        [
            ("Date Funding Request Received:", f"{received.day} {received:%B %Y}"),
            ("Organisation Name:", bid.bid.organisation or ""),
            ("Name of the Project to be funded:", bid.bid.project or ""),
            ("Funding Amount Requested:", pounds(bid.bid.amount_requested)),
        ],
    )

    document.add_heading(
        "Funding Criteria (please tick the criteria that applies to the application)", level=3
    )
    for label, ticked in _criteria(form, fund, bid):
        document.add_paragraph(f"{TICKED if ticked else UNTICKED} {text_cell(label)}")

    document.add_heading("Clarification Questions and Associated Answers", level=3)
    # Each under its question, as the card and the acknowledgement say it.
    for said in problem_texts(config, bid.bid.form, bid.problems):
        document.add_paragraph(text_cell(said), style="List Bullet")
    if not bid.problems:
        document.add_paragraph("")

    document.add_heading("Contextual Information from the Commissioning Team", level=3)
    context = [f"Status when exported: {bid.bid.status}; version {bid.bid.version}."]
    if bid.bid.decision:
        reason = f" ({bid.bid.decision_reason})" if bid.bid.decision_reason else ""
        decision = DECISIONS.get(bid.bid.decision, bid.bid.decision)
        context.append(f"Eligibility: {decision}{reason}.")
    for paragraph in context:
        document.add_paragraph(text_cell(paragraph))
    if bid.panel is not None and bid.panel.points is not None:
        levels = panel_levels(bid.panel)
        matrix = config.matrix(bid.bid.fund, office.id)
        _rows(
            document.add_table(rows=0, cols=2),
            [(f"{c.name} score", _number(levels.get(c.id))) for c in matrix]
            + [
                ("Total score", _number(rounded(bid.panel.points))),
                ("Scored by", ", ".join(bid.panel.scorers) or "the lead"),
                ("Moderated", "Yes" if bid.panel.moderated else "No"),
            ]
            + ([("Rank", str(bid.ranked.rank))] if bid.ranked and bid.ranked.rank else []),
        )

    document.add_paragraph("")
    _rows(
        document.add_table(rows=0, cols=2),
        [(label, "") for label in _DECISION_ROWS]
        + [("Funding Stream to be paid from:", fund.name if fund else "")],
    )
    return document


class CoverSheets:
    """Writes each bid's cover sheet into a folder, as ``<reference>.docx``."""

    def __init__(self, config: Config, office: Office, folder: Path) -> None:
        self._config = config
        self._office = office
        self._folder = folder
        self.written = 0

    def add(self, bid: PanelBid) -> None:
        target = self._folder / f"{bid.bid.ref}.docx"
        document = cover_sheet(self._config, self._office, bid)
        # Written aside, then renamed: a sheet is whole or absent, never half-written.
        handle, part = tempfile.mkstemp(dir=self._folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                document.save(out)
            os.replace(part, target)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
        self.written += 1
        if self.written % _COLLECT_EVERY == 0:
            gc.collect()

    def close(self) -> None:
        pass


def _rows(table: Table, rows: list[tuple[str, str]]) -> None:
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].runs[0].bold = True
        cells[1].text = text_cell(value)


def _criteria(form: Form | None, fund: Fund | None, bid: PanelBid) -> list[tuple[str, bool]]:
    """Every option of the form's criteria questions (the fund's criteria, the Police
    and Crime Plan priorities), ticked where the applicant ticked it."""
    if form is None:
        return []
    found: list[tuple[str, bool]] = []
    for field in form.fields:
        if field.group != "criteria" or field.type not in ("choice", "choices"):
            continue
        options = fund.criteria if field.options_from == "fund_criteria" and fund else field.options
        answer = bid.fields.get(field.id) or []
        ticked = set(answer if isinstance(answer, list) else [answer])
        found += [(option.label, option.id in ticked) for option in options]
    return found


def _form(config: Config, fund: Fund | None) -> Form | None:
    return config.form(fund.form) if fund else None


def _round_name(fund: Fund | None, bid: PanelBid) -> str | None:
    found = next((r for r in fund.rounds if r.id == bid.bid.round), None) if fund else None
    return found.name if found else bid.bid.round
