"""Field-level and status-level accuracy of the parsers on the corpus, per shape.

    python -m bench.accuracy [--shape SHAPE] [--show] [--rescan N]
                             [--variations dev|sealed|both|none] [--folder FOLDER]

With ``--variations`` (default ``dev``) it also reports the variation corpus
(``python -m fixtures.variations`` makes it under ``var/variations``; see
:mod:`bench.variations`): its development half, or the sealed half, which is
run only to report, never to tune.

Each corpus document is parsed as ``intake parse`` would (``parse_document``, then
the checks of the Safer in Kent Fund at the document's ``received`` time) and
compared with its expected JSON. A field is right when its value is exactly the
expected one; every expected field and every field read that should not be
there counts. The status and the set of ``(field, code)`` problems are compared
per document. ``near`` also counts long text answers at least 98% similar to the
expected text (an OCR slip of a character or two), for scans; ``field acc`` is
the exact measure the targets are set on.

``--rescan N`` also scans every printed (``pdf-text``) form N more times with
seeds the corpus never used, as shape ``pdf-rescan``: scans the OCR code was
not tuned on, to tell a general improvement from one that fits six files.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from fixtures.corpus import CORPUS_DIR, load_manifest
from intake.config.load import load_config
from intake.reading.forms import form_spec
from intake.rules.checks import judge, unreadable
from parsers import ParserError, parse_document


@dataclass
class Outcome:
    """How one document came out against its expected JSON."""

    file: str
    shape: str
    fields_right: int = 0
    fields_near: int = 0
    fields_total: int = 0
    status_right: bool = False
    problems_right: bool = False
    format_right: bool = False
    wrong: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    problems: tuple[list[Any], list[Any]] = ([], [])
    status: tuple[str, str] = ("", "")
    wrong_flagged: int = 0
    """Wrong answers the parser flagged for an officer to check."""
    right_flagged: int = 0
    """Right answers flagged anyway (each one an officer checks for nothing)."""


def evaluate(path: Path, expected: dict[str, Any], data: bytes | None = None) -> Outcome:
    """Parse and judge one document (``data``, else the file) and compare it with ``expected``."""
    config = load_config()
    fund = config.fund(str(expected["fund"]))
    form = config.form(fund.form)
    office = config.office(fund.office)
    spec = form_spec(config, form, fund)
    received = datetime.fromisoformat(str(expected["received"]))
    fmt = None
    flagged: set[str] = set()
    try:
        parsed = parse_document(path.read_bytes() if data is None else data, spec)
        fmt = parsed.format
        flagged = {field for field, answer in parsed.answers.items() if answer.flagged}
        judgement = judge(
            form=form, fund=fund, office=office, answers=parsed.answers, received_at=received
        )
    except ParserError as exc:
        judgement = unreadable(str(exc))
    got, want = judgement.fields, expected["fields"]
    outcome = Outcome(file=path.name, shape=str(expected["shape"]))
    for key in sorted(set(got) | set(want)):
        outcome.fields_total += 1
        if _same(got.get(key), want.get(key)):
            outcome.fields_right += 1
            outcome.fields_near += 1
            outcome.right_flagged += key in flagged
        else:
            outcome.wrong_flagged += key in flagged
            outcome.wrong[key] = (got.get(key), want.get(key))
            if _near(got.get(key), want.get(key)):
                outcome.fields_near += 1
    got_problems = sorted({(p.field or "", p.code) for p in judgement.problems})
    want_problems = sorted({(p["field"] or "", p["code"]) for p in expected["problems"]})
    outcome.problems = (got_problems, want_problems)
    outcome.problems_right = got_problems == want_problems
    outcome.status = (judgement.status, str(expected["status"]))
    outcome.status_right = judgement.status == expected["status"]
    outcome.format_right = fmt == expected["format"]
    return outcome


def _same(got: Any, want: Any) -> bool:
    """The expected value, text compared with white space collapsed.

    This corpus's expected JSON predates kept line breaks (issue 17): its text
    answers are on one line. The variation corpus compares line breaks exactly.
    """
    if isinstance(got, str) and isinstance(want, str):
        return " ".join(got.split()) == " ".join(want.split())
    return bool(got == want)


def _near(got: Any, want: Any) -> bool:
    """A long text answer off by a character or two (OCR's "Gillmgham" for "Gillingham")."""
    if not (isinstance(got, str) and isinstance(want, str)) or len(want) < 40:
        return False
    return SequenceMatcher(None, got, want).ratio() >= 0.98


def run(folder: Path = CORPUS_DIR, shape: str | None = None, rescan: int = 0) -> list[Outcome]:
    """Every corpus document's outcome (of one shape, if given), and ``rescan``
    fresh scans of each printed form."""
    outcomes = []
    for expected in load_manifest(folder):
        if shape in (None, expected["shape"]):
            outcomes.append(evaluate(folder / str(expected["file"]), expected))
        if expected["shape"] == "pdf-text" and shape in (None, "pdf-rescan"):
            outcomes.extend(_rescans(folder / str(expected["file"]), expected, rescan))
    return outcomes


def _rescans(path: Path, expected: dict[str, Any], count: int) -> list[Outcome]:
    from fixtures.corpus_pdf import scan

    scanned = {**expected, "shape": "pdf-rescan", "format": "pdf-ocr"}
    outcomes = []
    for seed in range(1000, 1000 + count):
        data = scan(path.read_bytes(), seed=seed)
        outcome = evaluate(path, scanned, data)
        outcome.file = f"{path.name} (scanned, seed {seed})"
        outcomes.append(outcome)
    return outcomes


def report(outcomes: list[Outcome], *, show: bool = False) -> str:
    """A table of accuracy per shape, and the differences when ``show``."""
    by_shape: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_shape[outcome.shape].append(outcome)
    lines = [
        f"{'shape':<18} {'docs':>4} {'fields':>14} {'field acc':>9} {'status':>9} "
        f"{'problems':>9} {'format':>7} {'near':>7}"
    ]

    def row(name: str, group: list[Outcome]) -> str:
        right = sum(o.fields_right for o in group)
        total = sum(o.fields_total for o in group)
        status = sum(o.status_right for o in group)
        problems = sum(o.problems_right for o in group)
        formats = sum(o.format_right for o in group)
        return (
            f"{name:<18} {len(group):>4} {right:>6}/{total:<7} "
            f"{100 * right / max(total, 1):>8.1f}% "
            f"{100 * status / len(group):>8.1f}% {100 * problems / len(group):>8.1f}% "
            f"{formats:>3}/{len(group):<3} "
            f"{100 * sum(o.fields_near for o in group) / max(total, 1):>6.1f}%"
        )

    for name in sorted(by_shape):
        lines.append(row(name, by_shape[name]))
    digital = [o for o in outcomes if o.shape not in ("pdf-scan", "pdf-rescan")]
    if digital and len(digital) != len(outcomes):
        lines.append(row("all digital", digital))
    lines.append(row("all", outcomes))
    for name in sorted(by_shape):
        group = by_shape[name]
        wrong = sum(o.fields_total - o.fields_right for o in group)
        if name.startswith("pdf-") and ("scan" in name or wrong):
            right = sum(o.fields_right for o in group)
            caught = sum(o.wrong_flagged for o in group)
            needless = sum(o.right_flagged for o in group)
            lines.append(
                f"{name}: flagged for checking {caught} of {wrong} wrong answers, "
                f"{needless} of {right} right ones"
            )
    if show:
        for outcome in outcomes:
            if outcome.wrong or not outcome.status_right or not outcome.problems_right:
                lines.append(
                    f"\n{outcome.file}: status {outcome.status[0]} (want {outcome.status[1]})"
                )
                for key, (got, want) in outcome.wrong.items():
                    shown_got, shown_want = _around_difference(str(got), str(want))
                    lines.append(
                        f"  {key}: got {shown_got!r}\n  {' ' * len(key)}  want {shown_want!r}"
                    )
                if not outcome.problems_right:
                    lines.append(
                        f"  problems {outcome.problems[0]}\n      want {outcome.problems[1]}"
                    )
    return "\n".join(lines)


def _around_difference(got: str, want: str, width: int = 100) -> tuple[str, str]:
    """Both strings cut to ``width`` characters around where they first differ."""
    first = next(
        (i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
        min(len(got), len(want)),
    )
    start = max(0, first - width // 3)
    prefix = "…" if start else ""
    return prefix + got[start : start + width], prefix + want[start : start + width]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shape", help="only documents of this shape")
    parser.add_argument("--show", action="store_true", help="print every difference")
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument(
        "--rescan", type=int, default=0, metavar="N", help="N fresh scans of each printed form"
    )
    parser.add_argument(
        "--variations",
        choices=("dev", "sealed", "both", "none"),
        default="dev",
        help="which half of the variation corpus to report (sealed: only to report)",
    )
    parser.add_argument("--only-variations", action="store_true", help="skip the fixed corpus")
    parser.add_argument(
        "--folder",
        type=Path,
        help="the variation corpus's folder (default var/variations; another one made by "
        "python -m fixtures.variations --out FOLDER, e.g. more development seeds)",
    )
    args = parser.parse_args(argv)
    if not args.only_variations:
        print(report(run(args.corpus, args.shape, args.rescan), show=args.show))
    if args.variations != "none":
        from bench import variations
        from fixtures.variations import OUT

        folder = args.folder or OUT
        if not (folder / "manifest.json").exists():
            print(f"\nno variation corpus in {folder}: make it with python -m fixtures.variations")
            return 0
        halves = ("dev", "sealed") if args.variations == "both" else (args.variations,)
        shape = args.shape if args.only_variations else None
        print(variations.report(variations.run(folder, halves, shape), show=args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
