"""Word files as real producers write them are read as Word (issue #17, class 6)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from fixtures.variations import word_save
from parsers import FormSpec, UnreadableDocument, parse_document
from tests.parsers.test_real_forms import kent_grid


def _strict(data: bytes) -> bytes:
    """The package as Word's "Strict Open XML Document" saves it: other namespaces."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            content = content.replace(
                b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                b"http://purl.oclc.org/ooxml/wordprocessingml/main",
            ).replace(
                b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                b"http://purl.oclc.org/ooxml/officeDocument/relationships",
            )
            target.writestr(item, content)
    return out.getvalue()


@pytest.mark.parametrize("how", ["document2", "docm", "dotx", "missing-picture", "strict"])
def test_word_files_of_every_producer_are_read(how: str, kent: FormSpec) -> None:
    data = kent_grid()
    data = _strict(data) if how == "strict" else word_save(data, how)

    parsed = parse_document(data, kent)

    assert parsed.format == "docx"
    assert parsed.answers["organisation_name"].value == "Medway Youth Trust"
    assert parsed.answers["organisation_type"].value == "registered_charity"


def test_a_broken_word_file_is_explained_without_library_internals(kent: FormSpec) -> None:
    data = kent_grid()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))

    with pytest.raises(UnreadableDocument) as raised:
        parse_document(out.getvalue(), kent)

    reason = raised.value.reason
    assert not re.search(r"0x[0-9a-f]+|BytesIO|KeyError|There is no item", reason), reason
