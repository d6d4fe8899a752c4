"""Finding the form in a mail, whatever the mail client did to it (no service needed)."""

from __future__ import annotations

import base64
import email.feedparser
import email.policy
import re
from email.message import Message
from pathlib import Path

import pytest

from fixtures.mail_shapes import HOSTILE, SHAPES, _tnef_attribute, many_attachments, tnef
from fixtures.make_fixtures import build_form
from intake.config.load import load_config
from intake.reading.extract import extract_from_mail
from intake.reading.forms import form_spec
from intake.reading.mail import parse_message, read_mail, written_text
from tests.harness import ROOT

CONFIG = load_config()
SPEC = form_spec(CONFIG, CONFIG.form("kent-funding-application"), CONFIG.fund("safer-in-kent"))
FORM = ROOT / "fixtures/forms/complete-medway-youth-trust.docx"


@pytest.fixture(scope="module")
def form() -> bytes:
    return FORM.read_bytes()


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_form_is_found_and_read_in_every_client_shape(shape: str, form: bytes) -> None:
    extraction = extract_from_mail(SHAPES[shape](form), SPEC)
    assert extraction.document is not None, extraction.unreadable
    assert extraction.document.answers["organisation_name"].value == "Medway Youth Trust"
    assert extraction.mail is not None and extraction.mail.reply_address == (
        "jo@charity.example.org"
    )


@pytest.mark.parametrize(
    ("shape", "name"),
    [
        ("rfc2231-name", "Formulaire de demande été.docx"),
        ("rfc2047-name", "Bewerbung Förderung.docx"),
        ("outlook-tnef", "Application form.docx"),
        ("generic-type", "application"),
    ],
)
def test_file_names_are_decoded_as_the_applicant_wrote_them(
    shape: str, name: str, form: bytes
) -> None:
    assert extract_from_mail(SHAPES[shape](form), SPEC).file == name


def test_encoded_subjects_are_decoded(form: bytes) -> None:
    assert read_mail(SHAPES["rfc2047-name"](form)).subject == "Antrag für Förderung"


def test_the_form_is_chosen_among_a_policy_a_logo_accounts_and_a_cover_letter(
    form: bytes,
) -> None:
    cover = build_form({"organisation_name": "Only a cover letter"})
    extraction = extract_from_mail(many_attachments(form, cover_letter=cover), SPEC)
    assert extraction.file == "Application form.docx"
    assert [a.name for a in extraction.attachments] == [
        "Safeguarding policy.pdf",
        "logo.png",
        "Cover letter.docx",
        "Application form.docx",
        "Accounts 2026.xlsx",
    ]
    notes = {a.name: a.note for a in extraction.attachments}
    assert notes["Cover letter.docx"] == "not the application form"


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_damaged_and_hostile_mail_is_read_without_crashing(shape: str, form: bytes) -> None:
    extraction = extract_from_mail(HOSTILE[shape](form), SPEC)
    assert extraction.mail is not None
    if extraction.document is None:
        assert extraction.no_form or extraction.unreadable


def test_a_mail_nested_too_deep_says_so(form: bytes) -> None:
    extraction = extract_from_mail(HOSTILE["deep-nesting"](form), SPEC)
    assert extraction.document is None
    assert "nested more than 12 levels deep" in (extraction.unreadable or "")


def test_a_damaged_attachment_is_reported_with_its_name(form: bytes) -> None:
    extraction = extract_from_mail(HOSTILE["broken-base64"](form), SPEC)
    assert extraction.unreadable is not None
    assert extraction.unreadable.startswith("form.docx: ")


def test_a_mail_without_attachments_has_no_form() -> None:
    raw = (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: question\r\n\r\n"
        b"When is the deadline?\r\n"
    )
    extraction = extract_from_mail(raw, SPEC)
    assert extraction.no_form
    assert extraction.mail is not None
    assert "When is the deadline?" in extraction.mail.text


def test_headers_that_crash_the_modern_parser_fall_back_to_the_lenient_one() -> None:
    raw = (
        b"From: a@example.org\r\nMessage-ID: <[abc]@exchange>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename*=\r\n\r\nAAAA\r\n--b--\r\n"
    )
    mail = read_mail(raw)
    assert mail.from_addr == "a@example.org"


def _cpython_test_mails() -> list[Path]:
    """CPython's own email test corpus, shipped with the interpreter (when it is)."""
    try:
        import test.test_email as corpus
    except ImportError:
        return []
    return sorted((Path(corpus.__file__).parent / "data").glob("msg_*.txt"))


CPYTHON_MAILS = _cpython_test_mails()


@pytest.mark.skipif(not CPYTHON_MAILS, reason="this Python has no test.test_email corpus")
def test_cpythons_test_mails_are_all_read_without_crashing() -> None:
    for path in CPYTHON_MAILS:
        extraction = extract_from_mail(path.read_bytes(), SPEC)
        assert extraction.mail is not None, path.name
        assert extraction.document is None  # none of them carries an application form


