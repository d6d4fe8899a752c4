"""How a question is worded decides which questions it can be (pure, no documents)."""

from __future__ import annotations

import pytest

from parsers.answers import read_text_value
from parsers.blocks import Line
from parsers.labels import LabelMatcher
from parsers.model import FieldSpec, FormSpec, Source
from parsers.pairing import looks_like_question

FORM = FormSpec(
    "f",
    "Form",
    (
        FieldSpec("partnership_bid", ("Joint / partnership bid",), "yesno"),
        FieldSpec("partner_organisations", ("Partner organisations involved",)),
        FieldSpec("budget", ("Budget breakdown",)),
    ),
)


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("If yes, who are your partners?", "partner_organisations"),
        ("A.5 If so, who are the partners?", "partner_organisations"),
        ("Is this a partnership bid?", "partnership_bid"),
        # Answered yes or no, and only one such question shares a word with it.
        ("A.6 Partnership application? (Yes/No)", "partnership_bid"),
        ("Are you applying in partnership?", "partnership_bid"),
    ],
)
def test_a_question_form_rules_out_kinds_of_answer(question: str, field: str) -> None:
    found = LabelMatcher(FORM).keyword_match(question)
    assert found is not None and found.field.id == field
    assert not found.exact  # recognised by its words: flagged for an officer


def test_a_typed_bullet_or_ocrs_reading_of_one_is_not_the_answer() -> None:
    spec = FORM.field("budget")
    raw = "We will:\n• Staff\ne Venue hire\n- Materials\nevery quarter"
    answer = read_text_value(spec, raw, Source("paragraph", "p"))
    assert answer is not None
    assert answer.value == "We will:\nStaff\nVenue hire\nMaterials\nevery quarter"


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("1. Full name of organisation", "organisation_name"),  # not the contact's "Full name"
        ("Full cost of the project", "total_cost"),
        ("Name of project lead:", "contact_name"),
        ("Name of project:", "project_name"),
        # Words for where and for after the funding, as applicants word them.
        ("Where will it take place?", "location"),
        ("Area covered:", "location"),
        ("Plans for after the grant ends:", "sustainability"),
    ],
)
def test_reworded_questions_are_known_by_their_words(
    kent: FormSpec, question: str, field: str
) -> None:
    found = LabelMatcher(kent).match(question) or LabelMatcher(kent).keyword_match(question)
    assert found is not None and found.field.id == field


@pytest.mark.parametrize(
    ("question", "field"),
    [
        # The last noun names the question; "Lead" is not the contact's here.
        ("Lead organisation", "organisation_name"),
        ("11. Email for correspondence", "contact_email"),
        ("Address for correspondence:", "contact_address"),
        # "Status" is the organisation's type; "specify" asks what "define" asks.
        ("Legal status of your organisation", "organisation_type"),
        ("Organisation status:", "organisation_type"),
        ("If other, please specify", "organisation_type_other"),
        # "If Other, …" asks the detail of the option "Other (please define)".
        ("If Other, please describe your organisation", "organisation_type_other"),
        ("What does your organisation do?", "organisation_aims"),
        ("Main contact:", "contact_name"),
        # One word that only one question uses, numbered: set out as that question.
        ("12. Measures of success", "outcome_measures"),
        ("4. Registration no.", "registration_number"),
    ],
)
def test_more_rewordings_applicants_use_are_known(
    kent: FormSpec, question: str, field: str
) -> None:
    matcher = LabelMatcher(kent)
    found = matcher.match(question) or matcher.keyword_match(question)
    assert found is not None and found.field.id == field
    assert not found.exact  # recognised by its words: flagged for an officer


def test_one_bold_word_only_one_question_uses_is_that_question(kent: FormSpec) -> None:
    # "Area covered" printed bold as a label: set out as a question by the document.
    assert LabelMatcher(kent).keyword_match("Area covered") is None
    found = LabelMatcher(kent).keyword_match("Area covered", set_out=True)
    assert found is not None and found.field.id == "location"


@pytest.mark.parametrize(
    ("text", "field", "answer"),
    [
        ("4) Registration no.: 1096377", "registration_number", "1096377"),
        # A hint in brackets before the colon.
        ("21. Amount sought (£): £ 6,000", "amount_requested", "£ 6,000"),
        # Asked to be answered yes or no, answered after the hint.
        ("A4 Partnership application? (Yes/No): No", "partnership_bid", "No"),
    ],
)
def test_a_reworded_question_with_its_answer_after_its_colon_gives_the_answer(
    kent: FormSpec, text: str, field: str, answer: str
) -> None:
    found = LabelMatcher(kent).keyword_match(text)
    assert found is not None and found.field.id == field
    assert found.rest == answer


