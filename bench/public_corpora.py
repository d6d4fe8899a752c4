"""The reader over other projects' test files: no crash, no file over 5 s, plain reasons.

    python -m bench.public_corpora FOLDER [FOLDER ...]

Every ``.docx``/``.docm``/``.dotx``/``.pdf`` under the folders is parsed against the
Kent form as ``intake parse`` would, each in a child process with a time limit so a
hang shows up as one. Prints per folder: files, read as a form / read but not the
form / refused (with the reason) / crashed (an exception that is not a
``ParserError``) / over 5 s of CPU; then the slowest files and every distinct reason.
A child that runs past 180 s of wall clock is stopped and counted apart.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import time
from collections import Counter
from pathlib import Path

SUFFIXES = {".docx", ".docm", ".dotx", ".pdf"}
LIMIT = 5.0
INTERNALS = re.compile(r"0x[0-9a-f]{6,}|<_io\.|Traceback|object at|There is no item named")


def _parse(path: str) -> tuple[str, str, float, str]:
    from bench.variations import _Judge
    from parsers import ParserError, parse_document

    spec = _Judge().spec
    data = Path(path).read_bytes()
    started = time.process_time()
    try:
        parsed = parse_document(data, spec)
        outcome = "form" if parsed.form_found else "not the form"
        detail = parsed.format
    except ParserError as exc:
        outcome, detail = "refused", str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is what we count
        outcome, detail = "crashed", f"{type(exc).__name__}: {exc}"[:200]
    # CPU time of the parse, on one core: on a shared machine the wall clock
    # measures the other work as much as ours.
    return path, outcome, time.process_time() - started, detail


def run(folders: list[Path]) -> str:
    files = sorted(
        str(p) for folder in folders for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES
    )
    results: list[tuple[str, str, float, str]] = []
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=50) as pool:
        for path in files:
            job = pool.apply_async(_parse, (path,))
            try:
                results.append(job.get(timeout=180))
            except multiprocessing.TimeoutError:
                results.append((path, "over 180 s", 180.0, ""))
                pool.terminate()
                pool = context.Pool(1, maxtasksperchild=50)
    lines = []
    by_folder: dict[str, list[tuple[str, str, float, str]]] = {}
    for result in results:
        folder = next(str(f) for f in folders if result[0].startswith(str(f)))
        by_folder.setdefault(folder, []).append(result)
    for folder, group in by_folder.items():
        counts = Counter(outcome for _p, outcome, _s, _d in group)
        slow = sum(1 for _p, _o, seconds, _d in group if seconds > LIMIT)
        lines.append(
            f"{Path(folder).name}: {len(group)} files; "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"; over {LIMIT:.0f} s: {slow}"
        )
    lines.append("\nslowest:")
    for path, outcome, seconds, _detail in sorted(results, key=lambda r: -r[2])[:8]:
        lines.append(f"  {seconds:6.2f} s  {outcome:<13} {Path(path).name}")
    reasons = Counter(
        re.sub(r"\d+", "N", detail) for _p, outcome, _s, detail in results if outcome == "refused"
    )
    lines.append("\nreasons given (refused):")
    for reason, count in reasons.most_common():
        flag = "  <-- internals" if INTERNALS.search(reason) else ""
        lines.append(f"  {count:3} x {reason[:150]}{flag}")
    crashes = [r for r in results if r[1] == "crashed"]
    if crashes:
        lines.append("\ncrashes:")
        lines.extend(f"  {Path(p).name}: {d}" for p, _o, _s, d in crashes)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    print(run(args.folders))
    return 0


if __name__ == "__main__":
    sys.exit(main())
