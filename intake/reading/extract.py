"""From a spooled mail (or a file) to the application form it carries.

Runs inside a parsing worker process: mail and documents may be hostile, and
the worker has time and memory limits that the service does not.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from intake.reading.mail import Mail, read_mail
from parsers import FormSpec, ParsedDocument, UnreadableDocument, parse_document, sniff

FORM_KINDS = ("docx", "pdf", "doc", "odt")
FORM_SUFFIXES = (".docx", ".docm", ".pdf", ".doc", ".odt")
_KIND_WORDS = {
    "image": "an image",
    "zip": "a ZIP archive",
    "tnef": "an Outlook attachment bundle",
    "unknown": "of an unknown kind",
    "not read": "of an unknown kind",
}


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """A file that came with the mail, and what we made of it."""

    name: str
    kind: str
    size: int
    note: str | None = None


@dataclass(slots=True)
class Extraction:
    """The form found (``document``), or why there is none (``unreadable``/``no_form``)."""

    mail: Mail | None
    """The mail's headers and text, without its attachments (they are not sent back
    from the worker process)."""
    attachments: list[AttachmentInfo]
    file: str | None = None
    document: ParsedDocument | None = None
    unreadable: str | None = None

    @property
    def no_form(self) -> bool:
        return self.document is None and self.unreadable is None

    def sources(self) -> dict[str, dict[str, Any]]:
        """Where each answer came from and how sure the parser is (stored with the bid)."""
        if self.document is None:
            return {}
        return {
            field: {
                "kind": answer.source.kind,
                "location": answer.source.location,
                "confidence": round(answer.confidence, 3),
                "flagged": answer.flagged,
                "note": answer.note,
            }
            for field, answer in self.document.answers.items()
        }


def extract_from_spool(path: str, form: FormSpec) -> Extraction:
    """Worker-process entry point: read a spooled mail and the form attached to it."""
    # The mail's bytes (up to the size limit) are let go once read, not kept
    # through the parsing beside its decoded attachments.
    return _extract(read_mail(Path(path).read_bytes()), form)


def extract_from_mail(raw: bytes, form: FormSpec) -> Extraction:
    return _extract(read_mail(raw), form)


def _extract(mail: Mail, form: FormSpec) -> Extraction:
    extraction = choose_form([(a.name, a.data, a.size) for a in mail.attachments], form)
    extraction.mail = replace(mail, attachments=[], text=mail.text[:5000])
    if extraction.document is None and mail.warnings:
        # Say what went wrong with the mail itself, not only that no form was found.
        found = extraction.unreadable or "no application form could be found in it"
        extraction.unreadable = f"{found}; the mail is damaged: {'; '.join(mail.warnings)}"
    return extraction


def extract_from_file(name: str, data: bytes, form: FormSpec) -> Extraction:
    """Worker-process entry point for ``intake parse FILE``."""
    return choose_form([(name, data, len(data))], form)


def choose_form(files: list[tuple[str, bytes, int]], form: FormSpec) -> Extraction:
    """The attachment that is the application form: the readable one answering most questions.

    Policies, accounts and logos travel with forms; we try every document and
    keep the best. When none is the form, the reasons say why for each file.
    """
    infos: list[AttachmentInfo] = []
    best: tuple[int, str, ParsedDocument] | None = None
    reasons: list[str] = []
    for name, data, size in files:
        kind = sniff(data) if data else "not read"
        if kind not in FORM_KINDS:
            infos.append(AttachmentInfo(name, kind, size))
            if name.lower().endswith(FORM_SUFFIXES):
                reasons.append(
                    f"{name}: the file is {_KIND_WORDS.get(kind, kind)}, "
                    "not the Word or PDF document its name says"
                )
            continue
        try:
            parsed = parse_document(data, form)
        except UnreadableDocument as exc:
            infos.append(AttachmentInfo(name, kind, len(data), note=exc.reason))
            reasons.append(f"{name}: {exc.reason}")
            continue
        note = None if parsed.form_found else "not the application form"
        infos.append(AttachmentInfo(name, kind, len(data), note=note))
        if not parsed.form_found:
            reasons.append(f"{name}: does not look like the application form")
            continue
        score = len(parsed.answers)
        if best is None or score > best[0]:
            best = (score, name, parsed)
    if best is not None:
        return Extraction(mail=None, attachments=infos, file=best[1], document=best[2])
    if reasons:
        return Extraction(mail=None, attachments=infos, unreadable="; ".join(reasons))
    return Extraction(mail=None, attachments=infos)
