"""The service's own process loads no document reader, image or spreadsheet library.

``intake serve`` stores bids, posts cards and sends mail; its parsing workers
read the documents. numpy, PIL, openpyxl, lxml and python-docx came into the
service's process through imports it never used in a burst (the Slack export
command, the CLI's export module, the mail reader's HTML), and were a third of
its memory: 127 MB at start with them, 100 MB without (issue 24). A fresh
interpreter importing what ``python -m intake serve`` imports shows what the
service carries.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "docx",
    "html_text",
    "lxml",
    "numpy",
    "openpyxl",
    "pdfminer",
    "PIL",
    "pypdfium2",
    "tesserocr",
    "xlsxwriter",
)


def _loaded(*modules: str) -> list[str]:
    code = f"import sys, {', '.join(modules)}; print('\\n'.join(sorted(sys.modules)))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()


def test_the_service_process_loads_no_reader_image_or_spreadsheet_library() -> None:
    loaded = _loaded("intake.cli", "intake.service")
    assert "intake.service" in loaded
    assert "intake.slack.listeners.exports" in loaded  # the export command is there
    heavy = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert heavy == []


def test_the_workbook_writer_still_has_xlsxwriter() -> None:
    # The export loads it when it makes a workbook (a guard that the list above is
    # looking at real module names).
    assert "xlsxwriter" in _loaded("intake.bids.export_xlsx")
