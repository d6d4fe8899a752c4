"""Opening a DOCX safely: the ZIP is checked before anything is decompressed.

python-docx reads every part of the package into memory, so a 300 KB zip bomb
becomes hundreds of megabytes (parsing notes). We read the central directory
first and refuse packages whose declared sizes, entry count or compression
ratio no honest form has. Python's zipfile stops at the declared size of each
entry, so a directory that lies about sizes fails its CRC check instead of
growing without bound. XML is parsed by python-docx's lxml parser, which does
not resolve entities.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from parsers.errors import UnreadableDocument


@dataclass(frozen=True, slots=True)
class DocxLimits:
    """What a DOCX may declare before we refuse to open it."""

    max_entries: int = 2000
    max_total_bytes: int = 200 * 1024 * 1024
    max_part_bytes: int = 100 * 1024 * 1024
    max_ratio: float = 200.0
    ratio_applies_above: int = 2 * 1024 * 1024


def open_docx(data: bytes, limits: DocxLimits | None = None) -> DocumentObject:
    """A python-docx Document for ``data``, or :class:`UnreadableDocument` saying why not."""
    limits = limits or DocxLimits()
    check_package(data, limits)
    try:
        return Document(io.BytesIO(data))
    except PackageNotFoundError as exc:
        raise UnreadableDocument("the file is not a Word document (.docx)") from exc
    except KeyError as exc:
        raise UnreadableDocument(f"the Word document is incomplete (missing {exc})") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnreadableDocument(f"the Word document is damaged ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"the Word document's XML is damaged ({exc})") from exc
    except ValueError as exc:
        # python-docx raises ValueError for a package whose main part is not a document
        raise UnreadableDocument(f"the file is not a Word document ({exc})") from exc


def check_package(data: bytes, limits: DocxLimits) -> None:
    """Refuse a ZIP that is encrypted, not a DOCX, or would expand beyond ``limits``."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise UnreadableDocument(
                "the file is an encrypted or old-format (.doc) Word document; "
                "please save it as .docx without a password"
            ) from exc
        raise UnreadableDocument("the file is not a Word document (.docx)") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise UnreadableDocument(
                f"the Word document has {len(entries)} parts (limit {limits.max_entries})"
            )
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names and "[Content_Types].xml" not in names:
            raise UnreadableDocument("the file is a ZIP archive, not a Word document")
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise UnreadableDocument("the Word document is encrypted")
            total += entry.file_size
            if entry.file_size > limits.max_part_bytes:
                raise UnreadableDocument(
                    f"the Word document's part {entry.filename} would expand to "
                    f"{entry.file_size:,} bytes (limit {limits.max_part_bytes:,})"
                )
            if (
                entry.file_size > limits.ratio_applies_above
                and entry.file_size > limits.max_ratio * max(entry.compress_size, 1)
            ):
                raise UnreadableDocument(
                    f"the Word document's part {entry.filename} is compressed "
                    f"{entry.file_size / max(entry.compress_size, 1):,.0f} times: a zip bomb"
                )
        if total > limits.max_total_bytes:
            raise UnreadableDocument(
                f"the Word document would expand to {total:,} bytes "
                f"(limit {limits.max_total_bytes:,})"
            )
