"""Word documents made the ways applicants make them read the same answers."""

from __future__ import annotations

from fixtures.corpus_docx import (
    cell,
    formcheckbox,
    formdropdown,
    formtext,
    package,
    para,
    row,
    run,
    sdt_date,
    sdt_dropdown,
    sdt_text,
    table,
    text_box,
    tick_para,
    tracked,
)
from parsers import FormSpec, parse_document

W14_CHECKED_BUT_EMPTY_GLYPH = (
    '<w:sdt><w:sdtPr><w:tag w:val="charity"/><w14:checkbox><w14:checked w14:val="1"/>'
    "</w14:checkbox></w:sdtPr><w:sdtContent>" + run("☐") + "</w:sdtContent></w:sdt>"
)


def _values(data: bytes, form: FormSpec) -> dict[str, object]:
    return {k: a.value for k, a in parse_document(data, form).answers.items()}


def _rows(*pairs: tuple[str, str]) -> str:
    return table(
        [row(cell(para(run(a)), width=3000), cell(b, width=6000)) for a, b in pairs], (3000, 6000)
    )


def test_content_controls_text_date_dropdown_and_placeholders(kent: FormSpec) -> None:
    body = _rows(
        ("Name of Organisation", para(sdt_text("OrgName", "Organisation", "Medway Youth Trust"))),
        ("Telephone No", para(sdt_text("Phone", "Phone", ""))),  # placeholder: unanswered
        ("Proposed start date", para(sdt_date("Start", "Start date", "x", "2027-04-01"))),
        ("Is this a partnership bid?", para(sdt_dropdown("Joint", "Joint", ["Yes", "No"], "No"))),
        ("Email", para(sdt_text("Email", "Email", "sarah@example.org"))),
    )
    values = _values(package(body), kent)
    assert values["organisation_name"] == "Medway Youth Trust"
    assert "contact_telephone" not in values
    assert values["start_date"] == "2027-04-01"
    assert values["partnership_bid"] is False


def test_a_content_control_tick_box_is_read_from_its_state_not_its_glyph(kent: FormSpec) -> None:
    ticks = para(W14_CHECKED_BUT_EMPTY_GLYPH + run(" Registered charity"))
    ticks += tick_para(False, "Local Authority")
    body = _rows(
        ("Name of Organisation", para(run("Medway Youth Trust"))),
        ("Please tick the type of organisation that best defines you", ticks),
        ("Email", para(run("sarah@example.org"))),
    )
    assert _values(package(body), kent)["organisation_type"] == "registered_charity"


def test_legacy_form_fields(kent: FormSpec) -> None:
    ticks = para(formcheckbox("Check1", False) + run(" Registered charity"))
    ticks += para(formcheckbox("Check2", True) + run(" Social Enterprise"))
    body = _rows(
        ("Name of Organisation", para(formtext("Text1", "Medway Youth Trust"))),
        ("Telephone No", para(formtext("Text2", ""))),  # five en spaces: blank
        ("Please tick the type of organisation that best defines you", ticks),
        (
            "Is this grant for a new project / service or to support/extend existing work?",
            para(formdropdown("Dropdown1", ["New", "Existing"], "Existing")),
        ),
    )
    values = _values(package(body), kent)
    assert values["organisation_name"] == "Medway Youth Trust"
    assert "contact_telephone" not in values
    assert values["organisation_type"] == "social_enterprise"
    assert values["new_or_existing"] == "existing"


def test_tracked_changes_read_as_accepted_and_text_boxes_are_read(kent: FormSpec) -> None:
    body = _rows(
        (
            "Name of Organisation",
            para(tracked("Medway Young People's", "Medway") + run(" Youth Trust")),
        ),
        ("Email", para(run("sarah@example.org"))),
        ("Telephone No", para(run("01632 960412"))),
    )
    box = para(run("Name of the project / service", bold=True)) + para(run("Safe Streets Medway"))
    body += para(text_box(box))
    values = _values(package(body), kent)
    assert values["organisation_name"] == "Medway Youth Trust"
    assert values["project_name"] == "Safe Streets Medway"


def test_labels_in_other_words_and_options_marked_with_x_in_a_nested_table(kent: FormSpec) -> None:
    options = table(
        [
            row(cell(para(run("Registered charity")), width=4000), cell(para(), width=800)),
            row(cell(para(run("Local Authority")), width=4000), cell(para(run("X")), width=800)),
        ],
        (4000, 800),
    )
    body = _rows(
        ("Organisation name", para(run("Kent County Council"))),
        ("Type of organisation", options + para()),
        ("E-mail address", para(run("team@kent.example.gov.uk"))),
        ("Amount requested (£)", para(run("GBP 9,000"))),
    )
    values = _values(package(body), kent)
    assert values["organisation_name"] == "Kent County Council"
    assert values["organisation_type"] == "local_authority"
    assert values["contact_email"] == "team@kent.example.gov.uk"
    assert values["amount_requested"] == "9000.00"


def test_a_form_without_tables(kent: FormSpec) -> None:
    body = para(run("Part A"), style="Heading1")
    body += para(run("Name of Organisation: ", bold=True) + run("Medway Youth Trust"))
    body += para(run("Registration number (charity or company): ", bold=True) + run("1123456"))
    body += para(run("How will the grant be spent?", bold=True))
    body += para(run("Youth workers: £7,600"), style="ListBullet")
    body += para(run("Training: £900"), style="ListBullet")
    body += para(run("Part B"), style="Heading1")
    body += para(run("Email: ", bold=True) + run("sarah@example.org"))
    values = _values(package(body), kent)
    assert values["organisation_name"] == "Medway Youth Trust"
    assert values["registration_number"] == "1123456"
    assert values["budget_breakdown"] == "Youth workers: £7,600\nTraining: £900"  # lines kept


def test_headers_count_only_for_questions_the_body_leaves_unanswered(kent: FormSpec) -> None:
    body = _rows(
        ("Email", para(run("sarah@example.org"))),
        ("Telephone No", para(run("01632 960412"))),
        ("Position in organisation", para(run("Director"))),
    )
    values = _values(package(body, header="Name of Organisation: Medway Youth Trust"), kent)
    assert values["organisation_name"] == "Medway Youth Trust"
    body += _rows(("Name of Organisation", para(run("Swale Women's Network"))))
    values = _values(package(body, header="Name of Organisation: Medway Youth Trust"), kent)
    assert values["organisation_name"] == "Swale Women's Network"
