"""Reading money, dates, yes/no and email addresses the way applicants write them."""

from __future__ import annotations

import pytest

from parsers.errors import ValueNotReadable
from parsers.values import keep_lines, parse_email, parse_money, parse_uk_date, parse_yes_no


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ("£12,500.00", "12500.00"),
        ("12500", "12500.00"),
        ("GBP 12,000", "12000.00"),
        ("£9,500", "9500.00"),
        ("£ 9 500", "9500.00"),
        ("£10k", "10000.00"),
        ("£1.5m", "1500000.00"),
        ("9500.5", "9500.50"),
        ("(£200)", "-200.00"),
        ("£11,500 inc VAT", "11500.00"),
    ],
)
def test_money_reads_as_two_decimals(written: str, amount: str) -> None:
    assert parse_money(written) == amount


@pytest.mark.parametrize("written", ["about £5k", "£5,000 - £7,000", "TBC", "five thousand", ""])
def test_money_that_is_not_one_amount_is_refused(written: str) -> None:
    with pytest.raises(ValueNotReadable):
        parse_money(written)


@pytest.mark.parametrize(
    "written",
    [
        "1st April 2027",
        "01/04/2027",
        "1 Apr 27",
        "2027-04-01",
        "1.4.2027",
        "Thursday 1 April 2027",
        "01-04- 2027",  # wrapped after the separator in a narrow PDF cell
    ],
)
def test_uk_dates_read_as_iso(written: str) -> None:
    assert parse_uk_date(written) == "2027-04-01"


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("lst May 2027", "2027-05-01"),  # a scan's "1" read as "l" or "I"
        ("Ist August 2027", "2027-08-01"),
        ("Sth November 2027", "2027-11-05"),  # and "5" as "S"
        ("2lst June 2027", "2027-06-21"),
    ],
)
def test_a_days_ordinal_read_with_letters_for_digits_is_a_date(written: str, iso: str) -> None:
    assert parse_uk_date(written) == iso


@pytest.mark.parametrize("written", ["Sst May 2027", "Ith May 2027"])
def test_letters_are_not_taken_for_a_days_digits_its_suffix_does_not_fit(written: str) -> None:
    with pytest.raises(ValueNotReadable):
        parse_uk_date(written)


@pytest.mark.parametrize("written", ["TBC", "April 2027", "Phase 2", "ASAP", "31/02/2027", "2027"])
def test_a_date_is_never_guessed(written: str) -> None:
    with pytest.raises(ValueNotReadable):
        parse_uk_date(written)


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("Yes", True),
        ("Y", True),
        ("no", False),
        ("N", False),
        ("☒", True),
        ("Yes - with the council", True),
    ],
)
def test_yes_and_no(written: str, value: bool) -> None:
    assert parse_yes_no(written) is value


def test_an_answer_that_is_neither_yes_nor_no_is_refused() -> None:
    with pytest.raises(ValueNotReadable):
        parse_yes_no("maybe")


def test_email_addresses_lose_mailto_and_brackets_and_must_be_addresses() -> None:
    assert parse_email("mailto:jo@example.org") == "jo@example.org"
    assert parse_email("<jo@example.org>") == "jo@example.org"
    with pytest.raises(ValueNotReadable):
        parse_email("jo at example dot org")


def test_an_answers_line_breaks_are_kept_and_other_white_space_collapsed() -> None:
    written = "Staff:\t £6,000\r\n\r\n  Venue hire:  £2,500 \u2028Materials: £500\n"
    assert keep_lines(written) == "Staff: £6,000\nVenue hire: £2,500\nMaterials: £500"
    assert keep_lines("one line") == "one line"
