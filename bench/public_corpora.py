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
from collections.abc import Callable
from pathlib import Path

SUFFIXES = {".docx", ".docm", ".dotx", ".pdf"}
LIMIT = 5.0
INTERNALS = re.compile(r"0x[0-9a-f]{6,}|<_io\.|Traceback|object at|There is no item named")


Result = tuple[str, str, float, str]
"""A file's path, its outcome, the CPU seconds it took and the detail (a reason, a format)."""


def _parse(path: str) -> Result:
    from bench.variations import _Judge
    from parsers import ParserError, parse_document

    spec = _Judge().spec
    data = Path(path).read_bytes()
    started = time.process_time()
    try:
        parsed = parse_document(data, spec)
        outcome = "form" if parsed.form_found else "not the form"
        detail: str = parsed.format
    except ParserError as exc:
        outcome, detail = "refused", str(exc)
    except Exception as exc:  # noqa: BLE001 - a crash is what we count
        outcome, detail = "crashed", f"{type(exc).__name__}: {exc}"[:200]
    # CPU time of the parse, on one core: on a shared machine the wall clock
    # measures the other work as much as ours.
    return path, outcome, time.process_time() - started, detail


def in_children(task: Callable[[str], Result], files: list[str]) -> list[Result]:
    """``task`` on each file, one at a time in a child process; a child past 180 s of
    wall clock is stopped (a hang is counted, not waited for)."""
    results: list[Result] = []
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(1, maxtasksperchild=50)
    try:
        for path in files:
            job = pool.apply_async(task, (path,))
            try:
                results.append(job.get(timeout=180))
            except multiprocessing.TimeoutError:
                results.append((path, "over 180 s", 180.0, ""))
                pool.terminate()
                pool = context.Pool(1, maxtasksperchild=50)
    finally:
        pool.terminate()
    return results


def report(
    folders: list[Path],
    results: list[Result],
    details: Path | None = None,
    refused: str = "refused",
) -> str:
    """Counts per folder, the slowest files, every distinct reason (outcome ``refused``)
    and every crash; with ``details``, one tab-separated line a file written there."""
    if details is not None:
        details.write_text(
            "".join(f"{s:.2f}\t{o}\t{p}\t{d}\n" for p, o, s, d in results), encoding="utf-8"
        )
    lines = []
    by_folder: dict[str, list[Result]] = {}
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
        re.sub(r"\d+", "N", detail) for _p, outcome, _s, detail in results if outcome == refused
    )
    lines.append(f"\nreasons given ({refused}):")
    for reason, count in reasons.most_common():
        flag = "  <-- internals" if INTERNALS.search(reason) else ""
        lines.append(f"  {count:3} x {reason[:150]}{flag}")
    crashes = [r for r in results if r[1] == "crashed"]
    if crashes:
        lines.append("\ncrashes:")
        lines.extend(f"  {Path(p).name}: {d}" for p, _o, _s, d in crashes)
    return "\n".join(lines)


def run(folders: list[Path], details: Path | None = None) -> str:
    files = sorted(
        str(p) for folder in folders for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES
    )
    return report(folders, in_children(_parse, files), details)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--details", type=Path, help="write one tab-separated line a file here")
    args = parser.parse_args(argv)
    print(run(args.folders, args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
