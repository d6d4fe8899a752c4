"""Typed answers from lines: ticks, marks and written choices."""

from __future__ import annotations

import pytest

from parsers import FormSpec, Source
from parsers.answers import read_value
from parsers.blocks import Line, Tick

SOURCE = Source("table-cell", "table 1, row 3")


def _line(*parts: str | Tick) -> Line:
    return Line(parts=list(parts))


def test_a_mark_typed_before_an_option_among_tick_boxes_counts_as_ticked(kent: FormSpec) -> None:
    lines = [
        _line(Tick(False), " Registered charity"),
        _line("X Local Authority"),
        _line(Tick(False), " Social Enterprise"),
    ]
    answer = read_value(kent.field("organisation_type"), lines, SOURCE)
    assert answer is not None and answer.value == "local_authority"


def test_two_ticked_options_for_one_choice_are_an_error_not_a_guess(kent: FormSpec) -> None:
    lines = [_line(Tick(True), " Registered charity"), _line(Tick(True), " Local Authority")]
    answer = read_value(kent.field("organisation_type"), lines, SOURCE)
    assert answer is not None and answer.value is None
    assert "more than one option" in str(answer.error)


def test_criteria_ticks_say_nothing_about_priorities_asked_elsewhere(kent: FormSpec) -> None:
    lines = [_line(Tick(True), " Prevent and reduce re-offending")]
    pool = tuple(
        (spec, option)
        for spec in (kent.field("criteria"), kent.field("priorities"))
        for option in spec.options
    )
    assert read_value(kent.field("priorities"), lines, SOURCE, option_pool=pool) is None
    criteria = read_value(kent.field("criteria"), lines, SOURCE, option_pool=pool)
    assert criteria is not None and criteria.value == ["reduce_reoffending"]


def test_a_web_address_a_narrow_cell_cut_in_its_last_part_is_one_address(kent: FormSpec) -> None:
    spec = kent.field("contact_website")
    for written in ("www.swalesportsfound.org.u k", "www.swalesportsfound. org.uk"):
        answer = read_value(spec, [_line(written)], SOURCE)
        assert answer is not None and answer.value == "www.swalesportsfound.org.uk"
    # Two addresses stay two.
    answer = read_value(spec, [_line("www.swale.org and www.kent.gov.uk")], SOURCE)
    assert answer is not None and answer.value == "www.swale.org and www.kent.gov.uk"


def test_a_postcode_whose_number_ocr_read_as_a_letter_is_mended_on_a_scan_only(
    kent: FormSpec,
) -> None:
    address = ["38 High Street", "Swale", "MEY 9JQ"]  # "ME9": a postcode's first part has a digit
    scanned = [Line(parts=[text], confidence=0.9) for text in address]
    typed = [Line(parts=[text]) for text in address]
    spec = kent.field("contact_address")
    read = read_value(spec, scanned, SOURCE)
    assert read is not None and read.value == "38 High Street\nSwale\nME9 9JQ"
    kept = read_value(spec, typed, SOURCE)  # what an applicant typed is theirs
    assert kept is not None and kept.value == "38 High Street\nSwale\nMEY 9JQ"
    valid = read_value(spec, [Line(parts=["London SW1A 1AA"], confidence=0.9)], SOURCE)
    assert valid is not None and valid.value == "London SW1A 1AA"


@pytest.mark.parametrize(
    ("lines", "value"),
    [
        (["61 Station Road", "Dover", "ME196GQ"], "61 Station Road\nDover\nME19 6GQ"),
        (["91 High Street, Canterbury, ME1", "1EQ"], "91 High Street, Canterbury, ME1 1EQ"),
        (["101 Mill Lane, Maidstone, ME9 9]Q"], "101 Mill Lane, Maidstone, ME9 9JQ"),
    ],
)
def test_a_postcodes_parts_run_together_parted_or_with_a_bracket_for_j_on_a_scan(
    kent: FormSpec, lines: list[str], value: str
) -> None:
    # OCR lost the narrow space between a postcode's parts, the layout took its second
    # part (always a digit and two letters) for a new line, or a "J" was read "]".
    spec = kent.field("contact_address")
    read = read_value(spec, [Line(parts=[text], confidence=0.9) for text in lines], SOURCE)
    assert read is not None and read.value == value


@pytest.mark.parametrize(
    ("field", "read", "value"),
    [
        ("contact_website", "www.doverboxingclu§b.org.uk", "www.doverboxingclub.org.uk"),
        ("contact_website", "www.ashfordyouthtru—s.org.uk", "www.ashfordyouthtrus.org.uk"),
        ("contact_website", "www.thanetstreetpast.orq.uk", "www.thanetstreetpast.org.uk"),
        ("contact_website", "www.kent.gov.uk/grants?id=7", "www.kent.gov.uk/grants?id=7"),
        (
            "contact_email",
            "katie.clarke@tonbridgementori.ord.uk",
            "katie.clarke@tonbridgementori.org.uk",
        ),
        ("contact_email", "jo_smith@swale.org.uk", "jo_smith@swale.org.uk"),
    ],
)
def test_a_web_or_email_address_keeps_no_mark_a_host_cannot_hold_on_a_scan(
    kent: FormSpec, field: str, read: str, value: str
) -> None:
    # A speck or a border's remains read inside the host ("§", "—"), ".org.uk" read
    # ".orq.uk" or ".ord.uk": no host holds either. A path and a mailbox are left.
    answer = read_value(kent.field(field), [Line(parts=[read], confidence=0.9)], SOURCE)
    assert answer is not None and answer.value == value


def test_a_postcodes_q_read_as_o_on_a_scan_is_mended(kent: FormSpec) -> None:
    # No postcode's last two letters hold an "O": a scan lost the "Q"'s tail.
    spec = kent.field("contact_address")
    read = read_value(
        spec, [Line(parts=["99 High Street, Thanet, ME15 7HO"], confidence=0.9)], SOURCE
    )
    assert read is not None and read.value == "99 High Street, Thanet, ME15 7HQ"
    kept = read_value(spec, [Line(parts=["Old Road, ME1 5AO"])], SOURCE)  # typed: theirs
    assert kept is not None and kept.value == "Old Road, ME1 5AO"


def test_a_web_address_ocr_spaced_at_a_dot_is_one_address_on_a_scan(kent: FormSpec) -> None:
    spec = kent.field("contact_website")
    for read in (
        "www. maidstonevictims.org.uk",
        "www .maidstonevictims.org.uk",
        "www.maidstonevictims.org. uk",
    ):
        answer = read_value(spec, [Line(parts=[read], confidence=0.9)], SOURCE)
        assert answer is not None and answer.value == "www.maidstonevictims.org.uk"
    # Two addresses, or words after one, stay as written.
    both = read_value(
        spec, [Line(parts=["www.swale.org and www.kent.gov.uk"], confidence=0.9)], SOURCE
    )
    assert both is not None and both.value == "www.swale.org and www.kent.gov.uk"
