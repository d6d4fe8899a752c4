"""Deciding what a file is by its first bytes, not by its name or content type.

Mail clients send forms as ``application/octet-stream``, with no extension or
with the wrong one; a file's magic bytes tell the truth.
"""

from __future__ import annotations

import io
import zipfile
from typing import Literal

FileKind = Literal["docx", "pdf", "doc", "tnef", "zip", "odt", "image", "unknown"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TNEF = b"\x78\x9f\x3e\x22"
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")


def sniff(data: bytes) -> FileKind:
    """The kind of document ``data`` holds."""
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(_OLE2):
        return "doc"
    if data.startswith(_TNEF):
        return "tnef"
    if data.startswith(_IMAGES):
        return "image"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    return "unknown"


def _zip_kind(data: bytes) -> FileKind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist()[:5000])
            if "word/document.xml" in names:
                return "docx"
            if "[Content_Types].xml" in names:
                # Word for the web names its main part word/document2.xml; macro-enabled
                # documents and templates declare other content types: still Word.
                with archive.open("[Content_Types].xml") as part:
                    types = part.read(200_000)
                if b"wordprocessingml" in types or b"application/vnd.ms-word" in types:
                    return "docx"
            if "mimetype" in names and "content.xml" in names:
                return "odt"
    except (zipfile.BadZipFile, OSError, ValueError):
        # A damaged package that starts like a DOCX is offered to the DOCX reader,
        # which explains what is wrong with it.
        return "docx"
    return "zip"
