"""Reading an incoming mail: its headers, its text and every attached file.

Pure functions on bytes. Python's ``email`` package with ``policy.default``
decodes RFC 2047 and RFC 2231 file names but has known crashes on hostile
headers (gh-151857, gh-105802); when it fails we read the message again with
``compat32``, which is lenient, and decode what we need ourselves. Parts are
walked to a bounded depth and count, forwarded messages (``message/rfc822``)
included. This runs inside a parsing worker process, with its time and memory
limits, because a mail may be built to hurt its reader.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import email
import email.feedparser
import email.headerregistry
import email.policy
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr

from email_reply_parser import EmailReplyParser
from tnefparse import TNEF

from parsers.sniff import sniff

MAX_DEPTH = 12
MAX_PARTS = 300
MAX_BODY_CHARS = 20_000
MAX_HTML_CHARS = 500_000
"""HTML read for a mail's text when it has no plain part (more is cut, not parsed)."""


_HEADER_CLASSES: dict[type, type[email.headerregistry.BaseHeader]] = {}
"""The header class made for each kind of header (a dozen kinds in all)."""


class _RememberedHeaders(email.headerregistry.HeaderRegistry):
    """``policy.default``'s header parser, remembering what it parsed.

    The email package parses a header each time it is asked for it, and asks for
    every part's Content-Type a dozen times while parsing and walking a mail: that
    was two thirds of the time to read one. The parsed headers are read only, so
    one parse serves every ask. One registry per mail read, and bounded.
    """

    LIMIT = 4096

    def __init__(self) -> None:
        super().__init__()
        self._parsed: dict[tuple[str, str], email.headerregistry.BaseHeader] = {}

    def __getitem__(self, name: str) -> type[email.headerregistry.BaseHeader]:
        # The package makes a new class for every header it parses (``type(...)``,
        # a tenth of reading a small mail); the class depends only on the kind of
        # header, so one made is kept for every mail.
        kind = self.registry.get(name.lower(), self.default_class)
        made = _HEADER_CLASSES.get(kind)
        if made is None:
            made = _HEADER_CLASSES[kind] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: str) -> email.headerregistry.BaseHeader:
        key = (name, value)
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = super().__call__(name, value)
            if len(self._parsed) < self.LIMIT:
                self._parsed[key] = parsed
        return parsed


class _LineEndAtTheEnd:
    r"""Stands in for the email package's ``NLCRE_eol``, ``(\r\n|\r|\n)\Z``.

    The parser searches every part's whole body with it, to drop the line end
    that belongs to the next boundary; the regular expression tries each of the
    body's positions in turn, 36 ms for a 3 MB attachment here, most of the time
    to read such a mail. Searching from two characters before the end finds
    the same match (it can only lie there) at once.
    """

    pattern = re.compile(r"(\r\n|\r|\n)\Z")

    def search(self, text: str) -> re.Match[str] | None:
        return self.pattern.search(text, max(0, len(text) - 2))


email.feedparser.NLCRE_eol = _LineEndAtTheEnd()  # type: ignore[attr-defined]  # not in typeshed

# A run of lines made only of base64's letters (ending in "\n"), else one line,
# else what is left of the text: the segments tile any text.
_LINES = re.compile(r"(?:[A-Za-z0-9+/=]++\r?\n)++|[^\r\n]*+(?:\r\n|\r|\n)|[^\r\n]++")
_CHUNK = 65536
_BASE64_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


def _only_base64_lines(text: str) -> bool:
    r"""Whether ``text`` (ending in "\n") is lines of base64's letters only, each of
    the same length and ending in "\r\n" (or each in "\n"): what :data:`_LINES`
    would take as one run.

    The expression tries each character in turn (3.7 ns a character here, most of
    the time to read a mail with a report of megabytes). An encoder writes lines
    of one length, so the line ends of a chunk from the middle of an attachment
    sit at fixed steps: read at those steps, with one pass to find anything that
    is not a letter, it costs a fraction of that. Any other chunk is left to the
    expression.
    """
    try:
        data = text.encode("ascii")
    except UnicodeEncodeError:  # a byte over 127, kept as a surrogate: no base64
        return False
    step = data.find(b"\n") + 1
    lines, uneven = divmod(len(data), step) if step else (0, 1)
    if uneven or data[step - 1 :: step] != b"\n" * lines:
        return False
    ending = 2 if data[step - 2 : step] == b"\r\n" else 1
    if step <= ending or (ending == 2 and data[step - 2 :: step] != b"\r" * lines):
        return False  # an empty line, or one CR-LF-ended and another not
    # Only the line ends are not base64's letters, then.
    return len(data.translate(None, _BASE64_LETTERS)) == lines * ending


