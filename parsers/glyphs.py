"""Tick-box glyphs in text: which characters mean ticked, unticked, or nothing.

Word, LibreOffice and PDF text layers all carry tick boxes as characters
(☒ ☐ ☑ ✓, ``[X]``, ``( x )``); this module turns them into :class:`Tick` marks.
"""

from __future__ import annotations

import re

from parsers.blocks import Tick

CHECKED_GLYPHS = "☒☑✓✔⊠✗✘▣"
UNCHECKED_GLYPHS = "☐□▢"
GLYPHS = re.compile(rf"[{CHECKED_GLYPHS}{UNCHECKED_GLYPHS}]|\[\s*[xX✓✔]?\s*\]|\(\s*[xX✓✔]\s*\)")


def split_ticks(text: str, origin: str = "glyph") -> list[str | Tick]:
    """``text`` as pieces of text and :class:`Tick` marks where tick glyphs stand."""
    parts: list[str | Tick] = []
    position = 0
    for match in GLYPHS.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        glyph = match.group()
        checked = glyph in CHECKED_GLYPHS or bool(re.search(r"[xX✓✔]", glyph))
        parts.append(Tick(checked, origin))
        position = match.end()
    if position < len(text):
        parts.append(text[position:])
    return parts
