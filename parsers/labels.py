"""Recognising a form's questions and options in the words of a document.

Forms word their questions a little differently from the schema ("Organisation
name", "Amount requested (£)", "E-mail address") and add hints after them
("(Who is your work aimed at ...)"). A label is matched on its normalised words;
only the text before a hint counts, so "Name" never matches "Name of
Organisation" and a question's hint never drags in another question. Fuzzy
matches must clear a high bar and beat the runner-up clearly; otherwise we say
nothing rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from parsers.model import FieldSpec, FormSpec, OptionSpec

FUZZY_CUTOFF = 90.0
PREFIX_SCORE = 96.0
PREFIX_MIN_WORDS = 4
MARGIN = 4.0
_HINT_START = re.compile(r"[?:(\[\n]|\s[-–—]\s|\.\s")
_NON_WORD = re.compile(r"[^a-z0-9£&/+]+")
SLIPPED_NUMBER = r"(?-i:[\dlI|&][\dlI|OS]{0,2}|(?=[\dilI|]{0,3}\d)[\dilI|]{1,4})"
"""A question's number as tesseract may misread it on a scan: "A11" as "All", "A10"
as "Al10", "A1" as "Al", "A8" as "A8S" or "A&", "Q11" as "Qi1" or "Q1i1" (an "i"
only beside a digit). Only after a section letter, "Q" or "Question", or before a
"." or ")", so a word ("I", "All") alone is never one; case-sensitive, so "Bill" is
no "B" and "ill"."""
NUMBERING = re.compile(
    r"^(?:(?:question|q)\s*\.?\s*)?(?:[A-H]\s?\.?\s?)?\d{1,2}(?:\.\d{1,2})*\s*[.):\-]?\s+(?=[^\d\s])"
    rf"|^(?:(?:question|q)\s*\.?\s*|(?-i:[A-H])\s?\.?\s?){SLIPPED_NUMBER}\s*[.):\-]?\s+(?=[^\d\s])"
    rf"|^{SLIPPED_NUMBER}[.)]\s+(?=[^\d\s])"
    # "17," for "17." on a scan, before a word set out as a question's first
    # ("17, Where will …"; "12, High Street" is an address, no question).
    r"|^\d{1,2},\s+(?=(?-i:[A-Z][a-z]+\s+[a-z]))",
    re.IGNORECASE,
)
"""Numbers put before a label: "1.", "7)", "Q7", "Question 7:", "A1", "B.2" (and their
scanned misreadings, :data:`SLIPPED_NUMBER`)."""
_TRUNCATED = re.compile(r"\s*(?:…|\.\.\.)\s*[?:]?\s*$")
_TRUNCATED_THEN_ANSWER = re.compile(r"\s*(?:…|\.\.\.)\s*:\s+(?=\S)")
_TICK_PREFIX = re.compile(r"^[\s☐☒☑✓✔✗✘□■▢▣⊠]+")
SECTION_WORDS = (
    r"[A-H]\s?[:.)]\s+[A-Z][a-z]|section\s+[A-H1-9]\b|name and address of (?:the )?project"
)
SECTION_START = re.compile(rf"^(?:{SECTION_WORDS})", re.IGNORECASE)
"""A section's heading ("B: Project / Service Details", "Name and address of project …")."""


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    """Lower-case words: punctuation dropped, "&" read as "and", "/" spaced out."""
    text = text.lower().replace("&", " and ").replace("e-mail", "email")
    text = text.replace("/", " / ").replace("’", "'").replace("'", "")
    return " ".join(w for w in _NON_WORD.sub(" ", text).split() if w != "/")


@lru_cache(maxsize=16384)
def head(text: str) -> str:
    """The part of a label before its hint: up to the first ``?``, ``:``, ``(`` or line break."""
    match = _HINT_START.search(text)
    return text[: match.start() + (1 if match and match.group() == "?" else 0)] if match else text


