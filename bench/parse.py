"""Parsing speed per shape on the corpus, side by side with the raw floor, in one run.

    python -m bench.parse [--repeat N] [--shape SHAPE]

For each document: the floor (PDF: PDFium opening the file and extracting each
page's text with pypdfium2; DOCX: python-docx's bare ``Document()``), then our
``parse_document``, and for PDFs with a text layer plain pdfplumber (words and
tables of every page: what reading a form with it would cost at the least).
Each is timed ``--repeat`` times (best of, after one warm-up run) in this
process on one core. Scans are timed once (OCR is slow and does not vary run to
run). Prints per shape: documents, pages, floor and parse milliseconds per
document, our ratio to the floor, seconds per page for OCR, and pdfplumber's
ratio to the floor.
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
import pdfplumber
import pypdfium2 as pdfium

from fixtures.corpus import CORPUS_DIR, load_manifest
from intake.config.load import load_config
from intake.reading.forms import form_spec
from parsers import parse_document
from parsers.labels import matcher_for


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


def plain_pdfplumber(data: bytes) -> None:
    """pdfplumber's words and tables of every page, as a form reader built on it would ask."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.find_tables()
            page.close()


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
    parser.add_argument(
        "--cold",
        action="store_true",
        help="empty the form's label matcher before every parse (nothing remembered from "
        "a document read before; by default repeats of a document find its lines judged)",
    )
    args = parser.parse_args(argv)
    config = load_config()
    fund = config.fund("safer-in-kent")
    spec = form_spec(config, config.form(fund.form), fund)
    rows: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
    plumber: dict[str, list[float]] = defaultdict(list)
    for expected in load_manifest(args.corpus):
        shape = str(expected["shape"])
        if args.shape and shape != args.shape:
            continue
        data = (args.corpus / str(expected["file"])).read_bytes()
        is_pdf = data.startswith(b"%PDF")
        pages = floor_pdf(data) if is_pdf else 1
        floor = best_of(lambda d=data, p=is_pdf: floor_pdf(d) if p else floor_docx(d), args.repeat)
        repeat = 1 if shape == "pdf-scan" else args.repeat

        def ours_once(d: bytes = data) -> None:
            if args.cold:
                matcher_for.cache_clear()
            parse_document(d, spec)

        ours = best_of(ours_once, repeat)
        rows[shape].append((pages, floor, ours))
        if is_pdf and shape != "pdf-scan":
            plumber[shape].append(best_of(lambda d=data: plain_pdfplumber(d), min(repeat, 2)))
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print(
        f"{'shape':<18} {'docs':>4} {'pages':>5} {'floor ms/doc':>12} {'parse ms/doc':>12} "
        f"{'ratio':>6} {'s/page':>7} {'pdfplumber':>10}"
    )
    for shape in sorted(rows):
        items = rows[shape]
        docs, pages = len(items), sum(p for p, _f, _o in items)
        floor = sum(f for _p, f, _o in items) / docs * 1000
        ours = sum(o for _p, _f, o in items) / docs * 1000
        per_page = sum(o for _p, _f, o in items) / max(pages, 1)
        plain = sum(plumber[shape]) / docs * 1000 / floor if plumber[shape] else None
        print(
            f"{shape:<18} {docs:>4} {pages:>5} {floor:>12.1f} {ours:>12.1f} "
            f"{ours / floor:>5.1f}x {per_page:>7.3f} "
            + (f"{plain:>9.1f}x" if plain is not None else f"{'—':>10}")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
