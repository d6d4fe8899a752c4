"""Reading an application form from a Word (.docx) document."""

from __future__ import annotations

from parsers.docx.package import DocxLimits, read_docx
from parsers.docx.walk import DocxWalker
from parsers.model import FormSpec, ParsedDocument
from parsers.pairing import read_answers, settle


def parse_docx(data: bytes, form: FormSpec, *, limits: DocxLimits | None = None) -> ParsedDocument:
    """The answers a DOCX gives to ``form``'s questions.

    Headers and footers are read only for questions the body leaves unanswered
    (some templates put the organisation or reference there). Raises
    :class:`~parsers.errors.UnreadableDocument` for a file that is not a
    readable, safe DOCX.
    """
    parts = read_docx(data, limits)
    walker = DocxWalker()
    body = walker.walk(parts.body)
    labelled: set[str] = set()
    answers = read_answers(body, walker.controls, form, labelled)
    margins = DocxWalker()
    margin_blocks = []
    for part in parts.margins:
        margin_blocks.extend(margins.walk(part, "header or footer"))
    if margin_blocks:
        extra = read_answers(margin_blocks, margins.controls, form, labelled)
        for field_id, answer in extra.items():
            if field_id not in answers or not answers[field_id].placed:
                answers[field_id] = answer
    parsed = ParsedDocument(format="docx", answers=answers)
    parsed.form_found = _looks_like_the_form(answers, form)
    if parsed.form_found:
        parsed.answers = settle(answers, labelled, form)
    return parsed


def _looks_like_the_form(answers: dict, form: FormSpec) -> bool:  # type: ignore[type-arg]
    """A document answering almost none of the questions is not this form (a cover letter)."""
    placed = sum(1 for answer in answers.values() if answer.placed)
    return placed >= max(3, len(form.fields) // 6)
