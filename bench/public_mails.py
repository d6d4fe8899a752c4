"""Other projects' test mails through what the service does with a received mail.

    python -m bench.public_mails FOLDER [FOLDER ...] [--details FILE]

Every file under the folders that looks like a mail (:func:`is_mail`) goes, in a
child process with a time limit, through what the parsing worker and the
``message`` job do with a spooled mail before storing it:
:func:`intake.reading.extract.extract_from_mail` (the mail read, its attachments
found and the form among them parsed), then the judgement of the form (or of
why there is none), the bid reference looked for in its subject and text, and
whether a machine sent it. Prints per folder: mails, form read / no form found /
unreadable (with the reason an officer is given) / crashed / over 5 s of CPU;
then the slowest and every distinct reason.
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.public_corpora import Result, in_children, report

_HEADER = re.compile(rb"^(?:From |[!-9;-~]+:)")
"""A mail's first line: a header ("Name:", printable ASCII but the colon) or mbox's "From "."""

RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def is_mail(path: Path) -> bool:
    """Whether the file starts like a mail, or is named like one (``.eml``, ``.msg``, no
    suffix: Outlook's own format too, which a mail server may be sent as it is; ``.tnef``, an
    Outlook bundle, sent in a mail as winmail.dat by :func:`as_outlook_sends`). Images,
    sounds, READMEs and the attachments kept beside the test mails are not."""
    if path.suffix.lower() in ("", ".eml", ".msg", ".tnef"):
        return True
    with path.open("rb") as file:
        head = file.read(1024).lstrip(b"\r\n")
    return bool(_HEADER.match(head))


def as_outlook_sends(bundle: bytes) -> bytes:
    """A mail carrying ``bundle`` as Outlook in rich-text mode sends it: winmail.dat."""
    encoded = base64.encodebytes(bundle).replace(b"\n", b"\r\n")
    return (
        b"From: Applicant <applicant@example.org>\r\nTo: grants@example.org\r\n"
        b"Subject: Our application\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="tnef"\r\n\r\n'
        b"--tnef\r\nContent-Type: text/plain\r\n\r\nPlease find our application.\r\n"
        b'--tnef\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        b'Content-Disposition: attachment; filename="winmail.dat"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--tnef--\r\n"
    )


def _receive(path: str) -> Result:
    from bench.variations import _Judge
    from intake.reading.extract import extract_from_mail
    from intake.rules.checks import judge, unreadable
    from intake.rules.references import find_reference
    from notifier.ack import is_automatic

    judging = _Judge()
    raw = Path(path).read_bytes()
    if path.lower().endswith(".tnef"):
        raw = as_outlook_sends(raw)
    started = time.process_time()
    try:
        extraction = extract_from_mail(raw, judging.spec)
        mail = extraction.mail
        assert mail is not None  # extract_from_mail always keeps the mail's facts
        if extraction.document is not None:
            judge(
                form=judging.form,
                fund=judging.fund,
                office=judging.office,
                answers=extraction.document.answers,
                received_at=RECEIVED,
                attachments=[a.name for a in extraction.attachments],
            )
            outcome, detail = "form read", extraction.document.format
        elif extraction.unreadable is not None:
            unreadable(extraction.unreadable)
            outcome, detail = "unreadable", extraction.unreadable
        else:
            outcome = "no form found"
            detail = ", ".join(f"{a.name} ({a.kind})" for a in extraction.attachments)
        find_reference(
            subject=mail.subject,
            text=mail.text,
            thread_ids=(mail.in_reply_to, *mail.references),
        )
        is_automatic({**mail.headers, "from": mail.from_addr}, mail.from_addr, ())
    except Exception as exc:  # noqa: BLE001 - a crash is what we count
        outcome, detail = "crashed", f"{type(exc).__name__}: {exc}"[:200]
    return path, outcome, time.process_time() - started, detail


def run(folders: list[Path], details: Path | None = None) -> str:
    files = sorted(
        str(p)
        for folder in folders
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and is_mail(p)
    )
    return report(folders, in_children(_receive, files), details, refused="unreadable")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--details", type=Path, help="write one tab-separated line a mail here")
    args = parser.parse_args(argv)
    print(run(args.folders, args.details))
    return 0


if __name__ == "__main__":
    sys.exit(main())