@pytest.mark.parametrize(
    "text",
    ["", "x", "\n", "\r", "\r\n", "ab\r\n", "ab\n", "ab\r", "a\r\r\n", "a\n\n", "a\n\r", "a\r\nb"],
)
def test_the_parsers_end_of_body_search_finds_what_the_email_package_would(text: str) -> None:
    # read_mail swaps the email package's scan for a line end at the end of a body
    # (a whole-body search) for one that looks at the end only; the match must be
    # the same, or parts would lose or keep a character.
    theirs = re.compile(r"(\r\n|\r|\n)\Z").search(text)
    ours = email.feedparser.NLCRE_eol.search(text)
    assert (ours and (ours.group(0), ours.start())) == (
        theirs and (theirs.group(0), theirs.start())
    )


def _tree(message: Message) -> list[tuple[object, ...]]:
    """Everything the parser made of a mail: each part's raw headers, payload and defects."""
    return [
        (
            part.get_content_type(),
            list(part.raw_items()),
            part.preamble,
            part.epilogue,
            None if part.is_multipart() else part.get_payload(),
            [type(defect).__name__ for defect in part.defects],
        )
        for part in message.walk()
    ]


_MIXED = b'Content-Type: multipart/mixed; boundary="b"'
_EDGES = [
    # base64 lines next to boundaries, headers and blank lines, with each line ending
    _MIXED + b"\r\n\r\npre\r\nQUJD\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"QUJD\r\nREVG\r\n--b\r\nQUJD\r\nREVG\r\n--b--\r\nQUJD\r\n",
    _MIXED + b"\n\n--b\nContent-Type: text/plain\n\nQUJD\nREVG\n--b--\n",
    _MIXED + b"\r\r--b\rContent-Type: text/plain\r\rQUJD\rREVG\r--b--\r",
    b"Subject: x\r\nQUJDREVG\r\nQUJD\r\nTo: y\r\n\r\nbody\r\n",  # header block broken by letters
    b'Content-Type: multipart/mixed; boundary="QUJDREVG"\r\n\r\n--QUJDREVG\r\n\r\nQUJD\r\n'
    b"--QUJDREVG--\r\n",  # a boundary of base64 letters
    b"Subject: soft breaks\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"ab=\r\ncd=\r\nef\r\n",
    b"Subject: mixed endings\r\n\r\nQUJD\r\nREVG\nR0hJ\rSktM\r\n\r\nQUJD",  # no final line end
    b"Subject: only a header",
    b"",
]


def _large_bodies() -> list[bytes]:
    """Attachments of several 64 KB chunks (the parser is fed a chunk at a time; a
    chunk from the middle of one is taken whole when its lines are all of one
    length), each spoiled once near a chunk's edge in one way a sender's or an
    attacker's mail may be."""
    letters = base64.encodebytes(bytes(range(256)) * 800)  # 76 letters a line

    def mixed_endings(body: bytes, end: bytes) -> bytes:
        other = b"\n" if end == b"\r\n" else b"\r\n"
        return body[:131000] + body[131000:].replace(end, other)

    spoils = {
        "clean": lambda body, end: body,
        "empty line": lambda body, end: body[:65530] + end + body[65530:],
        "lone CR": lambda body, end: body[:65600] + b"\r" + body[65600:],
        "CR-LF then LF": mixed_endings,
        "a byte over 127": lambda body, end: body[:70000] + b"\xe9" + body[70000:],
        "a short line": lambda body, end: body[:65500] + b"QUJD" + end + body[65500:],
        "a letter too many": lambda body, end: body[:65536] + b"A" + body[65536:],
        "a space": lambda body, end: body[:196000] + b" " + body[196000:],
        "a boundary near the edge": lambda body, end: (
            body[:65336] + end + b"--b" + end + body[65336:]
        ),
    }
    mails = []
    # A boundary may be as long as a line of letters (70 characters and its two
    # dashes), and a lone CR ends a line for the parser: lines of one length
    # whose step is kept by a boundary are still no run.
    boundary = b"B" * 70
    letters_only = base64.b64encode(bytes(range(256)) * 800)
    for width, line in ((72, b"--" + boundary), (74, b"X\r--" + boundary)):
        lines = [letters_only[i : i + width] for i in range(0, len(letters_only), width)][:-1]
        lines[1000] = line
        mails.append(
            _MIXED.replace(b'"b"', b'"' + boundary + b'"') + b"\n\n--" + boundary + b"\n"
            b"Content-Transfer-Encoding: base64\n\n"
            + b"\n".join(lines)
            + b"\n--"
            + boundary
            + b"--\n"
        )
    for end in (b"\r\n", b"\n"):
        for spoil in spoils.values():
            body = spoil(letters.replace(b"\n", end), end)
            mails.append(
                _MIXED
                + end * 2
                + b"--b"
                + end
                + b"Content-Transfer-Encoding: base64"
                + end * 2
                + body
                + b"--b--"
                + end
            )
    return mails