class _BodyLinesTogether(email.feedparser.BufferedSubFile):  # type: ignore[name-defined]
    """The email parser's line buffer, handing over a run of base64 lines as one line.

    The parser takes a mail a line at a time, with several Python calls per
    line: a 3 MB attachment is 40,000 base64 lines, and they were most of the
    time to read a mail. A line made only of base64's letters is no header (it
    has no colon), no header's continuation (no leading space) and no MIME
    boundary (no dashes); the parser joins a body's lines back together. So a
    run of such lines, handed over as one, gives the same message.
    """

    def push(self, data: str) -> None:
        if "\n" not in data and "\r" not in data:
            self._partial.write(data)
            return
        # The line begun in the last chunk, and this one: not the whole chunk
        # written into the buffer and copied out of it again (a tenth of the
        # time to read a mail with a report of megabytes).
        text = self._partial.getvalue() + data
        self._partial.seek(0)
        self._partial.truncate()
        whole = text.rfind("\n") + 1
        if whole and _only_base64_lines(text[:whole]):
            # The middle of an attachment: one run, and what follows its last line.
            parts = [text[:whole]]
            if whole < len(text):
                self._partial.write(text[whole:])
        else:
            parts = _LINES.findall(text)
            # As the parser does: a last line without "\n" may be a "\r\n" cut in two.
            if not parts[-1].endswith("\n"):
                self._partial.write(parts.pop())
        self.pushlines(parts)


