"""Reading the deadline-day burst's mails, as a parsing worker does before it parses the form.

    python -m bench.read_mail [--mails 1000] [--rounds 3] [FOLDER ...]

The same mails as ``bench/burst.py`` (its seed): forms in every client shape,
a tenth of them also carrying a report of 0.5-3.5 MB. Each round reads every
mail with :func:`intake.reading.mail.read_mail` (headers, text, attachments
decoded; the forms are not parsed) in this process, one after another, after
one warm-up round. Prints the CPU of each round, and the best round's split
between mails under 1 MB and larger ones, in ms a mail. In a burst this is
CPU the parsing workers spend beside the parsing itself.

With folders (other projects' test mails, say), every file under them that
looks like a mail (:func:`bench.public_mails.is_mail`) is read instead, and the
split is at 100 KB.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.public_mails import is_mail
from intake.reading.mail import read_mail
from tests.drills.kit import applications


def _cpu(mails: list[bytes]) -> float:
    started = time.process_time()
    for raw in mails:
        read_mail(raw)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("folders", nargs="*", type=Path)
    args = parser.parse_args()
    if args.folders:
        files = sorted(p for f in args.folders for p in f.rglob("*") if p.is_file() and is_mail(p))
        mails, large_from, label = [p.read_bytes() for p in files], 100_000, "100 KB"
    else:
        mails, large_from, label = [m.raw for m in applications(args.mails)], 1 << 20, "1 MB"
    small = [raw for raw in mails if len(raw) < large_from]
    large = [raw for raw in mails if len(raw) >= large_from]
    print(
        f"{len(mails)} mails, {sum(map(len, mails)) / 1e6:.1f} MB: "
        f"{len(small)} under {label}, {len(large)} larger"
    )
    _cpu(mails)  # warm
    rounds = [_cpu(mails) for _ in range(args.rounds)]
    print("every mail, CPU s a round: " + ", ".join(f"{cpu:.2f}" for cpu in rounds))
    best_small = min(_cpu(small) for _ in range(args.rounds))
    best_large = min(_cpu(large) for _ in range(args.rounds)) if large else 0.0
    print(
        f"best round: under {label} {1000 * best_small / max(1, len(small)):.2f} ms a mail, "
        f"larger {1000 * best_large / max(1, len(large)):.1f} ms a mail"
    )


if __name__ == "__main__":
    main()
