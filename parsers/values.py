"""Reading typed values out of the text applicants write.

Every function here is pure and strict: a value that cannot be read with
certainty raises :class:`~parsers.errors.ValueNotReadable` with a sentence an
applicant would understand, instead of guessing ("TBC" is not a date, "April
2027" is not a day, "about ten grand" is not an amount).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from dateutil import parser as date_parser

from parsers.errors import ValueNotReadable

_SPACE = re.compile(r"\s+")


def collapse_space(text: str) -> str:
    """Text with runs of white space (newlines, tabs, non-breaking spaces) made one space."""
    return _SPACE.sub(" ", text.replace("\u00a0", " ")).strip()


_LINE_SPACE = re.compile(r"[^\S\n]+")


def keep_lines(text: str) -> str:
    """Text with its line breaks kept as ``"\n"`` and other white space collapsed.

    A budget written on three lines stays on three lines; spaces and tabs inside
    a line become one space, and blank lines (a paragraph's spacing) are dropped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    pieces = (_LINE_SPACE.sub(" ", piece).strip() for piece in text.split("\n"))
    return "\n".join(piece for piece in pieces if piece)


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of characters between white space."""
    return len(text.split())


# --- web and email addresses read by OCR -----------------------------------

_WEB_OR_EMAIL = re.compile(r"(?:https?://|www\.|[\w.+'-]+@)(\S+)", re.I)
_NOT_IN_A_HOST = re.compile(r"[^A-Za-z0-9.\-:]")
_SLIPPED_ORG_UK = re.compile(r"\.or(?:dq?|q)\.uk$")


def repair_web_address(text: str) -> str:
    """A web or email address as OCR reads it, its host mended where the slip is
    sure: a mark no host name holds ("doverboxingclu§b", "youthtru—s", "c]lu",
    "yout_htr": dropped) and ".org.uk" read ".ord.uk" or ".orq.uk" (no such
    ending is given out). Anything else (a letter for a letter) is left."""
    match = _WEB_OR_EMAIL.fullmatch(text)
    if match is None:
        return text
    host, slash, path = match.group(1).partition("/")
    host = _SLIPPED_ORG_UK.sub(".org.uk", _NOT_IN_A_HOST.sub("", host))
    return text[: match.start(1)] + host + slash + path


# --- postcodes read by OCR ---------------------------------------------------

_SLIPPED_POSTCODE = re.compile(r"(?m)(?<![\w-])([A-Z]{1,2})([AYQOISZBGT])(\s\d[A-Z]{2})$")
_AS_DIGIT = str.maketrans("AYQOISZBGT", "4990152867")


def repair_postcode(text: str) -> str:
    """A UK postcode ending a line whose district number OCR read as a letter
    ("MEA 2AQ", "MEY 3GQ", "MEQ 1AB" for ME4, ME9): the first part of a postcode
    always holds a digit after its one or two area letters, so letters alone there
    are a misreading, and the look-alike digit is put back. An "O" among the last two
    letters is a "Q" (:data:`_INWARD_O`)."""

    def fix(match: re.Match[str]) -> str:
        return match.group(1) + match.group(2).translate(_AS_DIGIT) + match.group(3)

    def fix_inward(match: re.Match[str]) -> str:
        return match.group(1) + match.group(2).replace("O", "Q")

    text = _PARTED_POSTCODE.sub(r"\1 \2", text)
    text = _INWARD_J.sub(r"\1J\2", text)
    return _INWARD_O.sub(fix_inward, _SLIPPED_POSTCODE.sub(fix, text))


_PARTED_POSTCODE = re.compile(r"(?m)(?<![\w-])([A-Z]{1,2}\d[A-Z\d]?)(?: ?\n|)(\d[A-Z]{2})$")
"""A postcode's two parts OCR ran together ("ME196GQ": the second part is always a
digit and two letters) or parted over two lines ("Canterbury, ME1" / "1EQ")."""
_INWARD_J = re.compile(r"(?m)(?<![\w-])([A-Z]{1,2}\d[A-Z\d]?\s\d)\]([A-Z])$")
"""A "J" in a postcode's second part read as "]" ("ME9 9]Q")."""


_INWARD_O = re.compile(r"(?m)(?<![\w-])([A-Z]{1,2}\d[A-Z\d]?\s\d)([A-Z]O|O[A-Z])$")
"""A postcode's second part with an "O" in its letters, which no postcode uses there
(nor C, I, K, M, V): a "Q" whose tail a scan lost ("ME15 7HO" is ME15 7HQ)."""


# --- money -----------------------------------------------------------------

_MONEY = re.compile(
    r"""^
    (?P<neg1>-)?\s*
    (?:£|GBP|gbp|UKP)?\s*
    (?P<neg2>-)?\s*
    (?P<number>\d{1,3}(?:[,\s]\d{3})+|\d+)
    (?P<fraction>\.\d{1,2})?
    \s*(?P<scale>k|K|m|M|million|thousand)?
    \s*(?:GBP|gbp|pounds?|sterling)?
    (?:\s*(?:only|exc\.?\s*VAT|inc\.?\s*VAT|\(ex(?:cluding)?\s*VAT\)))?
    $""",
    re.VERBOSE,
)
_IN_WORDS = re.compile(r"\s*[(\[][A-Za-z ,\-]{3,}(?:pounds?)?[)\]]$")
_SCALES = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}


