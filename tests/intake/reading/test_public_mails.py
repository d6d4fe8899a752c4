"""Mails of other projects' test suites (public_sample/NOTICE) read as the service reads a
received mail: what the parsing worker extracts, and whether a machine sent it."""

from __future__ import annotations

from pathlib import Path

from intake.config.load import load_config
from intake.reading.extract import extract_from_mail
from intake.reading.forms import form_spec
from intake.reading.mail import Mail
from notifier.ack import is_automatic

CONFIG = load_config()
SPEC = form_spec(CONFIG, CONFIG.form("kent-funding-application"), CONFIG.fund("safer-in-kent"))
SAMPLE = Path(__file__).parent / "public_sample"


def _received(name: str) -> tuple[Mail, str | None]:
    extraction = extract_from_mail((SAMPLE / name).read_bytes(), SPEC)
    mail = extraction.mail
    assert mail is not None
    assert extraction.no_form
    automatic = is_automatic({**mail.headers, "from": mail.from_addr}, mail.from_addr, ())
    return mail, automatic


def test_a_mail_servers_bounce_is_recognised_and_never_answered() -> None:
    mail, automatic = _received("mail-parser-malformed-2.eml")

    assert mail.subject == "Delivery failure (abh@netpar.com.br)"
    assert automatic == "it is a delivery or read report"


def test_a_chinese_html_only_mail_is_read_with_its_subject_and_text() -> None:
    mail, automatic = _received("mail-parser-test-9.eml")

    assert "我" in mail.subject  # GB2312 in an encoded word, decoded
    assert mail.text.strip()  # HTML only: its text is kept for officers
    assert automatic is None