def parse_message(raw: bytes, policy: email.policy.Policy) -> Message:
    """``email.message_from_bytes(raw, policy=policy)``, with base64 lines taken in runs."""
    parser = email.feedparser.FeedParser(policy=policy)
    parser._input = _BodyLinesTogether()  # type: ignore[attr-defined]  # its line buffer
    text = raw.decode("ascii", "surrogateescape")  # as BytesParser reads bytes
    for start in range(0, len(text), _CHUNK):
        parser.feed(text[start : start + _CHUNK])
    return parser.close()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file found in a mail; ``data`` is empty for one that cannot be a form (an
    image, a spreadsheet) and was not decoded, whose ``size`` is then estimated."""

    name: str
    content_type: str
    data: bytes
    size: int = -1

    def __post_init__(self) -> None:
        if self.size < 0:
            object.__setattr__(self, "size", len(self.data))  # frozen: set once, here


@dataclass(slots=True)
class Mail:
    """What the service needs of a mail."""

    subject: str = ""
    from_addr: str = ""
    from_name: str = ""
    reply_to: str = ""
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def reply_address(self) -> str:
        """Where an answer goes: Reply-To, else From."""
        return self.reply_to or self.from_addr


_AUTOMATIC_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "list-post",
    "x-auto-response-suppress",
    "x-loop",
    "content-type",
    "return-path",
    "x-autoreply",
    "x-autorespond",
)


def read_mail(raw: bytes) -> Mail:
    """Parse ``raw`` leniently; a damaged part becomes a warning, never an exception."""
    try:
        policy = email.policy.default.clone(header_factory=_RememberedHeaders())
        message = parse_message(raw, policy)
        mail = _summarise(message, modern=True)
    except Exception:  # noqa: BLE001 - the email package's crashes are not typed
        message = parse_message(raw, email.policy.compat32)
        mail = _summarise(message, modern=False)
        # The email package's exception names its internals; the officer needs to know
        # only that the headers were read leniently (and may be partly wrong).
        mail.warnings.append("some of the mail's headers are malformed")
    return mail


def _summarise(message: Message, *, modern: bool) -> Mail:
    mail = Mail()
    mail.subject = _header_text(message, "Subject")
    name, address = parseaddr(_header_text(message, "From"))
    mail.from_name, mail.from_addr = name, address
    reply = getaddresses([_header_text(message, "Reply-To")])
    mail.reply_to = reply[0][1] if reply and reply[0][1] else ""
    mail.message_id = _header_text(message, "Message-ID").strip()
    mail.in_reply_to = _header_text(message, "In-Reply-To").strip()
    mail.references = tuple(re.findall(r"<[^<>\s]+>", _header_text(message, "References")))
    for header in _AUTOMATIC_HEADERS:
        value = _header_text(message, header)
        if value:
            mail.headers[header] = value
    html: list[str] = []
    _walk(message, mail, depth=0, modern=modern, counter=[0], html=html)
    if not mail.text.strip() and html:
        # An HTML-only mail (many phones and webmail send no plain part): its text,
        # as html-text reads it (scripts and styles dropped, blocks on their lines).
        mail.text = _html_as_text(html[0])[:MAX_BODY_CHARS]
    return mail


def written_text(text: str) -> str:
    """What the sender wrote in ``text``, without the quoted history below it
    ("On … wrote:", "> " lines, signature separators), as mail clients fold it."""
    try:
        return str(EmailReplyParser.parse_reply(text)).strip()
    except Exception:  # noqa: BLE001 - a text its patterns cannot take: keep it whole
        return text.strip()


def _html_as_text(markup: str) -> str:
    # Imported here: the service process imports this module for ``Mail`` and
    # ``written_text`` but reads no mail, and html_text brings lxml (7 MB). The
    # parsing workers have it already: their fork server preloads it.
    import html_text

    try:
        return str(html_text.extract_text(markup[:MAX_HTML_CHARS]))
    except Exception:  # noqa: BLE001 - markup lxml cannot take: no text, never a crash
        return ""


def _header_text(message: Message, name: str) -> str:
    """A header as plain text: encoded words decoded, line breaks removed."""
    try:
        value = message.get(name)
    except Exception:  # noqa: BLE001 - policy.default may raise while parsing a header
        value = None
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:
        # An undecodable encoded word keeps its raw text.
        with contextlib.suppress(Exception):
            text = str(make_header(decode_header(text)))
    return " ".join(text.split())[:2000]


def _walk(
    part: Message, mail: Mail, *, depth: int, modern: bool, counter: list[int], html: list[str]
) -> None:
    counter[0] += 1
    if counter[0] > MAX_PARTS:
        if counter[0] == MAX_PARTS + 1:
            mail.warnings.append(f"the mail has more than {MAX_PARTS} parts; the rest was skipped")
        return
    if depth > MAX_DEPTH:
        mail.warnings.append(f"the mail is nested more than {MAX_DEPTH} levels deep")
        return
    content_type = part.get_content_type()
    if part.is_multipart():
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else []:
            if isinstance(child, Message):
                _walk(child, mail, depth=depth + 1, modern=modern, counter=counter, html=html)
        return
    filename = _filename(part)
    disposition = (part.get_content_disposition() or "").lower()
    if content_type in ("text/plain", "text/html") and not filename and disposition != "attachment":
        if content_type == "text/plain" and len(mail.text) < MAX_BODY_CHARS:
            mail.text += _text_of(part)[: MAX_BODY_CHARS - len(mail.text)]
        elif content_type == "text/html" and not html:
            html.append(_text_of(part)[:MAX_HTML_CHARS])
        return
    name = filename or f"attachment-{len(mail.attachments) + 1}"
    skipped = _not_a_form(part, name)
    if skipped is not None:
        mail.attachments.append(Attachment(name, content_type, b"", size=skipped))
        return
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encodings
        data = None
    if not isinstance(data, bytes | bytearray) or not data:
        if filename:
            mail.warnings.append(f"the attachment {filename!r} is empty or cannot be decoded")
        return
    kind = sniff(bytes(data))
    # A part labelled application/ms-tnef may hold a picture (hunnysoft's sample
    # m4006) or a document: its first bytes tell, and such a file is kept as it is.
    if kind == "tnef" or (content_type == "application/ms-tnef" and kind == "unknown"):
        _expand_tnef(bytes(data), name, mail)
        return
    mail.attachments.append(Attachment(name=name, content_type=content_type, data=bytes(data)))


_FORM_SUFFIXES = (".docx", ".docm", ".pdf", ".doc", ".odt", ".dat")


def _not_a_form(part: Message, name: str) -> int | None:
    """The estimated size of an attachment that cannot be a form, else None.

    A burst of applications carries annual reports, photos and spreadsheets of
    several megabytes; decoding each only to find it is no form costs more
    than reading the form. The first bytes tell (magic bytes, whatever the
    content type says); a file whose name says it is a form is always decoded.
    """
    if name.lower().endswith(_FORM_SUFFIXES):
        return None
    raw = part.get_payload(decode=False)
    if not isinstance(raw, str) or len(raw) < 4096:
        return None
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        start = "".join(raw[:600].split())
        try:
            head = base64.b64decode(start[: len(start) // 4 * 4])
        except (binascii.Error, ValueError):
            return None
        # Counted, not copied without its line breaks: the files are megabytes. Only
        # line breaks are counted (a pass over the text each): base64 has no spaces.
        size = (len(raw) - raw.count("\n") - raw.count("\r")) * 3 // 4
    elif encoding in ("", "7bit", "8bit", "binary"):
        head = raw[:400].encode("latin-1", errors="replace")
        size = len(raw)
    else:
        return None  # quoted-printable and others: decode, they are rare for files
    return size if sniff(head) in ("image", "unknown") else None


def _expand_tnef(data: bytes, name: str, mail: Mail) -> None:
    """Outlook's winmail.dat carries the real attachments inside it (TNEF)."""
    try:
        bundle = TNEF(data, do_checksum=False)
        found = [
            Attachment(
                name=_clean_name(item.long_filename() or item.name or "attachment"),
                content_type="application/octet-stream",
                data=bytes(item.data),
            )
            for item in bundle.attachments
            if item.data
        ]
    except Exception:  # noqa: BLE001 - tnefparse raises many kinds on damaged input
        # Its messages are tnefparse's ("Wrong TNEF signature: 0x…"): no help to an officer.
        mail.warnings.append(f"{name}: the Outlook attachment bundle is damaged")
        mail.attachments.append(Attachment(name, "application/ms-tnef", data))
        return
    # A bundle with no files is no damage: Outlook sends its rich-text body that way
    # (MimeKit's test bundles body.tnef, rtf.tnef, triples.tnef). Its plain or HTML
    # body is the mail's text when the mail has no other.
    if not mail.text.strip():
        mail.text = _bundle_text(bundle)[:MAX_BODY_CHARS]
    mail.attachments.extend(found[:MAX_PARTS])


def _bundle_text(bundle: TNEF) -> str:
    """The plain (else HTML) body an Outlook bundle carries, as text; "" if none."""
    for body, html in ((bundle.body, False), (bundle.htmlbody, True)):
        if not body:
            continue
        text = body if isinstance(body, str) else bytes(body).decode("cp1252", "replace")
        text = text.replace("\x00", "")
        return _html_as_text(text) if html else text
    return ""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - gh-151857: IndexError on a malformed name*
        name = None
        raw = part.get("Content-Disposition", "") or part.get("Content-Type", "")
        match = re.search(r'name\*?=(?:"([^"]*)"|([^;\s]*))', str(raw))
        if match:
            name = match.group(1) or match.group(2)
    if not name:
        return ""
    if "=?" in name:
        with contextlib.suppress(Exception):
            name = str(make_header(decode_header(name)))
    return _clean_name(name)


def _clean_name(name: str) -> str:
    """A file name is a name, not a path, and holds no control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:255]


def _text_of(part: Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return ""
    if not isinstance(data, bytes | bytearray):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return bytes(data).decode(charset, errors="replace")
    except LookupError:
        return bytes(data).decode("utf-8", errors="replace")
