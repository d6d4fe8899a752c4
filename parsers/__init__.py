"""Documents in, answers out.

Pure and synchronous: bytes and a :class:`~parsers.model.FormSpec` go in; a
:class:`~parsers.model.ParsedDocument` comes out, each answer with where it was
found and how sure we are. Knows nothing of mail, Slack or databases. Run it in
a worker process with time and memory limits: documents may be hostile.
"""

from __future__ import annotations

from parsers.errors import ParserError, UnreadableDocument, UnsupportedDocument
from parsers.model import Answer, FieldSpec, FormSpec, OptionSpec, ParsedDocument, Source
from parsers.sniff import sniff

_MALFORMED: tuple[type[BaseException], ...] = (
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    OverflowError,
    RecursionError,
    UnicodeError,
    ZeroDivisionError,
)
"""What a reader may raise on a document that breaks the format's own rules.
(lxml's and PDFium's errors derive from these or are caught where they arise.)"""

__all__ = [
    "Answer",
    "FieldSpec",
    "FormSpec",
    "OptionSpec",
    "ParsedDocument",
    "ParserError",
    "Source",
    "UnreadableDocument",
    "UnsupportedDocument",
    "parse_document",
    "sniff",
]


def parse_document(data: bytes, form: FormSpec) -> ParsedDocument:
    """Read ``form``'s answers from a DOCX or PDF, whatever its name says.

    Raises :class:`UnreadableDocument` (with a reason for officers) when the
    file is not a form we can read.
    """
    if not data.strip():
        raise UnsupportedDocument("the file is empty, not a Word (.docx) or PDF document")
    kind = sniff(data)
    if kind in ("docx", "pdf"):
        try:
            if kind == "docx":
                from parsers.docx import parse_docx

                return parse_docx(data, form)
            from parsers.pdf import parse_pdf

            return parse_pdf(data, form)
        except ParserError:
            raise
        except _MALFORMED as exc:
            # A file built to confuse a reader (a grid span of "abc", tables nested a
            # thousand deep, a page PDFium cannot load) is unreadable, not a crash.
            what = "Word document" if kind == "docx" else "PDF"
            raise UnreadableDocument(
                f"the {what} is malformed and cannot be read ({type(exc).__name__}: "
                f"{str(exc)[:120]})"
            ) from exc
    if kind == "doc":
        raise UnsupportedDocument(
            "the form is an old-format (.doc) or password-protected Word file; "
            "please save it as .docx"
        )
    if kind == "odt":
        raise UnsupportedDocument("OpenDocument (.odt) forms are not read; please save as .docx")
    raise UnsupportedDocument("the file is not a Word (.docx) or PDF document")
