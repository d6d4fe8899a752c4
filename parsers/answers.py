"""Turning the lines found under a question into a typed answer.

The pairing step says *where* a question's answer is (some lines, a control);
this module says *what* it is, by the question's kind: text, money, a date,
yes or no, the ticked option or options.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.blocks import Line, Tick
from parsers.errors import ValueNotReadable
from parsers.labels import match_option, normalise
from parsers.model import Answer, FieldSpec, OptionSpec, Source, Value, unplaced
from parsers.values import (
    collapse_space,
    keep_lines,
    parse_email,
    parse_money,
    parse_uk_date,
    parse_yes_no,
    repair_postcode,
    repair_web_address,
)

PLACEHOLDERS = {
    normalise(text)
    for text in (
        "Click or tap here to enter text.",
        "Click here to enter text.",
        "Click or tap to enter a date.",
        "Click here to enter a date.",
        "Choose an item.",
        "Enter text here",
        "[Please enter]",
        "Type here",
        "Insert text here",
    )
}
_BULLET = re.compile(r"(?m)^[ \t]*(?:[•▪◦●■·*\-–]|[e«°©](?=[ \t]+[A-Z]))[ \t]+")
"""A list bullet typed at the start of a line: like Word's own list numbering, not the answer.
OCR reads a round bullet as "e", "«", "°" or "©" (then a capital: no English line starts so)."""
_NOT_APPLICABLE = re.compile(r"n\s*[/I|l1]\s*a\.?|n\.a\.?", re.IGNORECASE)
_WRAPPED_ADDRESS = re.compile(
    r"(?:https?://|www\.)[^\s]+ [^\s]*\.[a-z]{2,}[^\s]*"
    # or cut inside its last part: "www.swalesportsfound.org.u k"
    r"|(?:https?://|www\.)[^\s]+\.[a-z]{1,3} [a-z]{1,3}(?:/[^\s]*)?",
    re.I,
)
_SPACED_ADDRESS = re.compile(r"(?:https?://|www)(?: ?\. ?[\w-]+)+/?", re.I)
"""A web address whose dots OCR read with a space beside them."""
_LEADING_MONEY = re.compile(
    r"^\s*((?:£|GBP)\s*[\d,]+(?:\.\d{1,2})?|[\d,]+(?:\.\d{1,2})?)\b\s*(.*)$"
)


def answer_lines(lines: Sequence[Line]) -> list[Line]:
    """The lines that carry an answer: placeholders and empty lines dropped."""
    return [
        line
        for line in lines
        if not line.placeholder_only
        and (line.ticks or (line.text and normalise(line.text) not in PLACEHOLDERS))
    ]


def lines_text(lines: Sequence[Line]) -> str:
    return "\n".join(line.text for line in lines if line.text)


def read_value(
    spec: FieldSpec,
    lines: Sequence[Line],
    source: Source,
    *,
    confidence: float = 1.0,
    option_pool: tuple[tuple[FieldSpec, OptionSpec], ...] | None = None,
) -> Answer | None:
    """The answer ``lines`` give to ``spec``; None when they give none."""
    lines = answer_lines(lines)
    if not lines:
        return None
    if spec.kind in ("choice", "choices"):
        return _read_choice(spec, lines, source, confidence, option_pool)
    if spec.kind == "yesno" and any(line.ticks for line in lines):
        return _read_ticked_yes_no(spec, lines, source, confidence)
    raw = lines_text(lines)
    if not raw:
        return None
    scanned = any(line.confidence < 1.0 for line in lines)  # OCR's words; a text layer's are 1
    return read_text_value(spec, raw, source, confidence=confidence, scanned=scanned)


def read_text_value(
    spec: FieldSpec,
    raw: str,
    source: Source,
    *,
    confidence: float = 1.0,
    scanned: bool = False,
) -> Answer | None:
    """Normalise a written answer by the question's kind (not for choices); ``scanned``
    when OCR read it, whose letter-for-digit slips are mended where a format is sure."""
    if normalise(raw) in PLACEHOLDERS or not raw.strip():
        return None
    value: Value
    try:
        if spec.kind == "money":
            value = parse_money(raw)
        elif spec.kind == "date":
            value = parse_uk_date(raw)
        elif spec.kind == "yesno":
            value = parse_yes_no(raw)
        elif spec.kind == "email":
            value = parse_email(raw)
            if scanned:
                value = repair_web_address(value)
        elif spec.kind in ("choice", "choices"):
            return _choice_from_text(spec, raw, source, confidence)
        else:
            # Line breaks are the applicant's (paragraphs, a list, a budget on
            # three lines): kept; wrapping was already undone by the layout.
            value = keep_lines(_BULLET.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")))
            if _NOT_APPLICABLE.fullmatch(collapse_space(value)):
                value = "N/A"  # OCR's "NIA", "N / A", "n/a"
            if _WRAPPED_ADDRESS.fullmatch(value):
                value = value.replace(" ", "")  # a web address wrapped in a narrow cell
            if scanned:
                value = repair_postcode(value)  # "MEA 2AQ" is ME4 2AQ
                if _SPACED_ADDRESS.fullmatch(value):
                    # OCR's space beside a dot of a web address ("www. maidstone…",
                    # "www .folkestone…", "….org. uk"): no address holds a space.
                    value = re.sub(r"\s", "", value)
                value = repair_web_address(value)
    except ValueNotReadable as exc:
        return Answer(spec.id, raw, None, source, confidence, error=str(exc))
    return Answer(spec.id, raw, value, source, confidence)


def split_leading_amount(line: Line) -> tuple[str, str] | None:
    """ "£9,500 - the rest from reserves" -> ("£9,500", "the rest from reserves")."""
    match = _LEADING_MONEY.match(line.text)
    if not match or not match.group(2):
        return None
    return match.group(1), match.group(2).lstrip("-–—.,;: ")


def _option_pool(spec: FieldSpec) -> tuple[tuple[FieldSpec, OptionSpec], ...]:
    return tuple((spec, option) for option in spec.options)


def _read_choice(
    spec: FieldSpec,
    lines: Sequence[Line],
    source: Source,
    confidence: float,
    pool: tuple[tuple[FieldSpec, OptionSpec], ...] | None,
) -> Answer | None:
    pool = pool or _option_pool(spec)
    if any(line.ticks for line in lines):
        lines = [_leading_mark(line) for line in lines]
    lines = _join_wrapped_options(lines, pool)
    segments = [seg for line in lines for seg in line.tick_segments()]
    if not segments:
        return _choice_from_text(spec, lines_text(lines), source, confidence)
    chosen: list[str] = []
    unknown: list[str] = []
    seen_any_option = False
    for tick, words in segments:
        found = match_option(words, pool) if words else None
        if found is None:
            if tick.checked and words:
                unknown.append(words)
            continue
        owner, option, _score = found
        # Only this question's own options count as "its options are printed here":
        # a block of criteria ticks says nothing about the priorities asked elsewhere.
        seen_any_option = seen_any_option or owner.id == spec.id
        if tick.checked and owner.id == spec.id:
            chosen.append(option.id)
    raw = lines_text(lines)
    if not seen_any_option and not chosen:
        return None
    note = f"ticked but not one of the options: {'; '.join(unknown)}" if unknown else None
    if unknown and not chosen:
        # A tick we cannot tie to an option is an answer we could not place, not
        # a missing one: an officer reads it on the form.
        return unplaced(spec.id, source, note or "", raw)
    if spec.kind == "choices":
        value: Value = sorted(set(chosen))
        return Answer(spec.id, raw, value, source, confidence, flagged=bool(unknown), note=note)
    distinct = sorted(set(chosen))
    if len(distinct) > 1:
        return Answer(
            spec.id,
            raw,
            None,
            source,
            confidence,
            error=f"more than one option is ticked ({', '.join(distinct)})",
        )
    return Answer(
        spec.id,
        raw,
        distinct[0] if distinct else "",
        source,
        confidence,
        flagged=bool(unknown),
        note=note,
    )


def _join_wrapped_options(
    lines: Sequence[Line], pool: tuple[tuple[FieldSpec, OptionSpec], ...]
) -> list[Line]:
    """An option's words wrapped onto a line of their own (a PDF's narrow column), rejoined."""
    out: list[Line] = []
    for line in lines:
        previous = out[-1] if out else None
        if previous is not None and previous.ticks and not line.ticks and line.text:
            last = previous.tick_segments()[-1][1]
            alone = match_option(last, pool) if last else None
            joined = match_option(f"{last} {line.text}", pool) if last else None
            if joined is not None and (alone is None or joined[2] > alone[2]):
                out[-1] = Line(parts=[*previous.parts, " " + line.text], location=previous.location)
                continue
        out.append(line)
    return out


_MARK_TOKEN = re.compile(r"^([^\w\s£(\[]{1,2}|[XxVvYJ✓✔]{1,2})\s+(\S.*)$", re.S)


def _leading_mark(line: Line) -> Line:
    """A tick-less option line among ticked ones, led by a stray mark ("X", "v", '"'), as ticked.

    Among options with tick boxes, a ✓ or X typed or drawn without a box is what
    OCR reads as a letter or a quote mark before the option's words.
    """
    if line.ticks:
        return line
    match = _MARK_TOKEN.match(line.text)
    if match is None:
        return line
    return Line(parts=[Tick(True, "mark"), match.group(2)], location=line.location)


def _choice_from_text(
    spec: FieldSpec, raw: str, source: Source, confidence: float
) -> Answer | None:
    """A choice written out ("New", "Existing work") instead of ticked."""
    pieces = (
        [p for p in re.split(r"[\n;,]+", raw) if p.strip()] if spec.kind == "choices" else [raw]
    )
    chosen = []
    scores = []
    for piece in pieces:
        found = match_option(piece, _option_pool(spec))
        if found is None:
            # Words we cannot tie to an option: an officer reads them on the form
            # (the applicant did answer; "not one of the options" would wrong them).
            return unplaced(
                spec.id,
                source,
                f"the answer {collapse_space(piece)[:80]!r} is not one of the options",
                raw,
            )
        chosen.append(found[1].id)
        scores.append(found[2] / 100)
    if not chosen:
        return None
    value: Value = sorted(set(chosen)) if spec.kind == "choices" else chosen[0]
    return Answer(spec.id, raw, value, source, min(confidence, *scores))


def _read_ticked_yes_no(
    spec: FieldSpec, lines: Sequence[Line], source: Source, confidence: float
) -> Answer | None:
    """ "☒ Yes ☐ No" style answers."""
    raw = lines_text(lines)
    votes: set[bool] = set()
    for line in lines:
        for tick, words in line.tick_segments():
            if not tick.checked:
                continue
            try:
                votes.add(parse_yes_no(words))
            except ValueNotReadable:
                continue
    if len(votes) == 1:
        return Answer(spec.id, raw, votes.pop(), source, confidence)
    if len(votes) > 1:
        return Answer(spec.id, raw, None, source, confidence, error="both Yes and No are ticked")
    if all(not t.checked for line in lines for t in line.ticks):
        offered: set[bool] = set()
        for line in lines:
            for _tick, words in line.tick_segments():
                try:
                    offered.add(parse_yes_no(words))
                except ValueNotReadable:
                    continue
        # Boxes beside both Yes and No, neither ticked: the question left blank
        # (as a choice with no option ticked), not an answer we could not place.
        return Answer(spec.id, raw, "", source, confidence) if len(offered) == 2 else None
    return unplaced(spec.id, source, "a box is ticked but not beside Yes or No", raw)


__all__ = ["Tick", "answer_lines", "read_text_value", "read_value", "split_leading_amount"]
