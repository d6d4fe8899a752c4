"""Draw :mod:`bench.growth`'s figures against the number of bids stored.

    python -m bench.growth_chart after.json [--before before.json] [-o docs/growth.png]
    python -m bench.growth_chart after.json [--before before.json] --table sqlite

One panel per figure (p99 and median for timed ones), log-scaled bids on the x
axis; with ``--before`` the p99s of the code before the fixes are drawn dashed.
Needs matplotlib (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

Series = dict[tuple[str, str], list[tuple[int, float]]]


def series(path: Path, statistic: str = "p99") -> Series:
    """(backend, figure) → [(bids, value)]: one ``statistic`` of the timed figures
    (``p99`` or ``median``), and the plain ones."""
    other = "median" if statistic == "p99" else "p99"
    found: Series = defaultdict(list)
    for row in json.loads(path.read_text()):
        name = str(row["figure"])
        if name.endswith(f"{other} ms") or name.startswith("fill") or row["bids"] == 0:
            continue
        found[(row["backend"], name.removesuffix(f" {statistic} ms"))].append(
            (int(row["bids"]), float(row["value"]))
        )
    return found


def draw(after: Series, before: Series, out: Path, medians: Series | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: a file
    import matplotlib.pyplot as plt

    figures = sorted({name for _, name in after})
    columns = 4
    rows = math.ceil(len(figures) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.flat, figures, strict=False):
        for (backend, figure), points in sorted(after.items()):
            if figure != name:
                continue
            xs, ys = zip(*sorted(points), strict=True)
            ax.plot(xs, ys, marker="o", label=f"{backend} p99")
            middle = (medians or {}).get((backend, figure))
            if middle and "bytes" not in name:
                mx, my = zip(*sorted(middle), strict=True)
                ax.plot(mx, my, marker=".", linewidth=0.8, label=f"{backend} median")
            old = before.get((backend, figure))
            if old:
                bx, by = zip(*sorted(old), strict=True)
                ax.plot(bx, by, marker="x", linestyle="--", label=f"{backend} p99, before")
        ax.set_xscale("log")
        ax.set_title(name + ("" if "bytes" in name else " (ms)"), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(figures) :]:
        ax.set_visible(False)
    fig.supxlabel("bids stored")
    fig.tight_layout()
    fig.savefig(out, dpi=80)


def table(after: Series, before: Series, backend: str) -> str:
    """A Markdown table: each figure at each N, after (and before) the fixes."""
    figures = sorted({name for b, name in after if b == backend})
    sizes = sorted({n for (b, _), points in after.items() if b == backend for n, _ in points})
    head = ["figure", *[f"N={n:,}" for n in sizes], "×, N/10 → N"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for name in figures:
        for label, found in (("", after), (" (before)", before)):
            points = dict(found.get((backend, name), []))
            if not points:
                continue
            cells = [f"{points[n]:,.0f}" if n in points else "" for n in sizes]
            growth = ""
            if len(sizes) >= 2 and points.get(sizes[-2]) and sizes[-1] in points:
                growth = f"{points[sizes[-1]] / points[sizes[-2]]:.1f}"
            lines.append(f"| {name}{label} | " + " | ".join([*cells, growth]) + " |")
    return "\n".join(lines)


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("after", type=Path)
    parser.add_argument("--before", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/growth.png"))
    parser.add_argument("--table", metavar="BACKEND", help="print a Markdown table instead")
    args = parser.parse_args(argv)
    after, before = series(args.after), series(args.before) if args.before else {}
    if args.table:
        print(table(after, before, args.table))
        return
    draw(after, before, args.output, series(args.after, "median"))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