def test_an_answer_a_pdf_ran_onto_a_long_label_without_question_mark_is_after_it(
    kent: FormSpec,
) -> None:
    # The label reached the margin, so the answer's first word did not fit on its
    # line, and the PDF's lines were joined as one wrapped paragraph.
    label = (
        "Question 22: If this amount is different to the total cost of the project please "
        "highlight how the remaining monies will be funded"
    )
    found = LabelMatcher(kent).match(f"{label} A Lottery grant covers the remaining costs.")
    assert found is not None and found.field.id == "funding_shortfall"
    assert found.after == "A Lottery grant covers the remaining costs."
    # Words going on in lower case extend the question; they are no answer.
    found = LabelMatcher(kent).match(f"{label} and when it will be confirmed")
    assert found is not None and found.after == ""


def test_a_question_answered_after_its_question_mark_keeps_the_answer(kent: FormSpec) -> None:
    found = LabelMatcher(kent).keyword_match("If yes, who are your partners? Swale Council")
    assert found is not None and found.field.id == "partner_organisations"
    assert found.after == "Swale Council"


def test_a_label_cut_short_then_answered_after_its_colon_gives_the_answer(kent: FormSpec) -> None:
    text = "Q5. If yes please provide details of the…: Dartford District Council"
    found = LabelMatcher(kent).match(text)
    assert found is not None and found.field.id == "partner_organisations"
    assert found.rest == "Dartford District Council"


@pytest.mark.parametrize(
    ("scanned", "field"),
    [
        ("All E-mail:", "contact_email"),  # "A11" read "All"
        ("Al10 Telephone No:", "contact_telephone"),  # "A10" read "Al10"
        ("A8S Name:", "contact_name"),  # a stray letter after "A8"
        ("A& Name:", "contact_name"),  # "A8"
        ("Al Name of Organisation", "organisation_name"),  # "A1"
        ("Ql2 Website", "contact_website"),  # "Q12"
        ("l. Organisation name", "organisation_name"),  # "1."
        ("Qi1. Email", "contact_email"),  # "Q11"
        ("Q1i1. Position in organisation:", "contact_position"),  # "Q11"
    ],
)
def test_a_question_number_misread_on_a_scan_still_leaves_its_label(
    kent: FormSpec, scanned: str, field: str
) -> None:
    found = LabelMatcher(kent).match(scanned)
    assert found is not None and found.field.id == field


@pytest.mark.parametrize(
    "answer", ["All Saints Church hosts the sessions", "Bill Smith", "I mentor young people"]
)
def test_an_answer_that_begins_like_a_misread_number_is_not_a_question(answer: str) -> None:
    assert not looks_like_question(Line(parts=[answer]))
    assert LabelMatcher(FORM).match(answer) is None


@pytest.mark.parametrize(
    ("question", "field"),
    [
        # Each shares one rare word with the email question and one with the address's
        # "Correspondence address": the noun it starts with is what it asks for.
        ("Email for correspondence:", "contact_email"),
        ("Address for correspondence:", "contact_address"),
        ("Q11 Email for correspondence:", "contact_email"),
    ],
)
def test_a_question_worded_as_a_noun_and_what_it_is_for_asks_for_the_noun(
    kent: FormSpec, question: str, field: str
) -> None:
    matcher = LabelMatcher(kent)
    found = matcher.match(question) or matcher.keyword_match(question)
    assert found is not None and found.field.id == field


def test_a_noun_many_questions_ask_for_tells_none_apart(kent: FormSpec) -> None:
    # "Names" is asked by the contact's, the organisation's and the project's name; the
    # partners' question misread by OCR is not taken for the contact's name.
    found = LabelMatcher(kent).keyword_match("5) Names of partner oraqanisations")
    assert found is None or found.field.id == "partner_organisations"


@pytest.mark.parametrize(
    ("question", "field", "rest"),
    [
        ("B.19 Area covered", "location", ""),  # one word of substance, set out by its number
        ("4) Registration no.: 1096377", "registration_number", "1096377"),
    ],
)
def test_a_numbered_question_of_one_word_is_a_question(
    kent: FormSpec, question: str, field: str, rest: str
) -> None:
    found = LabelMatcher(kent).keyword_match(question)
    assert found is not None and found.field.id == field and found.rest == rest


def test_a_question_numbered_with_a_comma_on_a_scan_keeps_the_answer_after_it(
    kent: FormSpec,
) -> None:
    # "17." read "17,": the label matched only loosely and lost the answer typed after
    # its question mark (the answer cell beside it empty), so the applicant was told
    # the location was missing.
    found = LabelMatcher(kent).match(
        "17, Where will the project / service be located? Referrals come from schools."
    )
    assert found is not None and found.field.id == "location" and found.exact
    assert found.after == "Referrals come from schools."
    # An address is not numbered so.
    assert LabelMatcher(kent).match("12, High Street") is None