def _every_mail(form: bytes) -> list[bytes]:
    mails = [shape(form) for shape in (*SHAPES.values(), *HOSTILE.values())]
    mails += [path.read_bytes() for path in CPYTHON_MAILS]
    mails += [path.read_bytes() for path in sorted((FORM.parents[1] / "mails").glob("*.eml"))]
    return mails + _EDGES + _large_bodies()


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.compat32], ids=str)
def test_base64_lines_taken_in_runs_give_the_message_the_email_package_would(
    form: bytes, policy: email.policy.Policy
) -> None:
    # read_mail hands the parser runs of base64 lines as one line; what it makes of
    # every mail, hostile and CPython's own corpus included, must not change.
    for raw in _every_mail(form):
        try:
            theirs = email.message_from_bytes(raw, policy=policy)
        except Exception as exc:  # noqa: BLE001 - then ours must fail the same way
            with pytest.raises(type(exc)):
                parse_message(raw, policy)
            continue
        assert _tree(parse_message(raw, policy)) == _tree(theirs), raw[:200]


def test_an_html_only_mail_is_read_as_its_text() -> None:
    """Phones and webmail often send no plain part: its words still reach officers."""
    raw = (
        b"From: Tom <tom@scouts.example.org>\r\nTo: grants@bids.example.org\r\n"
        b"Subject: Can we apply?\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><head><style>p {color: red}</style><script>alert(1)</script></head>"
        b"<body><p>Can our <b>Scout</b> group apply?</p><div>Tom</div></body></html>\r\n"
    )
    text = read_mail(raw).text
    assert "Can our Scout group apply?" in text and "Tom" in text
    assert "alert" not in text and "color" not in text


def test_what_the_sender_wrote_is_kept_without_the_quoted_thread() -> None:
    text = (
        "Could we have an extension to Friday?\n\nThanks,\nSarah\n\n"
        "On Thu, 15 Apr 2027 at 10:00, Kent OPCC <grants@kent.example> wrote:\n"
        "> Dear Sarah,\n> Your application was received.\n"
    )
    assert written_text(text) == "Could we have an extension to Friday?\n\nThanks,\nSarah"


def _labelled_tnef(data: bytes) -> bytes:
    """A mail whose one attachment says it is Outlook's winmail.dat and holds ``data``."""
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Application\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nOur application is attached.\r\n"
        b'--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        b'Content-Disposition: attachment; filename="winmail.dat"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b--\r\n"
    )


def test_a_picture_labelled_as_an_outlook_bundle_is_not_called_damaged() -> None:
    """Hunnysoft's sample m4006 labels a picture application/ms-tnef: the bytes decide,
    and a mail with a picture and no form is one without a form, not a damaged one."""
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    extraction = extract_from_mail(_labelled_tnef(picture), SPEC)

    assert extraction.no_form
    assert [(a.name, a.kind) for a in extraction.attachments] == [("winmail.dat", "image")]


def test_a_damaged_outlook_bundle_is_said_so_in_plain_words() -> None:
    extraction = extract_from_mail(_labelled_tnef(b"\x01\x02 not a bundle " * 20), SPEC)

    assert extraction.document is None
    assert "winmail.dat: the Outlook attachment bundle is damaged" in (extraction.unreadable or "")
    assert not re.search(r"0x[0-9a-f]+|signature", extraction.unreadable or "")


def test_an_outlook_bundle_without_files_is_its_rich_text_body_not_damage() -> None:
    """Outlook sends a rich-text mail as winmail.dat even with nothing attached."""
    bundle = tnef([]) + _tnef_attribute(1, 0x0002800C, b"We will post the form on Monday.\0")
    extraction = extract_from_mail(
        _labelled_tnef(bundle).replace(b"Our application is attached.", b""), SPEC
    )

    assert extraction.no_form
    assert extraction.mail is not None
    assert "We will post the form on Monday." in extraction.mail.text


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
def test_a_large_photo_is_listed_with_its_size_without_being_decoded(line_end: str) -> None:
    """Officers see every file that came; a photo of megabytes is no form, and
    decoding it only to find that cost more than reading the form."""
    photo = b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 1200
    wrapped = base64.encodebytes(photo).decode().replace("\n", line_end)
    raw = (
        "From: jo@charity.example.org\r\nSubject: Our application\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nPlease find attached.\r\n"
        '--b\r\nContent-Type: image/jpeg; name="team.jpg"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + wrapped + "\r\n--b--\r\n"
    ).replace("\r\n", line_end)
    (attachment,) = read_mail(raw.encode()).attachments
    assert (attachment.name, attachment.data) == ("team.jpg", b"")
    assert abs(attachment.size - len(photo)) <= 3
