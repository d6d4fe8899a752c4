"""Parsing speed per shape on the corpus, side by side with the raw floor, in one run.

    python -m bench.parse [--repeat N] [--shape SHAPE]

For each document: the floor (PDF: PDFium opening the file and extracting each
page's text with pypdfium2; DOCX: python-docx's bare ``Document()``), then our
``parse_document``. Each is timed ``--repeat`` times (best of, after one warm-up
run) in this process on one core. Scans are timed once per page count (OCR is
slow and does not vary run to run). Prints per shape: documents, pages, floor
and parse milliseconds per document, the ratio, and seconds per page for OCR.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import docx
import pypdfium2 as pdfium

from fixtures.corpus import CORPUS_DIR, load_manifest
from intake.config.load import load_config
from intake.forms import form_spec
from parsers import parse_document


def floor_pdf(data: bytes) -> int:
    """PDFium's plain text extraction of every page: the least any PDF reader does."""
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
        return len(document)
    finally:
        document.close()


def floor_docx(data: bytes) -> int:
    """python-docx opening the package and parsing its XML, nothing more."""
    docx.Document(io.BytesIO(data))
    return 1


def best_of(function: Callable[[], object], repeat: int) -> float:
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--shape")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    args = parser.parse_args(argv)
    config = load_config()
    fund = config.fund("safer-in-kent")
    spec = form_spec(config, config.form(fund.form), fund)
    rows: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    for expected in load_manifest(args.corpus):
        shape = str(expected["shape"])
        if args.shape and shape != args.shape:
            continue
        data = (args.corpus / str(expected["file"])).read_bytes()
        is_pdf = data.startswith(b"%PDF")
        pages = floor_pdf(data) if is_pdf else 1
        floor = best_of(lambda d=data, p=is_pdf: floor_pdf(d) if p else floor_docx(d), args.repeat)
        repeat = 1 if shape == "pdf-scan" else args.repeat
        ours = best_of(lambda d=data: parse_document(d, spec), repeat)
        rows[shape].append((pages, floor, ours))
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(
        f"{'shape':<18} {'docs':>4} {'pages':>5} {'floor ms/doc':>12} {'parse ms/doc':>12} "
        f"{'ratio':>6} {'s/page':>7}"
    )
    for shape in sorted(rows):
        items = rows[shape]
        docs, pages = len(items), sum(p for p, _f, _o in items)
        floor = sum(f for _p, f, _o in items) / docs * 1000
        ours = sum(o for _p, _f, o in items) / docs * 1000
        per_page = sum(o for _p, _f, o in items) / max(pages, 1)
        print(
            f"{shape:<18} {docs:>4} {pages:>5} {floor:>12.1f} {ours:>12.1f} "
            f"{ours / floor:>5.1f}x {per_page:>7.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
