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
import posixpath
import re
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


@dataclass(frozen=True, slots=True)
class DocxParts:
    """What the reader reads of a Word package: the body, and the headers and footers
    of every section (default and first-page headers, default footers) in order."""

    body: etree._Element
    margins: tuple[etree._Element, ...]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# As python-docx parses: blank text between elements dropped, no entities, no network.
_PARSER = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)


def read_docx(data: bytes, limits: DocxLimits | None = None) -> DocxParts:
    """The parts of ``data`` the reader needs, or :class:`UnreadableDocument` saying why not.

    Only the main part and its section headers and footers are parsed: python-docx's
    ``Document()`` parses every XML part of the package (styles, numbering, settings,
    theme, fonts), which the reader never looks at and which cost as much as the
    reading itself. A package this short path cannot follow (no officeDocument
    relationship, a main part that is not a document, a header part missing) is
    opened by :func:`open_docx` instead, which repairs what it can and words the
    reason for what it cannot.
    """
    limits = limits or DocxLimits()
    check_package(data, limits)
    try:
        parts = _main_parts(data)
    except (KeyError, ValueError, zipfile.BadZipFile, EOFError, etree.XMLSyntaxError):
        parts = None
    if parts is not None:
        return parts
    document = open_docx(data, limits)
    margins: list[etree._Element] = []
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header):
            if not part.is_linked_to_previous:
                margins.append(part._element)
    return DocxParts(document.element.body, tuple(margins))


def _main_parts(data: bytes) -> DocxParts | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        main = _target(archive, "_rels/.rels", "", lambda kind: kind.endswith("/officeDocument"))
        if main is None:
            return None
        root = _parse(archive.read(main))
        body = root.find(_W + "body")
        if root.tag != _W + "document" or body is None:
            return None
        folder, name = posixpath.split(main)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        targets = _targets(archive, rels, folder) if rels in archive.NameToInfo else {}
        margins: list[etree._Element] = []
        for sect in root.xpath("./w:body/w:p/w:pPr/w:sectPr | ./w:body/w:sectPr", namespaces=_NS):
            for tag, kind in (("header", "default"), ("footer", "default"), ("header", "first")):
                reference = next(
                    (
                        r
                        for r in sect.findall(f"{_W}{tag}Reference")
                        if r.get(_W + "type", "default") == kind
                    ),
                    None,
                )
                if reference is not None:
                    margins.append(_parse(archive.read(targets[reference.get(_R_ID, "")])))
        return DocxParts(body, tuple(margins))


_NS = {"w": _W[1:-1]}


def _parse(content: bytes) -> etree._Element:
    if b"purl.oclc.org/ooxml" in content:
        for strict, transitional in _STRICT:
            content = content.replace(strict, transitional)
    return etree.fromstring(content, _PARSER)


def _targets(archive: zipfile.ZipFile, rels: str, folder: str) -> dict[str, str]:
    """A .rels part's internal relationships: id -> part name in the package."""
    out = {}
    for relationship in _parse(archive.read(rels)).iter(_PACKAGE_RELS + "Relationship"):
        if relationship.get("TargetMode") == "External":
            continue
        target = relationship.get("Target", "")
        out[relationship.get("Id", "")] = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
    return out


def _target(archive: zipfile.ZipFile, rels: str, folder: str, wanted) -> str | None:  # type: ignore[no-untyped-def]
    for relationship in _parse(archive.read(rels)).iter(_PACKAGE_RELS + "Relationship"):
        if wanted(relationship.get("Type", "")) and relationship.get("TargetMode") != "External":
            target = relationship.get("Target", "")
            return (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
    return None


def open_docx(data: bytes, limits: DocxLimits | None = None) -> DocumentObject:
    """A python-docx Document for ``data``, or :class:`UnreadableDocument` saying why not.

    Word files as real producers write them are opened too: a main part named
    ``word/document2.xml`` (Word for the web), macro-enabled documents (.docm)
    and templates (.dotx), a relationship to a picture whose part is missing,
    and Strict Open XML. python-docx refuses some of these; the package is
    then repaired in memory (:func:`repair_package`) and opened again. Reasons
    are plain words, never a library's internals.
    """
    limits = limits or DocxLimits()
    check_package(data, limits)
    try:
        return Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError):
        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnreadableDocument(
            "the Word document is damaged (its ZIP archive is broken)"
        ) from exc
    try:
        repaired = repair_package(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError) as exc:
        raise UnreadableDocument(
            "the Word document is damaged (its ZIP archive is broken)"
        ) from exc
    try:
        return Document(io.BytesIO(repaired))
    except PackageNotFoundError as exc:
        raise UnreadableDocument("the file is not a Word document (.docx)") from exc
    except KeyError as exc:
        raise UnreadableDocument(
            "the Word document is incomplete (a part it refers to is missing)"
        ) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UnreadableDocument(
            "the Word document is damaged (its ZIP archive is broken)"
        ) from exc
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument("the Word document's text is damaged (broken XML)") from exc
    except ValueError as exc:
        # python-docx raises ValueError for a package whose main part is not a document
        raise UnreadableDocument("the file is a ZIP package but not a Word document") from exc


_MAIN_TYPES = (
    b"application/vnd.ms-word.document.macroEnabled.main+xml",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
)
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_STRICT = (
    (
        b"http://purl.oclc.org/ooxml/wordprocessingml/main",
        b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/main",
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing",
        b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/picture",
        b"http://schemas.openxmlformats.org/drawingml/2006/picture",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/sharedTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/math",
        b"http://schemas.openxmlformats.org/officeDocument/2006/math",
    ),
)
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*?/>", re.S)
_TARGET = re.compile(rb'Target="([^"]*)"')


def repair_package(data: bytes) -> bytes:
    """The package with what python-docx refuses put right, nothing else changed.

    Macro-enabled and template main parts are declared as a document's;
    Strict Open XML namespaces become their transitional twins; relationships
    to parts that are not in the package (a picture Word could not save) are
    dropped. The limits of :func:`check_package` have been checked already.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    names = set(source.namelist())
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            name = item.filename
            if name == "[Content_Types].xml":
                for main in _MAIN_TYPES:
                    content = content.replace(main, _DOCX_MAIN)
            if name.endswith((".xml", ".rels")) and b"purl.oclc.org/ooxml" in content:
                for strict, transitional in _STRICT:
                    content = content.replace(strict, transitional)
            if name.endswith(".rels"):
                content = _drop_dangling(content, name, names)
            target.writestr(item.filename, content)
    return out.getvalue()


def _drop_dangling(content: bytes, rels_name: str, names: set[str]) -> bytes:
    """A .rels part without the internal relationships whose target part is absent."""
    folder = posixpath.dirname(posixpath.dirname(rels_name))  # word/_rels/x.rels -> word

    def keep(match: re.Match[bytes]) -> bytes:
        element = match.group()
        if b'TargetMode="External"' in element:
            return element
        found = _TARGET.search(element)
        if found is None:
            return element
        target = found.group(1).decode("utf-8", "replace")
        path = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join(folder, target))
        )
        return element if path in names else b""

    return _RELATIONSHIP.sub(keep, content)


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
        if data[:2] == b"PK":
            # A ZIP's start but not a whole ZIP: cut short in sending, or damaged.
            raise UnreadableDocument(
                "the Word document is damaged (its ZIP archive is broken or cut short)"
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