def parse_money(text: str) -> str:
    """An amount of pounds as a string with two decimals: ``"£12,500"`` -> ``"12500.00"``.

    Accepts a pound sign or GBP, thousands separators, pence, ``k``/``m`` and
    parentheses for negatives. Rejects ranges, several amounts and words.
    """
    cleaned = collapse_space(text).rstrip(".").strip()
    # "£5,000.00 (five thousand)": the amount in words repeats the figure.
    cleaned = _IN_WORDS.sub("", cleaned).rstrip(".").strip()
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
    cleaned = cleaned.replace("£ ", "£")
    match = _MONEY.match(cleaned)
    if not match:
        raise ValueNotReadable(f"{text.strip()!r} is not an amount of money")
    digits = re.sub(r"[,\s]", "", match["number"]) + (match["fraction"] or "")
    try:
        amount = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits digits only
        raise ValueNotReadable(f"{text.strip()!r} is not an amount of money") from exc
    if match["scale"]:
        amount *= _SCALES[match["scale"].lower()]
    if negative or match["neg1"] or match["neg2"]:
        amount = -amount
    return f"{amount.quantize(Decimal('0.01'))}"


# --- dates -----------------------------------------------------------------

_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)
_SLIPPED_ORDINAL = re.compile(r"\b([\dlIOS]{0,1}[lIOS][\dlIOS]{0,1})(st|nd|rd|th)\b")
_DAY_DIGITS = str.maketrans("lIOS", "1105")


def _ordinal_digits(match: re.Match[str]) -> str:
    """A day's ordinal whose digits OCR read as look-alike letters ("lst", "Ist" for
    1st, "Sth" for 5th, "2lst"): the digits put back where the suffix is the one
    that number takes (no word ends so, and "Sth" is never 1st)."""
    day = match.group(1).translate(_DAY_DIGITS)
    number = int(day)
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10 if number // 10 != 1 else 0, "th")
    return day + match.group(2) if suffix == match.group(2).lower() else match.group(0)


_HAS_DAY_AND_MONTH = re.compile(r"\d")


class _UkParserInfo(date_parser.parserinfo):
    def __init__(self) -> None:
        super().__init__(dayfirst=True, yearfirst=False)


_PARSER_INFO = _UkParserInfo()
_FIRST_DEFAULT = date(1904, 1, 1)
_SECOND_DEFAULT = date(1908, 2, 2)


_SPACED_SEPARATOR = re.compile(r"(?<=\d)\s*([-/.])\s*(?=\d)")


def parse_uk_date(text: str) -> str:
    """A UK-written date as ISO ``YYYY-MM-DD``.

    "1st April 2027", "01/04/2027", "1 Apr 27" and "2027-04-01" all read as
    2027-04-01. A value missing its day, month or year ("April 2027", "TBC",
    "Phase 2", "ASAP") is not a date: we parse twice with different defaults and
    reject the value if the results differ, so nothing is filled in by guessing.
    """
    cleaned = _SLIPPED_ORDINAL.sub(_ordinal_digits, collapse_space(text))
    cleaned = _ORDINAL.sub(r"\1", cleaned).replace(",", " ").strip(". ")
    # "01-07- 2027": a narrow cell wrapped the date after a separator.
    cleaned = _SPACED_SEPARATOR.sub(r"\1", cleaned)
    if not cleaned or not _HAS_DAY_AND_MONTH.search(cleaned) or len(cleaned) > 40:
        raise ValueNotReadable(f"{text.strip()!r} is not a date")
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", cleaned)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError as exc:
            raise ValueNotReadable(f"{text.strip()!r} is not a date") from exc
    try:
        first = date_parser.parse(
            cleaned, parserinfo=_PARSER_INFO, default=_as_datetime(_FIRST_DEFAULT)
        ).date()
        second = date_parser.parse(
            cleaned, parserinfo=_PARSER_INFO, default=_as_datetime(_SECOND_DEFAULT)
        ).date()
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueNotReadable(f"{text.strip()!r} is not a date") from exc
    if first != second:
        raise ValueNotReadable(f"{text.strip()!r} is not a full date (day, month and year)")
    return first.isoformat()


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


# --- yes / no --------------------------------------------------------------

_YES = {"yes", "y", "true", "x", "✓", "✔", "☒", "☑", "ticked", "checked"}
_NO = {"no", "n", "false", "☐", "unticked", "unchecked", "none", "n/a", "na"}


def parse_yes_no(text: str) -> bool:
    """Yes/No, Y/N, ticks and crosses as a boolean."""
    cleaned = collapse_space(text).strip(".!").lower()
    if cleaned in _YES:
        return True
    if cleaned in _NO:
        return False
    first = cleaned.split(" ", 1)[0].strip(",.;:-")
    if first in {"yes", "y"}:
        return True
    if first in {"no", "n"}:
        return False
    raise ValueNotReadable(f"{text.strip()!r} is not Yes or No")


# --- email -----------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def parse_email(text: str) -> str:
    """An email address, without a ``mailto:`` prefix or angle brackets."""
    cleaned = collapse_space(text)
    if cleaned.lower().startswith("mailto:"):
        cleaned = cleaned[7:]
    cleaned = cleaned.strip("<>. ")
    joined = re.sub(r"\s+", "", cleaned)
    if (
        " " in cleaned
        and cleaned.count("@") == 1
        and not _EMAIL.match(cleaned.split()[0])
        and _EMAIL.match(joined)
    ):
        cleaned = joined  # an address wrapped in a narrow cell ("name@exam ple.org")
    if not _EMAIL.match(cleaned):
        raise ValueNotReadable(f"{text.strip()!r} is not an email address")
    return cleaned
