"""CPU seconds per scanned page, by the scan's resolution, on the variation corpus's scans.

    OMP_THREAD_LIMIT=1 python -m bench.ocr_speed [--folder var/variations] [--half dev]
        [--limit N] [--words FILE]

Each scanned page of the chosen half's scans is read as the parser reads it
(``scan_dpi`` then ``ocr_page``: render, straighten, rulings, tick boxes, dust,
tesseract, layout segments), one page at a time in this process on one core,
and timed with ``time.process_time`` (CPU, not wall time: the machine is
shared). tesseract's model is loaded before the first page is timed, as in a
worker that has read a scan before. Prints per resolution the pages and CPU
seconds per page, and the share tesseract took (its calls timed apart).

``--words FILE`` writes every page's segments (text and box, rounded) as JSON,
so that two versions of the reader can be compared word for word.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import pypdfium2 as pdfium

from parsers.pdf import tesseract
from parsers.pdf.ocr import ocr_page, scan_dpi


def scans(folder: Path, half: str) -> list[Path]:
    """The scans of ``half`` in the folder's manifest, in seed order."""
    manifest = json.loads((folder / "manifest.json").read_text())
    return [
        folder / entry["file"]
        for entry in manifest
        if entry["producer"] == "scan" and (half == "both" or entry["half"] == half)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=Path("var/variations"))
    parser.add_argument("--half", choices=("dev", "sealed", "both"), default="dev")
    parser.add_argument("--limit", type=int, default=0, help="only the first N scans")
    parser.add_argument("--words", type=Path, help="write each page's segments here (JSON)")
    args = parser.parse_args(argv)

    files = scans(args.folder, args.half)
    if args.limit:
        files = files[: args.limit]
    tesseract.require_engine()

    # tesseract's share: its one entry point timed apart, around the real call.
    engine = tesseract._engine()
    real_words = engine.words
    in_tesseract = [0.0]

    def timed_words(*a: object, **k: object) -> list[tesseract.Word]:
        started = time.process_time()
        try:
            return real_words(*a, **k)  # type: ignore[arg-type]
        finally:
            in_tesseract[0] += time.process_time() - started

    engine.words = timed_words  # type: ignore[method-assign]

    seconds: dict[int, list[float]] = defaultdict(list)
    ocr_seconds: dict[int, float] = defaultdict(float)
    dump: dict[str, list[list[object]]] = {}
    for path in files:
        document = pdfium.PdfDocument(path.read_bytes())
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    before, in_tesseract[0] = time.process_time(), 0.0
                    dpi = scan_dpi(page)
                    read = ocr_page(page, index + 1, dpi=dpi)
                    seconds[dpi].append(time.process_time() - before)
                    ocr_seconds[dpi] += in_tesseract[0]
                finally:
                    page.close()
                dump[f"{path.name}#{index + 1}"] = [
                    [s.text, s.tick, round(s.x0), round(s.y0), round(s.x1), round(s.y1)]
                    for s in read.segments
                ]
        finally:
            document.close()

    print(f"{len(files)} scans of {args.folder} ({args.half}), python {sys.version.split()[0]}")
    print("| dpi | pages | CPU s/page | tesseract s/page | rest s/page |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    total = [t for times in seconds.values() for t in times]
    for dpi in sorted(seconds):
        times = seconds[dpi]
        mean = sum(times) / len(times)
        ocr = ocr_seconds[dpi] / len(times)
        print(f"| {dpi} | {len(times)} | {mean:.3f} | {ocr:.3f} | {mean - ocr:.3f} |")
    if total:
        ocr_all = sum(ocr_seconds.values()) / len(total)
        mean_all = sum(total) / len(total)
        rest = mean_all - ocr_all
        print(f"| all | {len(total)} | **{mean_all:.3f}** | {ocr_all:.3f} | {rest:.3f} |")
    if args.words:
        args.words.write_text(json.dumps(dump, indent=0, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
