"""The outbox folder: each acknowledgement appears once, whole, under its Message-ID."""

from __future__ import annotations

import asyncio
import email
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from notifier.mailer import Outbox, safe_file_name


def mail(
    message_id: str | None = "<ack-1@bids.example.org>", text: str = "Thank you."
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "safer-in-kent@bids.example.org"
    message["To"] = "jo@medwayyouth.example"
    message["Subject"] = "Re: Application form [Ref SIK-2027-0042]"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(text)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


async def test_a_mail_is_written_as_an_eml_file_named_after_its_message_id(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "outbox")  # created on first use
    await outbox.send(mail())

    stored = tmp_path / "outbox" / "ack-1@bids.example.org.eml"
    assert sorted(p.name for p in stored.parent.iterdir()) == [stored.name]
    parsed = email.message_from_bytes(stored.read_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Message-ID"] == "<ack-1@bids.example.org>"
    assert text_of(parsed) == "Thank you.\n"
    assert outbox.path_for("<ack-1@bids.example.org>") == stored


async def test_sending_the_same_message_id_twice_writes_once(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path)
    await outbox.send(mail(text="First attempt."))
    stored = outbox.path_for("<ack-1@bids.example.org>")
    before = stored.stat().st_mtime_ns

    await outbox.send(mail(text="A retry after a crash."))

    assert "First attempt." in stored.read_text()
    assert stored.stat().st_mtime_ns == before
    assert len(list(tmp_path.iterdir())) == 1


async def test_concurrent_retries_leave_one_whole_file_and_no_temporary_files(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path)
    big = "A long answer. " * 20_000
    await asyncio.gather(*(outbox.send(mail(text=big)) for _ in range(20)))
    await asyncio.gather(*(outbox.send(mail(f"<ack-{i}@x.example>", big)) for i in range(20)))

    files = sorted(tmp_path.iterdir())
    assert len(files) == 21
    assert not [p for p in files if p.name.startswith(".") or p.suffix != ".eml"]
    for path in files:
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert text_of(parsed) == big + "\n"


@pytest.mark.parametrize(
    "message_id",
    [
        "<../../etc/passwd@evil.example>",
        "</absolute@evil.example>",
        "<.hidden@evil.example>",
        "<a\\b:c*d?e@evil.example>",
        "<" + "x" * 500 + "@evil.example>",
    ],
)
async def test_a_hostile_message_id_cannot_leave_the_folder(
    tmp_path: Path, message_id: str
) -> None:
    outbox = Outbox(tmp_path / "outbox")
    await outbox.send(mail(message_id))
    (stored,) = (tmp_path / "outbox").iterdir()
    assert stored.parent == tmp_path / "outbox"
    assert not stored.name.startswith(".")
    assert len(stored.name) < 255


def test_ids_that_differ_only_in_unsafe_characters_get_different_files() -> None:
    assert safe_file_name("<a/b@x.example>") != safe_file_name("<a_b@x.example>")
    assert safe_file_name("<a_b@x.example>") == "a_b@x.example"


async def test_a_mail_without_message_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        await Outbox(tmp_path).send(mail(None))
