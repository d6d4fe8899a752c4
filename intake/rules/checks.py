"""Judging a bid: completeness against the form, eligibility against the fund.

Pure functions on data. The answers come from a parser; the rules from the
configuration; the moment of receipt from the caller's clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from intake.config.model import Condition, Form, FormField, Fund, Office, Round
from intake.rules.bid import Problem, Status, status_of
from parsers.model import Answer
from parsers.values import word_count


@dataclass(frozen=True, slots=True)
class Judgement:
    """The typed fields, the problems in reading order, the status and the round."""

    fields: dict[str, Any]
    problems: list[Problem]
    status: Status
    round: Round | None


def judge(
    *,
    form: Form,
    fund: Fund | None,
    office: Office | None,
    answers: dict[str, Answer],
    received_at: datetime,
    attachments: Sequence[str] = (),
) -> Judgement:
    """Check ``answers`` against ``form`` and, when given, ``fund``'s caps, rounds and
    supporting documents (looked for among the names of ``attachments``)."""
    fields = typed_fields(form, answers)
    problems: list[Problem] = []
    round_ = None
    if fund is not None and office is not None:
        round_, timing = round_problems(fund, office, received_at)
        problems += timing
    problems += completeness_problems(form, answers, fields)
    if fund is not None:
        problems += cap_problems(form, fund, fields, answers)
        problems += document_problems(fund, fields, attachments)
    problems += total_cost_problems(form, fields)
    return Judgement(fields=fields, problems=problems, status=status_of(problems), round=round_)


def unreadable(reason: str) -> Judgement:
    """The judgement for a mail or file from which no form could be read."""
    problems = [Problem(field=None, code="unreadable", message=reason)]
    return Judgement(fields={}, problems=problems, status="unreadable", round=None)


def typed_fields(form: Form, answers: dict[str, Answer]) -> dict[str, Any]:
    """Every answered field of the form with a readable value, in form order.

    Unreadable values are left out (they become ``invalid`` problems); empty
    strings and empty tick lists count as unanswered.
    """
    fields: dict[str, Any] = {}
    for field in form.fields:
        answer = answers.get(field.id)
        if answer is None or answer.value is None or answer.error:
            continue
        value = answer.value
        if value == "" or value == []:
            continue
        if isinstance(value, list):
            value = sorted(set(value))
        fields[field.id] = value
    return fields


def completeness_problems(
    form: Form, answers: dict[str, Answer], fields: dict[str, Any]
) -> list[Problem]:
    """``missing``, ``invalid`` and ``too_long`` problems, in the order of the form."""
    problems: list[Problem] = []
    for field in form.fields:
        answer = answers.get(field.id)
        if answer is not None and answer.error and answer.raw.strip():
            problems.append(
                Problem(field=field.id, code="invalid", message=_invalid_message(field, answer))
            )
            continue
        if field.id not in fields:
            if field.required or _condition_holds(field.required_if, fields):
                if answer is not None and not answer.placed:
                    # Found on the form but not placed with confidence: an officer
                    # checks it; the applicant is never told it is missing.
                    problems.append(
                        Problem(field=field.id, code="unsure", message=_unsure_message(answer))
                    )
                else:
                    problems.append(
                        Problem(field=field.id, code="missing", message=_missing_message(field))
                    )
            continue
        if field.max_words and answer is not None:
            words = word_count(answer.raw)
            if words > field.max_words:
                problems.append(
                    Problem(
                        field=field.id,
                        code="too_long",
                        # The question is the problem's label in every view: not repeated here.
                        message=f"Your answer has {words} words; the limit is {field.max_words}.",
                    )
                )
    return problems


def cap_problems(
    form: Form, fund: Fund, fields: dict[str, Any], answers: dict[str, Answer] | None = None
) -> list[Problem]:
    """``over_limit`` when an amount is above the fund's cap (the joint cap for
    partnerships); ``under_limit`` when it is below the fund's minimum grant.

    When the reader found the partnership question but could not place its answer
    (an ``unsure`` one, in ``answers``), the bid may be a partnership: it is held
    to the joint cap, so that an applicant is never told a joint bid is over the
    single cap because a tick was not read. An officer checks the answer.
    """
    joint = bool(form.partnership_field and fields.get(form.partnership_field) is True)
    if form.partnership_field and form.partnership_field not in fields and answers is not None:
        answer = answers.get(form.partnership_field)
        joint = joint or (answer is not None and not answer.placed)
    cap = fund.cap_for(joint=joint)
    problems = []
    for field in form.fields:
        if not field.capped_by_fund or field.id not in fields:
            continue
        amount = Decimal(fields[field.id])
        if fund.min_amount is not None and amount < fund.min_amount:
            problems.append(
                Problem(
                    field=field.id,
                    code="under_limit",
                    message=(
                        f"You ask for {money(amount)}, below the {fund.name}'s minimum grant of "
                        f"{money(fund.min_amount)}."
                    ),
                )
            )
        if cap is not None and amount > cap:
            kind = "a partnership bid" if joint and fund.cap_joint else "a single bid"
            problems.append(
                Problem(
                    field=field.id,
                    code="over_limit",
                    message=(
                        f"You ask for {money(amount)}, above the {fund.name}'s maximum of "
                        f"{money(cap)} for {kind}."
                    ),
                )
            )
    return problems


def document_problems(
    fund: Fund, fields: dict[str, Any], attachments: Sequence[str]
) -> list[Problem]:
    """``missing_document`` for each supporting document the fund requires here
    (always, or because of an answer) that no attachment's name shows."""
    names = [_words_of(name) for name in attachments]
    problems = []
    for document in fund.documents:
        if not (document.required or _condition_holds(document.required_if, fields)):
            continue
        wanted = [_words_of(word) for word in document.match]
        if any(word in name for name in names for word in wanted):
            continue
        problems.append(
            Problem(
                field=None,
                code="missing_document",
                message=(
                    f"Please send your {document.name} with your application, as a file "
                    f"whose name says what it is (for example '{document.match[0]}')."
                ),
            )
        )
    return problems


