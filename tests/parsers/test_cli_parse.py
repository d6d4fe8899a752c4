"""``intake parse`` reads PDFs and mails carrying them, and says which kind of PDF it was."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fixtures.make_fixtures import build_mail


def _parse(*paths: Path) -> list[dict]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake",
            "parse",
            *map(str, paths),
            "--fund",
            "safer-in-kent",
            "--received",
            "2027-04-15T10:00:00+01:00",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_pdf_files_and_a_mail_with_a_fillable_pdf(corpus: Path, tmp_path: Path) -> None:
    printed = corpus / "pdf-text-table-complete-medway-youth-trust.pdf"
    fillable = (corpus / "pdf-form-complete-partnership.pdf").read_bytes()
    mail = tmp_path / "bid.eml"
    mail.write_bytes(
        build_mail(
            sender="Daniel Hughes <daniel@example.org>",
            to="safer-in-kent@bids.example.org",
            subject="Our bid",
            body="Attached.",
            date=datetime(2027, 4, 15, 9, tzinfo=UTC),
            message_id="<bid@example.org>",
            attachments=[("application form.pdf", fillable, "application/octet-stream")],
        )
    )
    first, second = _parse(printed, mail)
    assert (first["format"], first["status"]) == ("pdf", "complete")
    assert first["fields"]["organisation_name"] == "Medway Youth Trust"
    assert (second["file"], second["format"], second["status"]) == (
        "application form.pdf",
        "pdf-form",
        "complete",
    )
    assert second["sources"]["organisation_name"]["kind"] == "pdf-field"
