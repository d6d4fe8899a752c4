"""The bid as the product shows it: typed fields, problems and a status (SPEC's JSON)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

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
Status = Literal["complete", "incomplete", "ineligible", "unreadable"]
Format = Literal["docx", "pdf", "pdf-form", "pdf-ocr"]

INELIGIBLE_CODES: frozenset[str] = frozenset({"over_limit", "under_limit", "late", "no_round"})


class Problem(BaseModel):
    """One thing wrong with a bid; ``field`` is None for a problem of the whole bid."""

    model_config = ConfigDict(frozen=True)

    field: str | None
    code: ProblemCode
    message: str


class FieldSource(BaseModel):
    """Where an answer came from and how sure the parser is of it."""

    model_config = ConfigDict(frozen=True)

    kind: str
    location: str
    confidence: float
    flagged: bool = False
    note: str | None = None


class ParsedBid(BaseModel):
    """SPEC's parsed-bid JSON, plus the round it was judged against and answer sources."""

    file: str | None
    format: Format | None
    form: str | None
    fund: str | None
    round: str | None = None
    fields: dict[str, Any]
    problems: list[Problem]
    status: Status
    sources: dict[str, FieldSource] = {}


def status_of(problems: list[Problem]) -> Status:
    """SPEC's rule: unreadable, else ineligible, else incomplete, else complete."""
    codes = {p.code for p in problems}
    if "unreadable" in codes:
        return "unreadable"
    if codes & INELIGIBLE_CODES:
        return "ineligible"
    # ``unsure``: an answer an officer checks on the form; the bid is not incomplete for it.
    return "incomplete" if codes - {"unsure"} else "complete"
