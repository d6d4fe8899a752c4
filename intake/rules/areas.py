"""The local area a bid belongs to, from its answers (pure).

An office with ``routing`` sends each bid's card to the channel of the area its
answers name (a district ticked, a place or postcode typed), and mentions the
area's officers; a bid naming none goes to the fund's or office's channel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from intake.config.model import Area, AreaRouting

# A UK postcode's outward code (SS17, RM1, CM12, W1A), whole, before its inward part or alone.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*[0-9][A-Z]{2})?\b")


def area_of(routing: AreaRouting | None, fields: Mapping[str, Any]) -> Area | None:
    """The first area an answer read by ``routing`` names, in the order of its ``fields``."""
    if routing is None:
        return None
    for field_id in routing.fields:
        value = fields.get(field_id)
        if value is None or value == "" or value == []:
            continue
        found = _named_by(routing.areas, value)
        if found is not None:
            return found
    return None


def _named_by(areas: tuple[Area, ...], value: Any) -> Area | None:
    values = value if isinstance(value, list) else [value]
    texts = [str(v) for v in values]
    for text in texts:  # an option id, or the whole answer, exactly: the surest
        for area in areas:
            if any(text.casefold() == a.casefold() for a in area.answers):
                return area
    for text in texts:
        codes = [m.group(1) for m in _POSTCODE.finditer(text.upper())]
        for code in codes:  # an outward code named exactly beats its postcode area
            for area in areas:
                if code in {p.upper() for p in area.postcodes}:
                    return area
        for code in codes:
            letters = re.match(r"[A-Z]+", code)
            for area in areas:
                if letters and letters.group(0) in {p.upper() for p in area.postcodes}:
                    return area
        words = _words(text)
        for area in areas:
            if any(_words(a) and _contains(words, _words(a)) for a in area.answers):
                return area
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.casefold())


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))
