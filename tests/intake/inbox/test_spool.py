"""The spool keeps each accepted message as a file, complete or not at all."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.inbox.spool import Spool

WHEN = datetime(2027, 5, 30, 23, 59, tzinfo=UTC)


def test_a_message_written_in_pieces_is_stored_whole_under_its_day(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    incoming = spool.open()
    pieces = [b"Subject: x\r\n", b"\r\n", b"a" * 300_000, b"\r\nend\r\n"]
    for piece in pieces:
        incoming.write(piece)
    stored = incoming.commit(WHEN)
    content = b"".join(pieces)
    assert stored.name == f"2027-05-30/{stored.id}.eml"
    assert spool.path(stored.name).read_bytes() == content
    assert stored.size == len(content)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert list(spool.tmp.iterdir()) == []


def test_an_aborted_message_leaves_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    incoming = spool.open()
    incoming.write(b"half a message")
    incoming.abort()
    assert list(spool.tmp.iterdir()) == []
    assert [p for p in spool.root.iterdir() if p.name != "tmp"] == []


def test_leftovers_of_a_crash_are_discarded_at_start(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    spool.open().write(b"never acknowledged")  # the process died here
    assert Spool(tmp_path / "spool").discard_temporaries() == 1


def test_names_from_outside_the_spool_are_refused(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    with pytest.raises(ValueError, match="outside the spool"):
        spool.path("../../etc/passwd")


def test_message_ids_sort_by_time_of_receipt(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    ids = [spool.write(b"m", received_at=WHEN).id for _ in range(5)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
