"""The variation corpus (``fixtures.variations``) through the reader and the checks.

Per half (``dev``: tuned on; ``sealed``: run only to report) and per shape:
fields right, statuses right, false "missing" (a ``missing`` problem for an
answer that is on the form: target 0) and the share of forms and of fields
flagged for an officer (``unsure`` problems and flagged answers).

The expected result of a form is what the checks make of its true answers,
so a status is right when the reader's answers lead to the same judgement.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from intake.config.load import load_config
from intake.rules.checks import judge, unreadable
from parsers import ParserError, parse_document
from parsers.model import Answer, Source

RECEIVED = datetime.fromisoformat("2027-04-15T10:00:00+01:00")


@dataclass
class Result:
    file: str
    half: str
    shape: str
    producer: str
    fields_right: int = 0
    fields_total: int = 0
    status_right: bool = False
    false_missing: list[str] = field(default_factory=list)
    flagged: int = 0
    unsure: int = 0
    seconds: float = 0.0
    wrong: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    status: tuple[str, str] = ("", "")
    error: str = ""


class _Judge:
    def __init__(self) -> None:
        from intake.reading.forms import form_spec

        config = load_config()
        self.fund = config.fund("safer-in-kent")
        self.form = config.form(self.fund.form)
        self.office = config.office(self.fund.office)
        self.spec = form_spec(config, self.form, self.fund)

    def __call__(self, answers: dict[str, Answer]) -> Any:
        return judge(
            form=self.form,
            fund=self.fund,
            office=self.office,
            answers=answers,
            received_at=RECEIVED,
        )


def evaluate(path: Path, entry: dict[str, Any], judging: _Judge) -> Result:
    truth: dict[str, Any] = entry["fields"]
    source = Source("paragraph", "truth")
    expected = judging(
        {key: Answer(key, str(value), value, source) for key, value in truth.items()}
    )
    result = Result(
        file=path.name, half=entry["half"], shape=entry["shape"], producer=entry["producer"]
    )
    started = time.perf_counter()
    try:
        parsed = parse_document(path.read_bytes(), judging.spec)
        got = judging(parsed.answers)
        result.flagged = sum(
            1 for key, a in parsed.answers.items() if a.flagged and a.placed and key in got.fields
        )
    except ParserError as exc:
        got = unreadable(str(exc))
        result.error = str(exc)
    result.seconds = time.perf_counter() - started
    want = expected.fields
    for key in sorted(set(got.fields) | set(want)):
        result.fields_total += 1
        if got.fields.get(key) == want.get(key):
            result.fields_right += 1
        else:
            result.wrong[key] = (got.fields.get(key), want.get(key))
    expected_missing = {p.field for p in expected.problems if p.code == "missing"}
    result.false_missing = [
        str(p.field)
        for p in got.problems
        if p.code == "missing" and p.field not in expected_missing
    ]
    result.unsure = sum(1 for p in got.problems if p.code == "unsure")
    result.status = (got.status, expected.status)
    result.status_right = got.status == expected.status
    return result


def run(folder: Path, halves: tuple[str, ...] = ("dev",), shape: str | None = None) -> list[Result]:
    from fixtures.variations import load

    judging = _Judge()
    results = []
    for entry in load(folder):
        if entry["half"] not in halves or (shape and not str(entry["shape"]).startswith(shape)):
            continue
        results.append(evaluate(folder / str(entry["file"]), entry, judging))
    return results


def report(results: list[Result], *, show: bool = False) -> str:
    lines = []
    for half in ("dev", "sealed"):
        mine = [r for r in results if r.half == half]
        if not mine:
            continue
        lines.append(f"\nvariation corpus, {half} half ({len(mine)} forms)")
        lines.append(
            f"{'shape':<24} {'docs':>4} {'fields':>13} {'field acc':>9} {'status':>8} "
            f"{'false missing':>13} {'unsure/doc':>10} {'flagged ans':>11} {'max s':>6}"
        )
        groups: dict[str, list[Result]] = defaultdict(list)
        for r in mine:
            groups[r.shape].append(r)
            groups[f"{r.producer} (all)"].append(r)
        digital = [r for r in mine if r.producer != "scan"]
        for name in sorted(groups):
            lines.append(_row(name, groups[name]))
        lines.append(_row("all digital", digital))
        lines.append(_row("all", mine))
    if show:
        # The sealed half is run only to report: its forms' failures are never printed,
        # so that nobody tunes the reader on them, even by accident.
        for r in results:
            if r.half == "sealed":
                continue
            if r.wrong or not r.status_right or r.false_missing:
                lines.append(
                    f"\n{r.file} [{r.half}]: status {r.status[0]} (want {r.status[1]})"
                    + (f" error {r.error}" if r.error else "")
                )
                if r.false_missing:
                    lines.append(f"  FALSE MISSING {r.false_missing}")
                for key, (got, want) in r.wrong.items():
                    lines.append(
                        f"  {key}: got {str(got)[:100]!r}\n  {' ' * len(key)}  want "
                        f"{str(want)[:100]!r}"
                    )
    return "\n".join(lines)


def _row(name: str, group: list[Result]) -> str:
    right = sum(r.fields_right for r in group)
    total = sum(r.fields_total for r in group)
    status = sum(r.status_right for r in group)
    false_missing = sum(len(r.false_missing) for r in group)
    unsure = sum(r.unsure for r in group)
    flagged = sum(r.flagged for r in group)
    return (
        f"{name:<24} {len(group):>4} {right:>6}/{total:<6} {100 * right / max(total, 1):>8.1f}% "
        f"{100 * status / max(len(group), 1):>7.1f}% {false_missing:>13} "
        f"{unsure / max(len(group), 1):>10.2f} {flagged:>11} "
        f"{max((r.seconds for r in group), default=0):>6.2f}"
    )
