"""Hostile and broken files end as UnreadableDocument with a reason, quickly."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from fixtures.make_fixtures import MEDWAY
from parsers import FormSpec, UnreadableDocument, parse_document
from parsers.pdf import PdfLimits, parse_pdf

_DOCX = MEDWAY.docx()


def _docx_with(part: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        with zipfile.ZipFile(io.BytesIO(_DOCX)) as source:
            for name in source.namelist():
                target.writestr(name, content if name == part else source.read(name))
        if part not in zipfile.ZipFile(io.BytesIO(_DOCX)).namelist():
            target.writestr(part, content)
    return out.getvalue()


def _reason(data: bytes, form: FormSpec) -> str:
    started = time.monotonic()
    with pytest.raises(UnreadableDocument) as caught:
        parse_document(data, form)
    assert time.monotonic() - started < 5
    return caught.value.reason


def test_a_zip_bomb_is_refused_before_decompressing(kent: FormSpec) -> None:
    bomb = _docx_with("word/media/image1.bin", b"\0" * (20 * 1024 * 1024))
    assert len(bomb) < 200_000
    assert "zip bomb" in _reason(bomb, kent)


def test_entity_expansion_is_refused(kent: FormSpec) -> None:
    entities = "".join(
        f'<!ENTITY e{i} "{"".join(f"&e{i - 1};" for _ in range(10)) if i else "xxxxxxxxxx"}">'
        for i in range(9)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Name of Organisation: &e8;</w:t></w:r></w:p></w:body></w:document>"
    )
    assert "XML" in _reason(_docx_with("word/document.xml", xml.encode()), kent)


def test_an_external_entity_is_never_read(kent: FormSpec, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Name of Organisation: &x;</w:t></w:r></w:p></w:body></w:document>"
    )
    try:
        parsed = parse_document(_docx_with("word/document.xml", xml.encode()), kent)
    except UnreadableDocument:
        return
    assert all("SECRET" not in str(a.raw) for a in parsed.answers.values())


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n" + bytes(range(256)) * 64, "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a Word (.docx) or PDF"),
        (b"Dear team, please find our bid attached.", "not a Word (.docx) or PDF"),
        (b"", "not a Word (.docx) or PDF"),
        (b"PK\x03\x04" + b"\0" * 64, "Word document is damaged"),
        (_DOCX[: len(_DOCX) // 2], "Word document is damaged"),
    ],
    ids=[
        "garbage PDF",
        "image named .docx",
        "text named .pdf",
        "empty file",
        "broken ZIP",
        "Word file cut short",
    ],
)
def test_files_that_are_not_what_they_claim(kent: FormSpec, data: bytes, reason: str) -> None:
    assert reason in _reason(data, kent)


def test_a_truncated_pdf(kent: FormSpec, corpus: Path) -> None:
    data = (corpus / "pdf-text-table-complete-medway-youth-trust.pdf").read_bytes()
    try:
        parsed = parse_document(data[: len(data) // 3], kent)
    except UnreadableDocument as exc:
        assert "PDF" in exc.reason
    else:  # PDFium may rebuild what it can; then nothing is invented
        assert parsed.format == "pdf"


def test_a_password_protected_pdf(kent: FormSpec) -> None:
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    buffer = io.BytesIO()
    pdf = reportlab.Canvas(buffer, encrypt="secret")
    pdf.drawString(100, 700, "Name of Organisation: Medway Youth Trust")
    pdf.save()
    assert "password" in _reason(buffer.getvalue(), kent)


def test_a_2000_page_pdf_is_read_up_to_the_page_limit_and_says_so(kent: FormSpec) -> None:
    document = pdfium.PdfDocument.new()
    for _ in range(2000):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    started = time.monotonic()
    parsed = parse_pdf(buffer.getvalue(), kent, limits=PdfLimits(max_pages=40))
    assert time.monotonic() - started < 5
    assert parsed.pages == 2000
    assert parsed.warnings == ["only the first 40 of 2000 pages were read (a form has fewer)"]
    assert not parsed.form_found


def test_a_pdf_too_big_for_any_form_is_refused(kent: FormSpec) -> None:
    with pytest.raises(UnreadableDocument, match="no form is that big"):
        parse_pdf(b"%PDF-1.7\n" + b"0" * 2048, kent, limits=PdfLimits(max_bytes=1024))


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_a_document_breaking_its_format_rules_is_unreadable_not_a_crash(kent: FormSpec) -> None:
    xml = (
        f"<w:document {_W}><w:body><w:tbl><w:tr><w:tc><w:tcPr>"
        '<w:gridSpan w:val="abc"/></w:tcPr><w:p/></w:tc></w:tr></w:tbl></w:body></w:document>'
    )
    assert "malformed" in _reason(_docx_with("word/document.xml", xml.encode()), kent)


def test_tables_nested_thousands_deep_are_refused(kent: FormSpec) -> None:
    depth = 3000
    xml = (
        f"<w:document {_W}><w:body>"
        + "<w:tbl><w:tr><w:tc>" * depth
        + "<w:p/>"
        + "</w:tc></w:tr></w:tbl>" * depth
        + "</w:body></w:document>"
    )
    assert "Word document" in _reason(_docx_with("word/document.xml", xml.encode()), kent)


def test_a_scan_on_a_page_200_inches_square_is_not_rendered(kent: FormSpec) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (400, 400), 128).save(buffer, "PDF", resolution=2)
    assert "too large" in _reason(buffer.getvalue(), kent)


def _doubling_field_tree(levels: int) -> bytes:
    """A fillable PDF whose field tree names each child twice: 2^levels widgets."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Fields [5 0 R] /NeedAppearances true >>",
    ]
    for number in range(5, 5 + levels):
        objects.append(
            b"<< /Kids [%d 0 R %d 0 R] /Parent %d 0 R >>" % (number + 1, number + 1, number - 1)
        )
    objects.append(b"<< /FT /Tx /T (x) /Parent %d 0 R /Rect [0 0 10 10] /P 3 0 R >>" % (4 + levels))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_a_field_tree_that_doubles_at_every_level_is_refused_at_once(kent: FormSpec) -> None:
    # PDFium's form environment would walk 2^40 paths, in C, beyond any time limit.
    started = time.perf_counter()
    assert "damaged" in _reason(_doubling_field_tree(40), kent)
    assert time.perf_counter() - started < 5