@dataclass(frozen=True, slots=True)
class LabelMatch:
    """A field recognised in a text, and how well its label matched (0-100)."""

    field: FieldSpec
    score: float
    exact: bool
    rest: str
    """What follows the label in the same text (after a colon), for "Label: answer"."""
    after: str = ""
    """What follows a question mark in the same text: a hint, or (in a PDF that ran
    the answer onto the question's line) the answer; the reader decides."""


_MEMO_SIZE = 20_000
"""Texts a matcher remembers before it starts again (a bound on memory, not a cache policy)."""


@lru_cache(maxsize=8)
def matcher_for(form: FormSpec) -> LabelMatcher:
    """The one matcher of ``form`` (frozen, so equal forms share it)."""
    return LabelMatcher(form)


class LabelMatcher:
    """Finds which question of a form a piece of text is."""

    def __init__(self, form: FormSpec) -> None:
        self.form = form
        self._memo: dict[str, LabelMatch | None] = {}
        self._keyword_memo: dict[str, LabelMatch | None] = {}
        self._labels: list[tuple[str, FieldSpec]] = []
        for spec in form.fields:
            for label in spec.labels:
                for variant in {normalise(label), normalise(head(label))}:
                    if variant:
                        self._labels.append((variant, spec))
        self._exact: dict[str, FieldSpec] = {}
        for variant, spec in self._labels:
            self._exact.setdefault(variant, spec)
        self._variants = [variant for variant, _spec in self._labels]
        # Labels of four words or more, by first word: the only ones a prefix can be.
        self._long: dict[str, list[tuple[str, FieldSpec]]] = {}
        for variant, spec in self._labels:
            if variant.count(" ") >= PREFIX_MIN_WORDS - 1:
                self._long.setdefault(variant.split(" ", 1)[0], []).append((variant, spec))

    def keyword_match(self, text: str, *, set_out: bool = False) -> LabelMatch | None:
        """A question worded past the known labels (see :meth:`_keyword_match`), remembered.

        ``set_out``: the document sets the text out as a question (bold, a
        heading), which lets one word that only one question uses name it.
        """
        memo = self._keyword_memo
        key = f"\x00{text}" if set_out else text
        if key not in memo:
            if len(memo) > _MEMO_SIZE:
                memo.clear()
            memo[key] = self._keyword_match(text, set_out)
        return memo[key]

    def _keyword_match(self, text: str, set_out: bool = False) -> LabelMatch | None:
        """A question worded past the known labels, recognised by its content words.

        Only for text that looks like a question (the caller says so: numbered,
        bold, a heading, ending in "?" or ":"). "How will the shortfall be met?",
        "Amount of grant applied for": the words' stems are compared with each
        label's, and the best question must share most of them and clearly beat
        the next one. The match is never exact, so its answer is flagged for an
        officer to confirm.
        """
        # Set out as a question: ending in ":" or "?", or numbered ("B.19 Area covered").
        numbered = NUMBERING.match(text.strip()) is not None
        asked = _CONDITION.sub("", NUMBERING.sub("", text.strip(), count=1))
        asks = (
            set_out
            or text.rstrip().endswith((":", "?"))
            or numbered
            # "If yes, who are your partners? N/A": its "?" before the answer.
            or head(asked).endswith("?")
        )
        other = self._other_detail() if _IF_OTHER.match(asked) else None
        if other is not None:
            # "If Other, please describe your organisation": the detail the option
            # "Other (please define)" asks for, however the rest is worded.
            return self._with_rest(text, _stems(normalise(head(asked))), other, 0.9)
        words = _stems(normalise(head(asked)))  # "If so, who …": the question is "who …"
        if _WHAT_DOES_DO.search(asked):
            words = words | {"aims"}  # "What does your organisation do?": its aims
        if words == {"cont"}:
            words = frozenset({"cont", "name"})  # "Main contact": the person, as "Contact person"
        if not words or len(words) > 12:
            return None
        best: dict[str, tuple[float, FieldSpec]] = {}
        weight = self._stem_weights()
        ruled_out = _kinds_ruled_out(text)
        for variant, spec in self._labels:
            if spec.kind in ruled_out:
                continue
            theirs = _stems(variant)
            if not theirs:
                continue
            shared = words & theirs
            if not shared:
                continue
            if len(words) < 2 and not (asks and self._owners(next(iter(words)), ruled_out) == 1):
                # One word ("New", "Yes") is an answer more often than a question,
                # unless it is set out as one and only one question uses it
                # ("Sustainability:", "Registration no.:").
                continue
            # Weighted by rarity: "sustained" says more than "project", which most labels
            # have; mostly how much of the question's words the label explains.
            got = sum(weight.get(w, 0.5) for w in shared)
            score = 0.7 * got / sum(weight.get(w, 0.5) for w in words) + 0.3 * got / sum(
                weight.get(w, 0.5) for w in theirs
            )
            if score > best.get(spec.id, (0.0, spec))[0]:
                best[spec.id] = (score, spec)
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        if len(ranked) == 1 and {"text", "money", "date", "email"} <= ruled_out:
            # Asked to be answered yes or no, or by a choice ("Are you applying in
            # partnership?", "Partnership application? (Yes/No)"), and only one such
            # question shares a word with it: that one.
            ranked = [(max(ranked[0][0], KEYWORD_CUTOFF), ranked[0][1])]
        named = self._head_noun(asked)
        if named is not None and (
            not ranked
            or ranked[0][0] < KEYWORD_CUTOFF
            or (len(ranked) > 1 and ranked[0][0] - ranked[1][0] < KEYWORD_MARGIN)
            or not any(_head_stem(asked) in _stems(normalise(lb)) for lb in ranked[0][1].labels)
        ):
            # "Lead organisation", "Email for correspondence": a noun phrase whose
            # last noun (before "for …") is itself one question's label is that
            # question, whatever the words before it ("Lead" is the contact's word).
            return self._with_rest(text, words, named, KEYWORD_CUTOFF)
        if not ranked or ranked[0][0] < KEYWORD_CUTOFF:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < KEYWORD_MARGIN:
            return None
        return self._with_rest(text, words, ranked[0][1], ranked[0][0], numbered=numbered)

    def _with_rest(
        self,
        text: str,
        words: frozenset[str],
        spec: FieldSpec,
        score: float,
        *,
        numbered: bool = False,
    ) -> LabelMatch:
        """A keyword match of ``text`` (``words`` its stems) to ``spec``, with what
        follows the question in the same text."""
        # What follows the question in the same text, as :meth:`_match` gives it:
        # after a colon ending it, the answer ("Full postal address: 54 Station
        # Road"); after its question mark, a hint or the answer.
        # (Only after two words or more of substance, a question's number, or one word
        # that only this question uses ("Registration no.: 1096377"): "Part B: The
        # project" is a section's heading, not a question and its answer.)
        stripped = NUMBERING.sub("", text.strip(), count=1)
        label = head(stripped)
        # (A hint in brackets may stand before the colon: "Amount sought (£): £6,000".)
        hint = _BRACKETED.match(stripped, len(label))
        colon = hint.end() if hint else len(label)
        rest = after = ""
        if (
            sum(len(word) >= 3 for word in words) >= 2
            or numbered
            or (len(words) == 1 and self._owners(next(iter(words)), _kinds_ruled_out(text)) == 1)
        ):
            if stripped[colon : colon + 1] == ":":
                rest = stripped[colon + 1 :].strip()
            if label.endswith("?"):
                after = stripped[len(label) :].strip()
            if not rest and not after and (tail := _ANSWER_TAIL.search(label)) is not None:
                # An email or web address after the question's words, no colon between:
                # on a scan, the answer under a short label ("Q11. Email" over
                # "zofia@…") can join its line. No question's words hold one.
                rest = label[tail.start() :].strip()
        return LabelMatch(spec, 80.0 + 10 * score, False, rest, after)

    def _head_noun(self, asked: str) -> FieldSpec | None:
        """The question a short noun phrase names by its last noun, if that noun is
        one question's whole label ("Lead organisation": "Organisation")."""
        if _WH.match(asked) or _AUXILIARY.match(asked) or "/" in asked:
            return None
        phrase = normalise(head(asked))
        words = phrase.split(" for ", 1)[0].split()
        if len(words) == len(phrase.split()) and len(words) < 2:
            return None  # one word alone: an exact label, or not a question
        if len(words) > 4 or "of" in words or words[-1] in ("name", "names"):
            return None
        return self._exact.get(words[-1])

    def _other_detail(self) -> FieldSpec | None:
        """The text question an "Other (please define)" option asks for, if one does."""
        if not hasattr(self, "_other"):
            self._other: FieldSpec | None = None
            for spec in self.form.fields:
                for option in spec.options:
                    for label in option.labels:
                        hint = re.findall(r"\(([^)]*)\)", label)
                        if not normalise(label).startswith("other") or not hint:
                            continue
                        found = self._exact.get(normalise(hint[0]))
                        if found is not None and found.kind == "text":
                            self._other = found
        return self._other

    def _owners(self, stem: str, ruled_out: frozenset[str]) -> int:
        """How many questions (of kinds not ruled out) use ``stem`` in a label."""
        owners = {
            spec.id
            for variant, spec in self._labels
            if spec.kind not in ruled_out and stem in _stems(variant)
        }
        return len(owners)

    def _stem_weights(self) -> dict[str, float]:
        """Each label stem's weight: 1 / the number of questions whose labels use it."""
        if not hasattr(self, "_weights"):
            fields: dict[str, set[str]] = {}
            for variant, spec in self._labels:
                for stem in _stems(variant):
                    fields.setdefault(stem, set()).add(spec.id)
            self._weights = {stem: 1.0 / len(ids) for stem, ids in fields.items()}
        return self._weights

    def match(self, text: str) -> LabelMatch | None:
        """The question ``text`` asks, if it clearly asks one (see :meth:`_match`), remembered.

        A form's matcher is shared by every document of that form
        (:func:`matcher_for`), and most lines of a form recur from one applicant's
        copy to the next.
        """
        memo = self._memo
        if text not in memo:
            if len(memo) > _MEMO_SIZE:
                memo.clear()
            memo[text] = self._match(text)
        return memo[text]

    def _match(self, text: str) -> LabelMatch | None:
        """The question ``text`` asks, if it clearly asks one.

        ``text`` may carry a hint after the question and, after a colon, an
        answer ("Telephone No: 01622 677055"), returned as ``rest``.
        """
        if not text or len(text) > 600:
            return None
        stripped = NUMBERING.sub("", text.strip(), count=1)
        truncated = _TRUNCATED.search(stripped) or _TRUNCATED_THEN_ANSWER.search(stripped)
        if truncated:
            # "Which of the following criteria does your…": a label cut short by
            # whoever retyped the form; four words or more that begin one label.
            # (An answer may follow its colon: "If yes please provide details of
            # the…: Dartford District Council".)
            found = self._truncated(normalise(stripped[: truncated.start()]))
            if found is not None:
                rest = stripped[truncated.end() :].strip()
                return LabelMatch(found, PREFIX_SCORE, False, rest)
        tick = _TICK_PREFIX.match(stripped)
        if tick is not None and tick.end() > 0:
            return None
        rest = ""
        colon = re.match(r"^([^:\n]{1,200}):\s*(.*)$", stripped, re.S)
        candidates = [(stripped, False), (head(stripped), False)]
        if colon:
            # "Registration number (charity or company): 1123456": the label with its
            # hint, or without it, then the answer after the colon.
            candidates[:0] = [(colon.group(1), True), (head(colon.group(1)), True)]
            rest = colon.group(2).strip()
        question = stripped.find("?")
        after = stripped[question + 1 :].strip() if question >= 0 else ""
        for candidate, keeps_rest in candidates:
            key = normalise(candidate)
            if key in self._exact:
                # The whole text a label ("Is this a partnership bid? Y/N"): nothing after it.
                past = "" if candidate == stripped else after
                return LabelMatch(self._exact[key], 100.0, True, rest if keeps_rest else "", past)
        prefixed = self._prefix(normalise(stripped))
        if prefixed is not None:
            spec, variant = prefixed
            return LabelMatch(spec, PREFIX_SCORE, False, "", after or _beyond(stripped, variant))
        return self._fuzzy(normalise(head(stripped)), rest if colon else "")

    def _truncated(self, key: str) -> FieldSpec | None:
        """The one question whose label begins with ``key`` (four words or more)."""
        if key.count(" ") < PREFIX_MIN_WORDS - 1:
            return None
        specs = {
            spec.id: spec
            for variant, spec in self._long.get(key.split(" ", 1)[0], ())
            if variant.startswith(key + " ") or variant == key
        }
        return next(iter(specs.values())) if len(specs) == 1 else None

    def _prefix(self, key: str) -> tuple[FieldSpec, str] | None:
        """The longest label of four or more words that starts ``key`` at a word boundary.

        Forms extend a question with more words ("Give an outline of your project /
        service including details of how ..."); four words are enough to be sure
        it is the same question, and too many for "Name" to swallow "Name of ...".
        """
        best: tuple[str, FieldSpec] | None = None
        for variant, spec in self._long.get(key.split(" ", 1)[0], ()):
            if not key.startswith(variant + " "):
                continue
            if best is None or len(variant) > len(best[0]):
                best = (variant, spec)
        return (best[1], best[0]) if best else None

    def _fuzzy(self, key: str, rest: str) -> LabelMatch | None:
        if len(key) < 4:
            return None
        # rapidfuzz scores every label in C; only those that could come within the
        # margin of the cutoff are scored again in full.
        near = process.extract(
            key,
            self._variants,
            scorer=fuzz.token_sort_ratio,
            limit=None,
            score_cutoff=FUZZY_CUTOFF - MARGIN,
        )
        best: dict[str, tuple[float, FieldSpec]] = {}
        for variant, _score, index in near:
            if abs(len(variant) - len(key)) > max(12, len(key) // 2):
                continue
            spec = self._labels[index][1]
            score = _similarity(key, variant)
            if score > best.get(spec.id, (0.0, spec))[0]:
                best[spec.id] = (score, spec)
        ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
        if not ranked or ranked[0][0] < FUZZY_CUTOFF:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MARGIN:
            return None
        return LabelMatch(ranked[0][1], ranked[0][0], False, rest)

    def groups(self) -> dict[str, tuple[FieldSpec, ...]]:
        """Fields that share one printed question, by group name."""
        grouped: dict[str, list[FieldSpec]] = {}
        for spec in self.form.fields:
            if spec.group:
                grouped.setdefault(spec.group, []).append(spec)
        return {name: tuple(specs) for name, specs in grouped.items()}


KEYWORD_CUTOFF = 0.5
KEYWORD_MARGIN = 0.1
_STOP = frozenset(
    [
        "than",
        "met",
        "meet",
        "covered",
        "a",
        "an",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "at",
        "by",
        "and",
        "or",
        "is",
        "are",
        "be",
        "been",
        "will",
        "would",
        "this",
        "that",
        "these",
        "those",
        "your",
        "you",
        "we",
        "our",
        "us",
        "it",
        "its",
        "any",
        "all",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "if",
        "please",
        "give",
        "provide",
        "details",
        "detail",
        "what",
        "which",
        "who",
        "how",
        "where",
        "when",
        "why",
        "with",
        "from",
        "as",
        "there",
        "their",
        "they",
        "can",
        "i",
        "me",
        "my",
        "no",
        "yes",
        "y",
        "n",
        "list",
        "tick",
        # Modifiers that say nothing of which question it is ("Full name of
        # organisation", "Full cost of the project", "Main contact"). ("Lead" does:
        # "Name of project lead" is the contact, "Name of project" the project.)
        "full",
        "main",
        "legal",  # "Legal status of your organisation": its type
    ]
)
_SYNONYMS = {
    "money": "fund",
    "funds": "fund",
    "funding": "fund",
    "funded": "fund",
    "monies": "fund",
    "grant": "fund",
    "cost": "cost",
    "costs": "cost",
    "tel": "phon",
    "telephone": "phon",
    "phone": "phon",
    "mobile": "phon",
    "email": "emai",
    "e": "",
    "web": "webs",
    "website": "webs",
    "site": "webs",
    "job": "posi",
    "role": "posi",
    "title": "name",
    "called": "name",
    "begin": "star",
    "commence": "star",
    "long": "dura",
    "length": "dura",
    "run": "dura",
    "asking": "requ",
    "applied": "requ",
    "apply": "requ",
    "request": "requ",
    "requested": "requ",
    "requesting": "requ",
    "sought": "requ",
    "spent": "spen",
    "spend": "spen",
    "breakdown": "budg",
    "budget": "budg",
    "continue": "sust",
    "sustained": "sust",
    "sustainability": "sust",
    "exit": "sust",
    "partners": "part",
    "partner": "part",
    "partnership": "part",
    "joint": "part",
    "evidence": "need",
    "research": "need",
    "needed": "need",
    "success": "outc",
    "measure": "outc",
    "measures": "outc",
    "outcomes": "outc",
    "outcome": "outc",
    "shortfall": "rema",
    "remaining": "rema",
    "rest": "rema",
    "remainder": "rema",
    "previously": "prev",
    "before": "prev",
    "previous": "prev",
    "organisation": "orga",
    "organisation's": "orga",
    "group": "orga",
    "charity": "regi",
    "registration": "regi",
    "registered": "regi",
    "person": "name",
    "impact": "impa",
    "affect": "impa",
    "reduced": "fulla",
    "less": "fulla",
    "partial": "fulla",
    "objectives": "aims",
    "activities": "aims",
    "status": "type",
    "specify": "defi",
    "define": "defi",
    "purpose": "aims",
    "description": "outl",
    "describe": "outl",
    "outline": "outl",
    "summary": "outl",
    "place": "loca",
    "area": "loca",
    "areas": "loca",
    "ends": "sust",
    "beyond": "sust",
    "located": "loca",
    "location": "loca",
    "delivered": "loca",
    "overall": "tota",
    "whole": "tota",
    "total": "tota",
    "receive": "fulla",
    "asked": "requ",
    "worked": "outc",
}


def _beyond(text: str, label: str) -> str:
    """The words of ``text`` after the (normalised) ``label`` it begins with, when they
    start a sentence of their own: a PDF joins an answer to a label without "?" or
    ":" whose line reached the margin ("… how the remaining monies will be funded A
    Lottery grant covers the rest."). Words going on in lower case extend the label."""
    words = text.split()
    for count in range(1, len(words)):
        if normalise(" ".join(words[:count])) == label:
            rest = " ".join(words[count:])
            return rest if rest[:1].isupper() or rest[:1] in "£$" or rest[:1].isdigit() else ""
    return ""


_ANSWER_TAIL = re.compile(
    r"(?<=\s)(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?://|www\.)\S+)\S*(?:\s.*)?$"
)
"""An email or web address and what follows it, at the end of a label's words."""
_BRACKETED = re.compile(r"\s*\([^()\n]{0,80}\)\s*")
_IF_OTHER = re.compile(r"^\s*if\s+other\b", re.IGNORECASE)
_WHAT_DOES_DO = re.compile(r"^what\s+(?:does|do)\b.*\bdo\s*\??\s*$", re.IGNORECASE)


def _head_stem(asked: str) -> str:
    """The stem of a noun phrase's last word before "for …" ("Email for correspondence")."""
    words = normalise(head(asked)).split(" for ", 1)[0].split()
    return min(_stems(words[-1]), default="") if words else ""


_CONDITION = re.compile(r"^\s*(?:if\s+(?:yes|so|applicable)\b[\s,:;.\-–]*)", re.IGNORECASE)
_WH = re.compile(
    r"^(?:who|what|which|how|where|when|why|whom|whose|please\s+(?:give|provide|describe|list|"
    r"state|tell|explain)|give|provide|describe|list|name)\b",
    re.IGNORECASE,
)
_YES_NO_HINT = re.compile(
    r"[(\[]?\s*\b(?:yes\s*/\s*no|y\s*/\s*n)\b\s*[)\]]?\s*[?:]?\s*(?:(?:yes|no|y|n)\b\.?\s*)?$", re.I
)
"""A label that says how it is answered: "Partnership application? (Yes/No)", "… Y/N"."""
_AUXILIARY = re.compile(
    r"^(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should)\b",
    re.IGNORECASE,
)


def _kinds_ruled_out(text: str) -> frozenset[str]:
    """Kinds of answer a question's form rules out: "Who are your partners?" is not
    answered yes or no, and "Is this a partnership bid?" is answered so."""
    asked = _CONDITION.sub("", NUMBERING.sub("", text.strip(), count=1))
    if _WH.match(asked):
        return frozenset({"yesno"})
    if _AUXILIARY.match(asked) and asked.rstrip().endswith("?"):
        return frozenset({"text", "money", "date", "email"})
    if _YES_NO_HINT.search(asked):
        return frozenset({"text", "money", "date", "email", "choice", "choices"})
    return frozenset()


@lru_cache(maxsize=16384)
def _stems(text: str) -> frozenset[str]:
    """Content words of a normalised text, as crude stems (synonyms folded together)."""
    out = set()
    for word in text.split():
        if word in _STOP or not word.isalpha():
            continue
        stem = _SYNONYMS.get(word, word[:4])
        if stem:
            out.add(stem)
    return frozenset(out)


@lru_cache(maxsize=8192)
def _similarity(a: str, b: str) -> float:
    # token_sort_ratio tolerates reordered words; plain ratio guards against a
    # short label scoring high inside a long one. token_set_ratio is too lenient
    # ("end date" scores 86 against "start date").
    return min(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b) + 10)


