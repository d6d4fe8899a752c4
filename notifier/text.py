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


def shorten(text: str, limit: int) -> str:
    """Cut plain text to ``limit`` characters, ending with "…" when it cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
