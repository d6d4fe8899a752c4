"""Possible duplicates: two bids that may be one application sent twice.

Pure. Officers decide: a duplicate is flagged on the card and counted apart in
the round's summary, never merged. Two bids of one fund and round are possible
duplicates when they carry the same answers, name the same organisation
(compared as people write names: case, punctuation, "the", "Ltd" aside) or the
same charity or company number, or come from one applicant address.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.rules.addresses import mailbox

# Words that make no difference to whom an organisation is.
MAX_LINKS = 5
"""Earlier bids a new bid is linked to as a possible duplicate, the oldest first: enough
for an officer to see it repeats (the first one is what matters), and a bound on the
work when one form is sent a thousand times (each copy would otherwise link to all
the copies before it: quadratic)."""

_NOISE = frozenset({"the", "ltd", "limited", "cic", "cio", "inc", "plc", "llp", "uk"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What of a bid two bids are compared on."""

    organisation: str
    registration: str
    answers: str
    applicant: str


def organisation_key(name: str | None) -> str:
    """A name as it compares: "The Medway Youth Trust Ltd." and "medway youth trust" agree."""
    words = _NOT_ALNUM.sub(" ", (name or "").lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w not in _NOISE)


def registration_key(number: Any) -> str:
    """A charity or company number as it compares: spaces, dashes and case aside."""
    return _NOT_ALNUM.sub("", str(number or "").lower())


def answers_key(fields: Mapping[str, Any]) -> str:
    """A hash of a form's answers: the same form sent twice hashes the same."""
    text = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def fingerprint(fields: Mapping[str, Any], applicant: str | None) -> Fingerprint:
    """The fingerprint of a bid's version: its answers, and who sent it."""
    return Fingerprint(
        organisation=organisation_key(fields.get("organisation_name")),
        registration=registration_key(fields.get("registration_number")),
        answers=answers_key(fields) if fields else "",
        applicant=mailbox(applicant),
    )


REASONS = {
    "answers": "the same answers",
    "organisation": "the same organisation",
    "registration": "the same charity or company number",
    "applicant": "the same applicant address",
}
"""Each kind of fingerprint, as an officer reads why two bids may be one."""


def fingerprint_values(print_: Fingerprint) -> dict[str, str]:
    """The fingerprint as ``kind → value``, as it is kept and looked up."""
    return {
        "answers": print_.answers,
        "organisation": print_.organisation,
        "registration": print_.registration,
        "applicant": print_.applicant,
    }


def reasons_for(kinds: list[str]) -> list[str]:
    """Why two bids may be one, in words, in a fixed order."""
    return [words for kind, words in REASONS.items() if kind in kinds]
