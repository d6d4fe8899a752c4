"""How a question is worded decides which questions it can be (pure, no documents)."""

from __future__ import annotations

import pytest

from parsers.answers import read_text_value
from parsers.labels import LabelMatcher
from parsers.model import FieldSpec, FormSpec, Source

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
