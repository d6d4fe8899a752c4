"""The parsers' own small types: what to look for, and what was found.

A parser receives a :class:`FormSpec` (the questions of a form, as labels and
value kinds) and returns a :class:`ParsedDocument` (each answer with its typed
value, where it was found and how sure we are). These types know nothing of
funds, rules, mail or storage; ``intake`` builds a ``FormSpec`` from its
configuration and judges the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ValueKind = Literal["text", "email", "money", "date", "yesno", "choice", "choices"]
"""How an answer is read: free text, an email address, an amount of money, a
date, yes or no, one option, or several options."""

SourceKind = Literal[
    "table-cell",
    "paragraph",
    "content-control",
    "form-field",
    "pdf-field",
    "pdf-text",
    "ocr",
]

DocumentFormat = Literal["docx", "pdf", "pdf-form", "pdf-ocr"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option of a choice question: its id and the words that name it."""

    id: str
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One question: its id, the labels it may carry on a form, how to read it.

    ``labels`` holds the wording on the bundled form first, then the other ways
    real forms word the same question. ``options`` is set for choice questions.
    ``group`` names fields that share one printed question (the form asks for
    the fund's criteria and the Police and Crime Plan priorities under one
    heading): their options are looked for together under any of their labels.
    """

    id: str
    labels: tuple[str, ...]
    kind: ValueKind = "text"
    options: tuple[OptionSpec, ...] = ()
    group: str | None = None


@dataclass(frozen=True, slots=True)
class FormSpec:
    """The questions of one form, in the order the form asks them."""

    id: str
    title: str
    fields: tuple[FieldSpec, ...]

    def field(self, field_id: str) -> FieldSpec:
        for spec in self.fields:
            if spec.id == field_id:
                return spec
        raise KeyError(field_id)


@dataclass(frozen=True, slots=True)
class Source:
    """Where an answer was found: the kind of place and a human-readable location
    (``"table 1, row 3"``, ``"content control 'orgname'"``, ``"page 2"``)."""

    kind: SourceKind
    location: str


Value = str | bool | list[str] | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the document says for one question.

    ``value`` is the normalised value (``None`` when ``raw`` could not be read as
    the question's kind, in which case ``error`` says why). ``confidence`` is
    1.0 for answers read from machine structure and exact labels and lower for
    fuzzy label matches and OCR; ``flagged`` marks answers an officer should
    confirm, with the reason in ``note``.

    ``placed`` is False for a question the reader knows is on the form but
    whose answer it could not place with confidence (its label was found and
    what follows cannot be read as its answer, or the label itself was not
    found in a document that clearly is the form). Such an answer has no
    value, is always ``flagged``, and must never be reported to an applicant
    as missing: an officer checks it (``docs/parsing.md``).
    """

    field: str
    raw: str
    value: Value
    source: Source
    confidence: float = 1.0
    error: str | None = None
    flagged: bool = False
    note: str | None = None
    placed: bool = True


def unplaced(field_id: str, source: Source, note: str, raw: str = "") -> Answer:
    """An answer the reader could not place: an officer checks the form for it."""
    return Answer(field_id, raw, None, source, 0.0, None, True, note, False)


@dataclass(slots=True)
class ParsedDocument:
    """Everything read from one document."""

    format: DocumentFormat
    answers: dict[str, Answer] = field(default_factory=dict)
    form_found: bool = True
    warnings: list[str] = field(default_factory=list)
    pages: int | None = None
