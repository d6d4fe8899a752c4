"""Reading the deadline-day burst's mails, as a parsing worker does before it parses the form.

    python -m bench.read_mail [--mails 1000] [--rounds 3]

The same mails as ``bench/burst.py`` (its seed): forms in every client shape,
a tenth of them also carrying a report of 0.5-3.5 MB. Each round reads every
mail with :func:`intake.reading.mail.read_mail` (headers, text, attachments
decoded; the forms are not parsed) in this process, one after another, after
one warm-up round. Prints the CPU of each round, and the best round's split
between mails under 1 MB and larger ones, in ms a mail. In a burst this is
CPU the parsing workers spend beside the parsing itself.
"""

from __future__ import annotations

import argparse
import time

from intake.reading.mail import read_mail
from tests.drills.kit import applications

LARGE = 1024 * 1024


def _cpu(mails: list[bytes]) -> float:
    started = time.process_time()
    for raw in mails:
        read_mail(raw)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    mails = [mail.raw for mail in applications(args.mails)]
    small = [raw for raw in mails if len(raw) < LARGE]
    large = [raw for raw in mails if len(raw) >= LARGE]
    print(
        f"{len(mails)} mails, {sum(map(len, mails)) / 1e6:.0f} MB: "
        f"{len(small)} under 1 MB, {len(large)} larger"
    )
    _cpu(mails)  # warm
    rounds = [_cpu(mails) for _ in range(args.rounds)]
    print("every mail, CPU s a round: " + ", ".join(f"{cpu:.2f}" for cpu in rounds))
    best_small = min(_cpu(small) for _ in range(args.rounds))
    best_large = min(_cpu(large) for _ in range(args.rounds)) if large else 0.0
    print(
        f"best round: under 1 MB {1000 * best_small / max(1, len(small)):.2f} ms a mail, "
        f"larger {1000 * best_large / max(1, len(large)):.1f} ms a mail"
    )


if __name__ == "__main__":
    main()