def match_option(
    text: str, options: tuple[tuple[FieldSpec, OptionSpec], ...]
) -> tuple[FieldSpec, OptionSpec, float] | None:
    """Which option a tick line names; ``options`` pairs each option with its field.

    The line may carry more words after the option (a hint, a registration
    number), so the option's label may also match the line's start.
    """
    key = normalise(text)
    if not key:
        return None
    scored: list[tuple[float, FieldSpec, OptionSpec]] = []
    for spec, option in options:
        best = 0.0
        for label in option.labels:
            variant = normalise(label)
            if not variant:
                continue
            if key == variant:
                best = 100.0
                break
            if key.startswith(variant + " ") and len(variant) >= 3:
                best = max(best, 97.0)
            elif normalise(head(text)) == variant:
                best = max(best, 98.0)
            else:
                best = max(best, _similarity(key, variant))
        scored.append((best, spec, option))
    scored.sort(key=lambda item: item[0], reverse=True)
    if not scored or scored[0][0] < FUZZY_CUTOFF:
        return None
    if len(scored) > 1 and scored[0][0] < 100 and scored[0][0] - scored[1][0] < MARGIN:
        return None
    top = scored[0]
    return top[1], top[2], top[0]


def after_heading(text: str) -> Iterator[tuple[int, str]]:
    """Where a question may start in a scanned line that begins with a section heading
    (:data:`SECTION_START`), and its words from there: OCR's line finder joins the
    question under a heading to it when the heading is the page's widest line ("A:
    Details About Your Organisation A.1 Name of group / organisation:"). Every word
    from a capital on past the heading's first two, nearest the heading first; the
    caller says which is a question (not the heading's own last words, "… About Your
    Organisation")."""
    if not SECTION_START.match(text):
        return
    words = text.split()
    for start in range(2, len(words) - 1):
        if words[start][:1].isupper():
            yield start, " ".join(words[start:])
