"""Issue #20: an officer's reply as mailed: in the applicant's thread, our subject with the
tag, the officer's line breaks kept, nothing of theirs able to add a header."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from notifier.errors import AddressError
from notifier.replies import OfficerReply, build_reply, read_reply, reply_line, reply_modal
from tests.slack_api_server import block_kit_problems, view_problems

NOW = datetime(2027, 4, 16, 10, tzinfo=UTC)


def _reply(**changes: object) -> OfficerReply:
    fields: dict[str, object] = {
        "ref": "KENT-2027-0001",
        "office_name": "Office of the Kent PCC",
        "to": "jo@example.org",
        "from_addr": "Kent Grants <grants@kent.example.org>",
        "their_subject": "Re: extension?",
        "their_message_id": "junk <q1@example.org> junk",
        "their_references": ("<root@example.org> <q0@example.org>",),
        "message_id": "<grant-intake.KENT-2027-0001.v1.reply.7@kent.example.org>",
        "text": "Yes, until Friday.\n\nPlease send the whole form again.\x1b[2J",
    }
    return OfficerReply(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_reply_goes_in_the_applicants_thread_with_our_tagged_subject() -> None:
    mail = build_reply(_reply(), now=NOW)
    assert mail["Subject"] == "Re: extension? [Ref KENT-2027-0001]"
    assert mail["In-Reply-To"] == "<q1@example.org>"
    assert mail["References"] == "<root@example.org> <q0@example.org> <q1@example.org>"
    assert mail["Auto-Submitted"] is None
    body = mail.get_content()
    assert body.startswith("Yes, until Friday.\n\nPlease send the whole form again.")
    assert "\x1b" not in body
    assert "Please keep [Ref KENT-2027-0001] in the subject" in " ".join(body.split())


def test_a_crafted_subject_stays_one_line_and_a_bad_address_is_refused() -> None:
    mail = build_reply(_reply(their_subject="Hi\r\nBcc: x@evil.example"), now=NOW)
    assert mail["Bcc"] is None and "\n" not in mail["Subject"]
    with pytest.raises(AddressError):
        build_reply(_reply(to="jo@example.org, eve@evil.example"), now=NOW)


def test_the_slack_pieces_are_valid_block_kit_and_read_back() -> None:
    line = reply_line("Received a reply without a form from <!channel>", value="KENT-2027-0001 9")
    assert block_kit_problems(line["blocks"], text=line["text"]) == []
    assert "<!channel>" not in str(line)
    view = reply_modal(
        ref="KENT-2027-0001",
        organisation="Medway <Youth> Trust",
        to="jo@example.org",
        quoting="Line one\nline two " + "x" * 5000,
        metadata="{}",
    )
    assert view_problems(view) == []
    assert read_reply({"reply": {"text": {"value": "  a\r\nb  "}}}) == "a\nb"
    assert read_reply({"reply": {"text": {"value": "   "}}}) is None