def _words_of(name: str) -> str:
    """A file name or word as lower-case words between spaces: "Safeguarding_Policy.pdf"
    -> " safeguarding policy pdf "."""
    return " " + " ".join(re.split(r"[\s_.\-]+", name.lower())).strip() + " "


def total_cost_problems(form: Form, fields: dict[str, Any]) -> list[Problem]:
    """``over_limit`` when an amount is above the amount it may not exceed (the total cost)."""
    problems = []
    for field in form.fields:
        other = field.not_above_field
        if not other or field.id not in fields or other not in fields:
            continue
        amount, ceiling = Decimal(fields[field.id]), Decimal(fields[other])
        if amount > ceiling:
            problems.append(
                Problem(
                    field=field.id,
                    code="over_limit",
                    message=(
                        f"You ask for {money(amount)}, more than the total cost of the project "
                        f"({money(ceiling)})."
                    ),
                )
            )
    return problems


def round_problems(
    fund: Fund, office: Office, received_at: datetime
) -> tuple[Round | None, list[Problem]]:
    """The round a bid belongs to, or a ``late`` / ``no_round`` problem.

    A bid received after a round closed but before that round's decisions are
    due is ``late`` for that round (officers may still accept it); any other
    time outside a round is ``no_round``.
    """
    if fund.rolling:  # always open: no round to belong to, never late
        return None, []
    tz = office.tz
    local = received_at.astimezone(tz)
    for round_ in fund.rounds:
        if round_.opens_at(tz) <= local < round_.closes_at(tz):
            return round_, []
    closed = [r for r in fund.rounds if r.closes_at(tz) <= local]
    if closed:
        last = max(closed, key=lambda r: r.closes)
        if local.date() <= last.decisions_due_on():
            message = (
                f"Received {_when(local)}, after the {fund.name} {last.name} closed "
                f"at the end of {_day(last.closes)}."
            )
            return last, [Problem(field=None, code="late", message=message)]
    upcoming = sorted((r for r in fund.rounds if r.opens_at(tz) > local), key=lambda r: r.opens)
    message = f"Received {_when(local)}, when no round of the {fund.name} was open."
    if upcoming:
        nxt = upcoming[0]
        message += f" The next round opens on {_day(nxt.opens)} and closes on {_day(nxt.closes)}."
    return None, [Problem(field=None, code="no_round", message=message)]


def current_or_next_round(fund: Fund, office: Office, moment: datetime) -> Round | None:
    """The round open at ``moment``, else the next one to open."""
    tz = office.tz
    local = moment.astimezone(tz)
    for round_ in fund.rounds:
        if round_.opens_at(tz) <= local < round_.closes_at(tz):
            return round_
    upcoming = sorted((r for r in fund.rounds if r.opens_at(tz) > local), key=lambda r: r.opens)
    return upcoming[0] if upcoming else None


def money(amount: Decimal | str) -> str:
    """``Decimal("12500")`` -> ``"£12,500.00"``."""
    return f"£{Decimal(amount):,.2f}"


def _condition_holds(condition: Condition | None, fields: dict[str, Any]) -> bool:
    if condition is None:
        return False
    value = fields.get(condition.field)
    if value is None:
        return False
    if condition.equals is not None:
        return bool(value == condition.equals)
    if condition.in_ is not None:
        if isinstance(value, list):  # ticked options: any of them
            return any(item in condition.in_ for item in value)
        return value in condition.in_
    other = fields.get(condition.less_than_field or "")
    return other is not None and Decimal(value) < Decimal(other)


def _missing_message(field: FormField) -> str:
    # Every view shows a field's problem under its question ("Telephone No": …), so
    # the message does not name the question again.
    if field.missing_message:
        return field.missing_message
    if field.type == "choices":
        return "Please tick at least one option."
    if field.type == "choice":
        return "Please tick one option."
    return "Please answer this question."


def _unsure_message(answer: Answer) -> str:
    note = answer.note or "the reader could not place its answer"
    return f"To check on the form (not asked of the applicant): {note}."


_KIND_HINTS = {
    "date": "please give the day, month and year, for example 1 April 2027",
    "money": "please give an amount in pounds, for example £9,500",
    "email": "please give an email address, for example name@example.org",
    "yesno": "please answer Yes or No",
    "choice": "please tick one of the options",
    "choices": "please tick the options that apply",
}


def _invalid_message(field: FormField, answer: Answer) -> str:
    # The question is the problem's label in every view, so it is not named here.
    shown = " ".join(answer.raw.split())
    if len(shown) > 60:
        shown = shown[:57] + "..."
    hint = _KIND_HINTS.get(field.type, "please check this answer")
    return f'We could not read "{shown}"; {hint}.'


def _when(moment: datetime) -> str:
    # The zone written: "31 May 2027 at 09:30 BST" reads the same in every view.
    return f"{moment.strftime('%-d %B %Y at %H:%M')} {moment.tzname()}"


def _day(day: Any) -> str:
    return day.strftime("%-d %B %Y")
