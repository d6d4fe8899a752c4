"""Untrusted text made safe to show as plain text (console, email bodies).

Applicant text can carry terminal escape sequences (which repaint or hide
console output), and bidirectional overrides (which make ``cod.exe`` read as
``exe.doc``). Both are removed; everything a person would type is kept.
"""

from __future__ import annotations

import re

# C0 and C1 controls (except tab and newline), DEL, and the Unicode format
# characters that reorder text or hide it: bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Remove control and text-reordering characters, keeping line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def one_line(text: str) -> str:
    """Clean ``text`` and fold all its white space, line breaks included, to single spaces."""
    return " ".join(clean(text).split())


def kept_lines(text: str) -> str:
    """Clean ``text`` and fold white space within each line, keeping its line breaks
    (a budget written on three lines stays on three); blank lines are dropped."""
    lines = (" ".join(line.split()) for line in clean(text).split("\n"))
    return "\n".join(line for line in lines if line)


_LINK = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+"  # a scheme, www., mailto:
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z][a-z0-9-]+/\S*"  # a host and path: evil.example/x
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z][a-z0-9-]+\b"  # three labels: login.evil.example
    r"|\b[a-z0-9-]+\.(?:com|net|org|info|biz|io|co|uk|ru|xyz|top|app|link|click|online)\b"
)
"""What mail clients make clickable; a file name (``form.docx``, ``v1.2``) is not one."""


def without_links(text: str) -> str:
    """``text`` with every link (``https://…``, ``www.…``, ``mailto:``, a bare
    ``evil.example.com/x``) taken out and the spaces left folded: what we echo of
    a stranger's words must not carry their link in our name."""
    return " ".join(_LINK.sub(" ", text).split())


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters, ending with "…" when it cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def labelled(question: str | None, message: str, *, quotes: tuple[str, str] = ('"', '"')) -> str:
    """A problem under its question: ``"Telephone No": Please answer this question.``

    The question is said once. Problems stored before messages stopped naming
    their question ("Please answer 'Telephone No'.") already say it, and stand alone.
    """
    said = one_line(message)
    asked = one_line(question or "")
    if not asked or _names(said, asked):
        return said
    return f"{quotes[0]}{asked}{quotes[1]}: {said}"


def _names(message: str, question: str) -> bool:
    # Those older messages quoted the question, without its final colon or mark.
    core = question.rstrip(":?").strip()
    return bool(core) and f"'{core}" in message
