"""Finding each question's answer in a document's lines and tables.

Precedence, most reliable first (parsing notes): machine keys (content control
tags and titles, legacy form field names, PDF field names and tooltips), then
table adjacency (label cell beside or above its answer cell), then a label
paragraph followed by answer paragraphs, or "Label: answer" on one line.

When two places answer the same question differently at the same level, the
first is kept and flagged so an officer confirms it; nothing is silently chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from parsers.answers import (
    answer_lines,
    lines_text,
    read_text_value,
    read_value,
    split_leading_amount,
)
from parsers.blocks import Block, Cell, Control, Line, Table, Tick
from parsers.labels import (
    NUMBERING,
    SECTION_WORDS,
    SLIPPED_NUMBER,
    LabelMatch,
    after_heading,
    head,
    match_option,
    matcher_for,
    normalise,
)
from parsers.model import Answer, FieldSpec, FormSpec, OptionSpec, Source, SourceKind, unplaced

_GENERIC_NAME = re.compile(
    r"^\s*(text|check\s*box|checkbox|check|dropdown|drop\s*down|combo\s*box|list\s*box|"
    r"group|radio\s*button|field)\s*\d+\s*$",
    re.IGNORECASE,
)
_RANK = {"content-control": 0, "form-field": 0, "pdf-field": 0, "table-cell": 1}
_FUZZY_FLAG_BELOW = 0.95
_BLANK_CELL_LABEL = 0.9
"""How sure a label must be for its empty answer cell to make the answer "missing";
below it the question counts as not found, and an officer checks (an empty cell
beside a label we took for another question must not tell an applicant off)."""
_UNSURE_READING = 0.7
"""Below this OCR word confidence an answer is flagged for an officer to confirm.

On the corpus scans and 16 fresh ones, 0.7 flags 10 of the 19 wrong answers
and 4.9% of the right ones; 0.6 flagged 8 and 4.1% (each flag is one line on
the card)."""


@dataclass
class _Found:
    """A question recognised in a label, with the other questions its hint names."""

    match: LabelMatch
    companions: list[FieldSpec] = field(default_factory=list)


@dataclass
class AnswerSheet:
    """The answers collected so far, keeping the best and flagging disagreements."""

    answers: dict[str, Answer] = field(default_factory=dict)

    def offer(self, answer: Answer | None) -> None:
        if answer is None:
            return
        current = self.answers.get(answer.field)
        if current is None or (not current.placed and answer.placed):
            self.answers[answer.field] = answer
            return
        if not answer.placed:
            return  # what could not be placed never displaces what was
        rank_new = _RANK.get(answer.source.kind, 2)
        rank_old = _RANK.get(current.source.kind, 2)
        if rank_new < rank_old:
            self.answers[answer.field] = answer
            return
        if rank_new == rank_old and current.value != answer.value and answer.raw.strip():
            if not current.raw.strip() or (current.error and not answer.error):
                self.answers[answer.field] = answer
                return
            self.answers[answer.field] = _flag(
                current,
                f"also answered differently at {answer.source.location}: "
                f"{' '.join(answer.raw.split())[:80]!r}",
            )


def read_answers(
    blocks: Sequence[Block],
    controls: Sequence[Control],
    form: FormSpec,
    labelled: set[str] | None = None,
) -> dict[str, Answer]:
    """Every answer the blocks and controls give to the form's questions.

    ``labelled``, when given, receives the ids of the questions whose label (or
    machine key) was found, answered or not: a question found with an empty
    answer space is blank; one never found is not (see :func:`settle`).
    """
    reader = _Reader(form)
    reader.controls(controls)
    reader.stream(blocks)
    reader.blanks_in_place()
    if labelled is not None:
        labelled |= reader.labelled
    return reader.sheet.answers


def settle(
    answers: dict[str, Answer], labelled: set[str], form: FormSpec, *, scanned: bool = False
) -> dict[str, Answer]:
    """Questions never found in a document that clearly is the form, marked for an officer.

    A form whose question we cannot find (a label reworded past recognition,
    OCR that garbled it, a question merged into another) has not shown that the
    applicant left it out: the reader says it could not place the answer
    (``docs/parsing.md``). A document that shows less than a third of the
    form's questions is not clearly the form, and is left as it is.
    """
    found = labelled | set(answers)
    if len(found) * 3 < len(form.fields):
        return answers
    settled = dict(answers)
    if scanned:
        # On a scan no tick found may be a tick OCR did not see: an officer looks,
        # the applicant is not told. (Typed words OCR reads well: a blank answer
        # space stays blank.)
        for spec in form.fields:
            current = settled.get(spec.id)
            empty = current is None or (current.placed and current.value in ("", []))
            if spec.id in labelled and empty and spec.kind in ("choice", "choices", "yesno"):
                settled[spec.id] = unplaced(
                    spec.id,
                    current.source if current else Source("ocr", "scan"),
                    "no tick could be read on the scan; check the form",
                )
    for spec in form.fields:
        if spec.id not in found:
            settled[spec.id] = unplaced(
                spec.id,
                Source("paragraph", "nowhere"),
                "its question was not found in the document; check the form for its answer",
            )
    return settled


class _Reader:
    def __init__(self, form: FormSpec) -> None:
        self.form = form
        self.matcher = matcher_for(form)
        self.sheet = AnswerSheet()
        self.groups = self.matcher.groups()
        # A cell is asked "are you a label?" several times (as itself, as the row
        # below another); the answer does not change.
        self._cell_labels: dict[int, tuple[_Found, list[Line]] | None] = {}
        self._label_position: set[int] = set()
        self._beside_answer: set[int] = set()
        self.labelled: set[str] = set()
        """Questions whose label or machine key was seen, answered or not."""
        self._order = {spec.id: index for index, spec in enumerate(form.fields)}
        self._step = 0
        self._seen_at: dict[str, int] = {}
        """Where (in reading order) each question's label was first seen in the text."""
        self._unknown_at: list[int] = []
        """Where text set out as a question matched none of the form's questions."""
        self._loose_blanks: list[tuple[str, int]] = []
        """Loosely recognised labels with an empty answer space of their own, and where."""
        self._blank_beside_tick: list[tuple[str, int]] = []
        """Details a ticked option asks for beside it, not given there, and where."""

    # --- machine keys ------------------------------------------------------

    def controls(self, controls: Sequence[Control]) -> None:
        for control in controls:
            for name in control.names:
                if _GENERIC_NAME.match(name):
                    continue  # "Text7", "Check Box3": the authoring tool's name says nothing
                if isinstance(control.value, bool) and control.kind in (
                    "checkbox",
                    "formcheckbox",
                    "pdf",
                ):
                    # A tick box named "Other (please define)" is the option "Other",
                    # not the question that asks to define it.
                    ticked = self._option_for_name(name)
                    if ticked is not None and ticked[0].kind in ("choice", "choices"):
                        self._control_tick(ticked[0], ticked[1], control)
                        break
                spec, confidence = self._field_for_name(
                    name, set_out=not isinstance(control.value, bool)
                )
                if spec is not None:
                    self.labelled.add(spec.id)
                    if not control.placeholder:
                        self._control_answer(spec, control, confidence)
                    break
                if control.placeholder:
                    continue
                option = self._option_for_name(name)
                if option is not None and control.kind in ("checkbox", "formcheckbox", "pdf"):
                    self._control_tick(option[0], option[1], control)
                    break

    def _field_for_name(
        self, name: str, *, set_out: bool = False
    ) -> tuple[FieldSpec | None, float]:
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        for spec in self.form.fields:
            if key == spec.id:
                return spec, 1.0
        # A field's name or tooltip is a label by its nature: a reworded one is
        # recognised by its words (and flagged, never exact); a text field's, set out
        # as its question, by one word only one question uses ("Area covered").
        match = self.matcher.match(name) or self.matcher.keyword_match(name, set_out=set_out)
        if match is None:
            return None, 0.0
        return match.field, 1.0 if match.exact else match.score / 100

    def _option_for_name(self, name: str) -> tuple[FieldSpec, OptionSpec] | None:
        pool = tuple(
            (spec, option)
            for spec in self.form.fields
            if spec.kind in ("choice", "choices", "yesno")
            for option in spec.options
        )
        key = name.strip().lower().replace("-", "_").replace(" ", "_")
        for spec, option in pool:
            if key in (option.id, f"{spec.id}_{option.id}", f"{spec.id}.{option.id}"):
                return spec, option
        found = match_option(name, pool)
        return (found[0], found[1]) if found else None

    def _control_answer(self, spec: FieldSpec, control: Control, confidence: float) -> None:
        kind: SourceKind = (
            "content-control"
            if control.kind in ("text", "date", "dropdown", "checkbox")
            else ("pdf-field" if control.kind == "pdf" else "form-field")
        )
        source = Source(kind, control.location or f"field '{control.names[0]}'")
        value = control.value
        if isinstance(value, bool):
            if spec.kind == "yesno":
                self.sheet.offer(Answer(spec.id, "ticked" if value else "", value, source))
            return
        if value is None or not str(value).strip():
            return
        if spec.kind == "choices":
            answer = read_text_value(spec, str(value), source, confidence=confidence)
        else:
            answer = read_text_value(spec, str(value), source, confidence=confidence)
        self.sheet.offer(_flag_if_fuzzy(answer, confidence, name=control.names[0]))

    def _control_tick(self, spec: FieldSpec, option: OptionSpec, control: Control) -> None:
        self.labelled.add(spec.id)
        source = Source(
            "pdf-field"
            if control.kind == "pdf"
            else "form-field"
            if control.kind.startswith("form")
            else "content-control",
            control.location or f"field '{control.names[0]}'",
        )
        current = self.sheet.answers.get(spec.id)
        if spec.kind == "choices":
            chosen = list(current.value) if current and isinstance(current.value, list) else []
            if control.value is True:
                chosen.append(option.id)
            self.sheet.answers[spec.id] = Answer(spec.id, "ticked", sorted(set(chosen)), source)
        elif control.value is True:
            if current and current.value not in (None, "", option.id) and current.source == source:
                self.sheet.answers[spec.id] = Answer(
                    spec.id,
                    "ticked",
                    None,
                    source,
                    error=f"more than one option is ticked ({current.value}, {option.id})",
                )
            elif current is None or current.source.kind not in _RANK:
                self.sheet.answers[spec.id] = Answer(spec.id, "ticked", option.id, source)

    # --- the document stream ----------------------------------------------

    def stream(self, blocks: Sequence[Block]) -> None:
        """Label paragraphs followed by answers; tables with labels read as tables."""
        pending: _Found | None = None
        pending_source = ""
        collected: list[Line] = []
        for block in self._headings_parted(blocks):
            if isinstance(block, Table):
                if self._has_labels(block):
                    self._flush(pending, collected, pending_source)
                    pending, collected = None, []
                    self.table(block)
                elif pending is not None:
                    collected.extend(line for row in block.rows for c in row for line in c.lines())
                continue
            if block.ticks:
                if pending is not None:
                    collected.append(block)
                continue
            found = self._label(block)
            if found is None and pending is not None and not collected:
                restated = self._restated(block, pending)
                if restated is not None:
                    pending, pending_source = restated, block.location
                    continue
            if found is None:
                # (Also straight under a question: one left blank is followed by the
                # next question, which a scan does not set out in bold: "Website",
                # then "Position within the organisation" is no web address.)
                found = self._plain_label(block, pending)
            if found is None and _asked_then_answered(block.text):
                found = self._next_asked(block, pending)
            if found is not None:
                self._flush(pending, collected, pending_source, bounded=True)
                pending, collected, pending_source = None, [], block.location
                if found.match.rest:
                    rest_line = Line(parts=[found.match.rest], location=block.location)
                    self._give(found, [rest_line], "paragraph", block.location)
                else:
                    pending = found
                continue
            if pending is not None and not collected and _HINT_WORDS.match(block.text):
                continue  # the question's hint ("e.g. …", "Who is your work aimed at …?")
            if block.heading or _ends_answers(block):
                # A heading, another question we do not know, or the declaration:
                # the answer before it has ended.
                # (A section heading or the declaration ends an answer space for sure;
                # a question we do not know may be the real label of the one pending.)
                ends_section = bool(_DECLARATION.match(block.text))
                self._flush(pending, collected, pending_source, bounded=ends_section)
                if not ends_section:
                    self._unknown_at.append(self._next_step())
                pending, collected = None, []
                continue
            if pending is not None and not (not collected and _looks_like_hint(block)):
                collected.append(block)
        self._flush(pending, collected, pending_source)

    def _headings_parted(self, blocks: Sequence[Block]) -> Iterator[Block]:
        """The blocks, a scanned line that is a section heading and the question under
        it parted in two.

        A heading is the widest line on its page when the answers there are short, so
        OCR's line finder takes the question under it for the heading wrapped ("B:
        Project / Service Details Project / service name"): read as a heading, the
        question was lost. The question is the heading's last words, two or more from a
        capital on, that are a question's own label ("Name of project lead"): a looser
        match, or one word, finds a question in the heading's own words ("A: Details
        About Your Organisation").
        """
        for block in blocks:
            if (
                not isinstance(block, Line)
                or block.confidence >= 1.0  # a text layer's lines are the PDF's own
                or block.ticks
            ):
                yield block
                continue
            for start, question in after_heading(block.text):
                match = self.matcher.match(question)
                if match is not None and match.exact:
                    heading = " ".join(block.text.split()[:start])
                    yield replace(block, parts=[heading], heading=True)
                    yield replace(block, parts=[question])
                    break
            else:
                yield block

    def _flush(
        self, pending: _Found | None, lines: list[Line], location: str, *, bounded: bool = False
    ) -> None:
        if pending is not None:
            if _answer_like(pending.match.after):
                # "How much are you requesting …? £5,000": the answer ran onto the
                # question's own line (PDF text of a paragraph form), its first line
                # only, maybe, the rest below.
                lines = [Line(parts=[pending.match.after], location=location), *lines]
            self._give(
                pending,
                lines,
                "paragraph",
                f"after {location}" if location else "",
                bounded=bounded,
            )

    # --- tables ----------------------------------------------------------

    def table(self, table: Table) -> None:
        consumed: set[int] = set()
        rows = table.rows
        self._mark_positions(table)
        for r, row in enumerate(rows):
            if r in consumed:
                continue
            if len(row) == 1 and self._cell_label(row[0]) is None:
                self._plain_label_row(row[0], rows[r + 1] if r + 1 < len(rows) else None)
            labels = [(cell, self._cell_label(cell)) for cell in row]
            for cell, found in labels:
                if found is None and self._unknown_question(cell):
                    self._unknown_at.append(self._next_step())
            if not any(found for _cell, found in labels):
                last = self._grid_alone(rows, r)
                if last is not None:
                    consumed.update(range(r, last + 1))
                    continue
                for cell in row:
                    self._options_alone(cell)
                    self._nested(cell)
                continue
            next_row = rows[r + 1] if r + 1 < len(rows) else None
            # (A row holding one line set out as a question we do not know is that
            # question, not the answer to the one above: "Q8. Main contact:".)
            # Nor is a section heading's row ("B: Project / Service Details" under the
            # last question of section A, whose answer shares its cell on a scan).
            next_is_answers = (
                next_row is not None
                and not any(self._cell_label(c) or _lone_question(c) for c in next_row)
                and not _section_row(next_row)
            )
            used_next = False
            for i, (cell, found) in enumerate(labels):
                if found is None:
                    continue
                label_found, own_lines = found
                partner = self._answer_cell(labels, i)
                if (
                    partner is not None
                    and label_found.match.field.kind not in ("choice", "choices", "yesno")
                    and any(isinstance(b, Table) and self._has_labels(b) for b in partner.blocks)
                ):
                    # A heading beside a table of its own questions ("Lead contact" |
                    # name, address, …): the table is read, not taken for one answer.
                    # (A choice's options in a table of their own are its answer.)
                    self._nested(partner)
                    continue
                if own_lines and all(_hint_line(line) for line in own_lines):
                    # Lines under the label that read as its hint ("e.g. match funding,
                    # …", "Who is your work aimed at …?": not italic any more on a
                    # scan) beside or above an empty answer space: left blank.
                    space = partner
                    if space is None and next_is_answers and next_row is not None:
                        space = _cell_below(cell, next_row)
                    if space is not None and space.empty:
                        own_lines = []
                if (partner is None or partner.empty) and not any(line.ticks for line in own_lines):
                    # (Words under a choice's label are its hint when option rows follow:
                    # "tick all that apply", no longer italic on a scan.)
                    grid = self._option_grid(label_found.match.field, rows, r + 1)
                    if grid is not None:
                        lines, last = grid
                        consumed.update(range(r + 1, last + 1))
                        self._give(label_found, lines, "table-cell", cell.location)
                        continue
                if (
                    partner is not None
                    and partner.empty
                    and r > 0
                    and _number_left_above(cell, rows[r - 1])
                ):
                    # The question's number alone in the row above, beside words: on a
                    # scan the table finder drew a rule through the label's cell
                    # ("Q13." | "Trustee" over "Position in organisation" | empty).
                    # The empty cell proves nothing: an officer looks.
                    self._unplaced(
                        label_found, cell.location, "its answer cell may have been misread"
                    )
                    continue
                if partner is not None and not partner.empty:
                    # Words under a label in its own cell, beside a filled answer cell,
                    # are its hint (in scans they are not italic any more).
                    self._give(
                        label_found, partner.lines(), "table-cell", partner.location, space=True
                    )
                    self._answered_below(label_found, own_lines, cell.location)
                elif (
                    own_lines
                    and partner is None
                    and next_is_answers
                    and next_row is not None
                    and (below := _cell_below(cell, next_row)) is not None
                    and not below.empty
                ):
                    # Words under a label in its own cell, above a filled answer row,
                    # are its hint too.
                    used_next = True
                    self._give(label_found, below.lines(), "table-cell", below.location, space=True)
                elif own_lines:
                    self._give(label_found, own_lines, "table-cell", cell.location)
                elif partner is not None:
                    self._give(
                        label_found, partner.lines(), "table-cell", partner.location, space=True
                    )
                elif next_is_answers and next_row is not None:
                    below = _cell_below(cell, next_row)
                    if below is not None:
                        used_next = True
                        self._give(
                            label_found, below.lines(), "table-cell", below.location, space=True
                        )
                elif label_found.match.rest:
                    rest = Line(parts=[label_found.match.rest], location=cell.location)
                    self._give(label_found, [rest], "table-cell", cell.location)
                elif (
                    next_row is not None
                    and any(self._cell_label(c) for c in next_row)
                    and all(line.confidence >= 1.0 for line in cell.lines())
                ):
                    # The next question's label straight after it, as in a form of
                    # paragraphs: nothing was written (a PDF drops an empty row's
                    # height). Not on a scan, whose table finder may miss a row.
                    self._give(label_found, [], "table-cell", cell.location, bounded=True)
                else:
                    self._unplaced(
                        label_found,
                        cell.location,
                        "its label has no answer space beside or below it",
                    )
            if used_next:
                consumed.add(r + 1)

    def _answer_cell(
        self, labels: list[tuple[Cell, tuple[_Found, list[Line]] | None]], index: int
    ) -> Cell | None:
        """The answer cell to the right of a label cell (:func:`_right_partner`).

        On a scan, an empty cell there with one filled cell after it (before the next
        label) is a sliver of the answer cell: the table finder parted it at a tick
        list's upright line running on into this row ("Location | | | We work in
        Dartford"). The filled cell is the answer, unless it is set out as a question.
        """
        partner = _right_partner(labels, index)
        label_cell = labels[index][0]
        if (
            partner is None
            or not partner.empty
            or all(line.confidence >= 1.0 for line in label_cell.lines())
        ):
            return partner  # (a text layer's cells are drawn, not guessed)
        rest: list[Cell] = []
        for cell, found in labels[index + 2 :]:
            if found is not None:
                break
            rest.append(cell)
        filled = [cell for cell in rest if not cell.empty]
        if len(filled) == 1 and not self._unknown_question(filled[0]):
            return filled[0]
        return partner

    def _answered_below(self, above: _Found, lines: list[Line], location: str) -> None:
        """Another question asked and answered on its own line under a label, in the
        label's cell (a PDF whose rule between the rows was not found: "What if the
        grant is reduced? We would …"): that question's answer, not the label's hint."""
        for line in lines:
            if not _asked_then_answered(line.text):
                continue
            found = self._label(line, positional=True)
            if found is None or found.match.field.id == above.match.field.id:
                continue
            answer = found.match.rest or (
                found.match.after if _answer_like(found.match.after) else ""
            )
            if answer:
                self._give(found, [Line(parts=[answer], location=location)], "table-cell", location)

    def _unknown_question(self, cell: Cell) -> bool:
        """A cell that stands where a question stands, or is set out as one, but
        asks none of the form's questions (a question worded past recognition)."""
        lines = [line for line in cell.lines() if line.text or line.ticks]
        if not lines or any(line.ticks for line in lines):
            return False  # empty, or a list of options: an answer
        if id(cell) in self._label_position:
            return True
        return not _DECLARATION.match(lines[0].text) and looks_like_question(lines[0])

    def blanks_in_place(self) -> None:
        """Blank answers shown by where a question stands, not by how well its label matched.

        A label recognised only loosely, with its own answer space empty, is the
        question left blank when it stands where the form asks that question:
        after the question before it and before the question after it (of those
        whose labels were seen), with no question we could not recognise between
        them. A detail a ticked option asks for ("Other (please define)") and
        not written beside the tick is blank unless the form goes on to ask
        something we could not recognise before its next question: that may be
        the detail asked again, answered. Otherwise the question stays not found
        (an officer checks it; the applicant is not told it is missing).
        """
        for field_id, step in self._loose_blanks:
            if field_id in self.labelled or field_id in self.sheet.answers:
                continue
            before, after = self._neighbours(field_id)
            if before is None and after is None:
                continue
            low = self._seen_at[before] if before else 0
            high = self._seen_at[after] if after else self._step + 1
            if low < step < high and not any(low < u < high for u in self._unknown_at):
                # Seen where its label stands (the next blank's neighbour, in place).
                self.labelled.add(field_id)
                self._seen_at.setdefault(field_id, step)
        for field_id, step in self._blank_beside_tick:
            if field_id in self.labelled or field_id in self.sheet.answers:
                continue
            _before, after = self._neighbours(field_id)
            high = self._seen_at[after] if after else self._step + 1
            if not any(step < u < high for u in self._unknown_at):
                self.labelled.add(field_id)

    def _neighbours(self, field_id: str) -> tuple[str | None, str | None]:
        """The nearest questions before and after ``field_id`` in the form, of those seen."""
        index = self._order[field_id]
        before = [f for f in self._seen_at if self._order[f] < index]
        after = [f for f in self._seen_at if self._order[f] > index]
        return (
            max(before, key=self._order.__getitem__, default=None),
            min(after, key=self._order.__getitem__, default=None),
        )

    def _option_grid(
        self, spec: FieldSpec, rows: list[list[Cell]], start: int
    ) -> tuple[list[Line], int] | None:
        """The published Kent tick list: one option per row, its tick in the next cell.

        Rows of "option words | tick" after a question's row become tick lines
        (a tick, the option's words, and what is written in the tick's cell
        after a colon, for the linked question). Rows that span the table
        without a tick ("Safer in Kent Fund criteria") are sub-headings, never
        answers; a row that asks another question (other than one sharing
        this question, like the Police and Crime Plan priorities) ends it.
        Returns the lines and the index of the last row read, or None.
        """
        if spec.kind not in ("choice", "choices", "yesno"):
            return None
        members = self.groups.get(spec.group, (spec,)) if spec.group else (spec,)
        pool = tuple((m, o) for m in members for o in m.options)
        if spec.kind == "yesno":
            pool = ()
        lines: list[Line] = []
        last = start - 1
        options = 0
        index = start
        while index < len(rows):
            option_row = _grid_row(rows[index], pool, spec.kind == "yesno")
            row = [c for c in rows[index] if not c.empty] or rows[index]
            if option_row is not None:
                lines.append(option_row)
                options += 1
                last = index
                index += 1
                continue
            if len(row) == 1 and not any(line.ticks for line in row[0].lines()):
                found = self._cell_label(row[0])
                if found is not None and found[0].match.field not in members:
                    break
                # A sub-heading spanning the table, or the shared question's own heading.
                if found is not None:
                    self._seen(found[0].match.field.id)
                index += 1
                continue
            break
        if options < 2:
            return None
        return lines, last

    def _grid_alone(self, rows: list[list[Cell]], start: int) -> int | None:
        """Rows of "option words | tick" for two or more of one choice question's
        options, under a label we could not recognise ("Organisation status"): that
        question, known by its options, as :meth:`_options_alone` knows a list. Its
        answer is flagged for an officer. Returns the last row read, or None."""
        best: tuple[int, FieldSpec, list[Line], int] | None = None
        for spec in self._unasked_choices():
            grid = self._option_grid(spec, rows, start)
            if grid is not None and (best is None or len(grid[0]) > best[0]):
                best = (len(grid[0]), spec, *grid)
        if best is None:
            return None
        _count, spec, lines, last = best
        self._give_by_options(spec, lines, rows[start][0].location)
        return last

    def _unasked_choices(self) -> list[FieldSpec]:
        """Choice questions whose label was not seen yet (a group by its first question)."""
        return [
            spec
            for spec in self.form.fields
            if spec.kind in ("choice", "choices")
            and spec.id not in self.labelled
            and not (
                spec.group and spec.group != spec.id and spec.id != self.groups[spec.group][0].id
            )
        ]

    def _give_by_options(self, spec: FieldSpec, lines: list[Line], location: str) -> None:
        match = LabelMatch(spec, 100 * _FUZZY_FLAG_BELOW - 1, False, "")
        self._give(_Found(match, []), lines, "table-cell", location, space=True)
        answer = self.sheet.answers.get(spec.id)
        if answer is not None and answer.placed:
            self.sheet.answers[spec.id] = replace(
                answer,
                flagged=True,
                note="question recognised by its options (its label was not recognised)",
            )

    def _options_alone(self, cell: Cell) -> None:
        """Tick boxes beside two or more of one choice question's options, under a
        label we could not recognise ("Legal status of your organisation"): that
        question, known by its options. Its answer is flagged for an officer."""
        lines = [line for line in cell.lines() if line.text or line.ticks]
        if not any(line.ticks for line in lines):
            return
        best: tuple[int, FieldSpec] | None = None
        for spec in self._unasked_choices():
            members = self.groups.get(spec.group, (spec,)) if spec.group else (spec,)
            pool = tuple((m, o) for m in members for o in m.options)
            named = {
                found[1].id
                for line in lines
                for _tick, words in line.tick_segments()
                if words and (found := match_option(words, pool)) is not None
            }
            if len(named) >= 2 and (best is None or len(named) > best[0]):
                best = (len(named), spec)
        if best is not None:
            self._give_by_options(best[1], lines, cell.location)

    def _nested(self, cell: Cell) -> None:
        for block in cell.blocks:
            if isinstance(block, Table):
                self.table(block)

    def _mark_positions(self, table: Table) -> None:
        """Cells left of an answer cell stand where a question stands: a question
        worded past the known labels is recognised there by its words."""
        for row in table.rows:
            if len(row) in (2, 4):
                for index in range(0, len(row), 2):
                    left, right = row[index].text, row[index + 1].text
                    # (Not when the right cell repeats the left one's words: a PDF
                    # table whose rulings cut a paragraph, not a question and answer.)
                    if right and left and not right.startswith(left):
                        self._label_position.add(id(row[index]))
                        if len(right) > 3 and right.lower() not in _TICK_WORDS:
                            # Beside a written answer (not a tick list's mark): set out
                            # as a question, as a bold label is ("Measures of success").
                            self._beside_answer.add(id(row[index]))

    def _has_labels(self, table: Table) -> bool:
        self._mark_positions(table)
        return any(self._cell_label(cell) for row in table.rows for cell in row) or any(
            self._has_labels(b)
            for row in table.rows
            for c in row
            for b in c.blocks
            if isinstance(b, Table)
        )

    def _cell_label(self, cell: Cell) -> tuple[_Found, list[Line]] | None:
        """The question a cell asks and any answer lines written in the same cell."""
        key = id(cell)
        if key not in self._cell_labels:
            self._cell_labels[key] = self._read_cell_label(cell)
        return self._cell_labels[key]

    def _read_cell_label(self, cell: Cell) -> tuple[_Found, list[Line]] | None:
        first_block = next(
            (b for b in cell.blocks if isinstance(b, Table) or b.text or b.ticks), None
        )
        if isinstance(first_block, Table):
            return None  # a cell holding a table is not a question; its table is read
        lines = [line for line in cell.lines() if line.text or line.ticks]
        if not lines or lines[0].ticks:
            return None
        found = self._label(
            lines[0],
            positional=id(cell) in self._label_position or _asked_then_answered(lines[0].text),
            set_out=id(cell) in self._beside_answer,
        )
        consumed = 1
        if (found is None or not found.match.exact) and len(lines) > 1 and not lines[1].ticks:
            # Labels wrapped onto two paragraphs ("Lead contact" / "name": the first
            # line alone is only loosely a question, the two are a label).
            joined = Line(parts=[lines[0].text + " " + lines[1].text], location=lines[0].location)
            whole = self._label(joined)
            if whole is not None and (found is None or whole.match.exact):
                found, consumed = whole, 2
        if found is None:
            return None
        rest = lines[consumed:]
        while rest and not rest[0].ticks and _looks_like_hint(rest[0]):
            rest = rest[1:]
        if found.match.rest and not _HINT_AFTER_LABEL.match(found.match.rest):
            rest = [Line(parts=[found.match.rest], location=lines[0].location), *rest]
        elif consumed == 1 and _answer_like(found.match.after):
            # "What does your organisation do? We mentor …": the answer typed into
            # the label's own cell after its question mark.
            rest = [Line(parts=[found.match.after], location=lines[0].location), *rest]
        return found, answer_lines(rest)

    # --- labels and answers ------------------------------------------------

    def _label(
        self, line: Line, *, positional: bool = False, set_out: bool = False
    ) -> _Found | None:
        if line.ticks or not line.text or line.placeholder_only:
            return None
        match = self.matcher.match(line.text)
        if match is None and (
            positional or looks_like_question(line) or line.text.rstrip().endswith(":")
        ):
            set_out = set_out or line.bold or line.heading
            match = self.matcher.keyword_match(line.text, set_out=set_out)
        if match is None:
            return None
        return _Found(match, self._companions(match, line.text))

    def _companions(self, match: LabelMatch, text: str) -> list[FieldSpec]:
        """Other questions asked inside this label's hint ("… if different, say how …")."""
        # (Numbering first: the "." of "1. Full name of organisation" is no hint's start.)
        text = NUMBERING.sub("", text.strip(), count=1)
        hint = normalise(text[len(head(text)) :])
        if len(hint) < 20:
            return []
        companions = []
        for spec in self.form.fields:
            if spec.id == match.field.id or spec.kind != "text":
                continue
            if any(len(normalise(lb)) >= 20 and normalise(lb) in hint for lb in spec.labels):
                companions.append(spec)
        return companions

    def _plain_label_row(self, cell: Cell, next_row: list[Cell] | None) -> None:
        """A row of a label-above table holding a question in plain words ("Expected
        duration", not bold, no colon): the label of the row below when it is the
        question the form asks next (allowing one left out), as in a form of paragraphs:
        before any question is seen, one of the form's first two ("Lead organisation")."""
        lines = [line for line in cell.lines() if line.text or line.ticks]
        if not lines:
            return
        if len(lines) == 1 and (next_row is None or any(self._cell_label(c) for c in next_row)):
            return
        found = self._plain_label(lines[0], None)
        if found is not None:
            # (Its answer in the same cell when the rule between the rows was not
            # found: "Amount sought (£)" over "9,000.00".)
            self._cell_labels[id(cell)] = (found, answer_lines(lines[1:]))

    def _next_asked(self, line: Line, pending: _Found | None) -> _Found | None:
        """A reworded question with its answer after its "?" or ":" on one plain line
        ("If you do not receive the full amount how will this affect the project?
        Staff costs …"), where the form asks that question next (one may be left out)."""
        match = self.matcher.keyword_match(line.text)
        if match is None or match.field.id in self.labelled or not (match.rest or match.after):
            return None
        before = self._order_before(pending)
        return _Found(match, []) if 0 < self._order[match.field.id] - before <= 2 else None

    def _order_before(self, pending: _Found | None) -> int:
        """Where the question read last stands in the form's order (-1: none read yet)."""
        if pending is not None:
            return self._order[pending.match.field.id]
        if self._seen_at:
            return self._order[max(self._seen_at, key=self._seen_at.__getitem__)]
        return -1  # the form's first questions

    def _restated(self, line: Line, pending: _Found) -> _Found | None:
        """The same question asked again, plainly, straight under a heading that only
        loosely asks it ("Name and address of project / service lead", then "Name of
        contact"): the plain line is the label, not the answer."""
        text = line.text
        if (
            pending.match.exact
            or line.bullet
            or len(text.split()) > 8
            or text.rstrip()[-1:] in ".!,;"
            or any(ch.isdigit() or ch in "@£$" for ch in text)
        ):
            return None
        match = self.matcher.keyword_match(text)
        if match is None or match.field.id != pending.match.field.id or match.rest or match.after:
            return None
        # (At least as close to the question as the heading: "The rest comes from our
        # reserves" under "How will the remaining costs be funded?" is its answer.)
        return _Found(match, []) if match.score >= pending.match.score else None

    def _plain_label(self, line: Line, pending: _Found | None) -> _Found | None:
        """A question set out as plain text after an answer ("Match funding and other
        resources"): a short line of words, no sentence, no figures, whose content
        words are those of a question not seen yet. ``pending`` is the question
        being answered; without one (after a heading), the last question seen."""
        text = line.text
        bare = _BRACKETS.sub("", text)  # "Amount sought (£)": its hint aside
        if (
            line.bullet  # a list item ("• Staff costs make up most of the budget")
            or len(text.split()) > 8
            or text.rstrip()[-1:] in ".!,;"
            or any(ch.isdigit() or ch in "£$@/" for ch in bare)
        ):
            return None
        # (Where the form's order puts it, one word only one question uses is enough:
        # "Area covered".)
        match = self.matcher.keyword_match(text, set_out=True)
        if match is None or match.field.id in self.labelled:
            return None
        before = self._order_before(pending)
        # Only where the form's order puts a next question (allowing one left out):
        # "Staff costs make up most of the budget" under the project's outline is
        # the outline's answer, not the budget question.
        gap = self._order[match.field.id] - before
        if not 0 < gap <= 2:
            return None
        return _Found(match, [])

    def _before_next_question(self, spec: FieldSpec, lines: list[Line]) -> list[Line]:
        """An answer's lines up to a section heading or another numbered question.

        A PDF's cell (or a paragraph run) can hold the next question's label under
        the answer when the printed rule between them was not found: the answer
        stops there ("Trustee" and not "Trustee / B: Project details"). A numbered
        line counts only if it is another question's label (an applicant numbers a
        budget's lines too).
        """
        for index, line in enumerate(lines[1:], start=1):
            text = line.text
            if _DECLARATION.match(text):
                return lines[:index]
            exact = self.matcher.match(text) if len(text.split()) >= 2 else None
            if exact is not None and exact.exact and exact.field.id != spec.id:
                return lines[:index]  # another question's own words, a line to itself
            if _QUESTION_NUMBER.match(text):
                found = self._label(line)
                if found is not None and found.match.field.id != spec.id:
                    return lines[:index]
        return lines

    def _next_step(self) -> int:
        self._step += 1
        return self._step

    def _seen(self, field_id: str) -> None:
        """A question's label seen in the text, here."""
        self.labelled.add(field_id)
        self._seen_at.setdefault(field_id, self._next_step())

    def _unplaced(self, found: _Found, location: str, why: str) -> None:
        spec = found.match.field
        self._seen(spec.id)
        self.sheet.offer(unplaced(spec.id, Source("paragraph", location), why))

    def _give(
        self,
        found: _Found,
        lines: list[Line],
        kind: SourceKind,
        location: str,
        *,
        space: bool = False,
        bounded: bool = False,
    ) -> None:
        """Offer the answer ``lines`` give to ``found``'s question.

        ``space`` says the lines come from the question's own answer cell (beside
        or below its label): empty, it is a blank answer whatever the label's
        wording; after a paragraph, only a label recognised with confidence is.
        ``bounded`` says the paragraphs after the label ended at another
        question's label, a section heading or the declaration (not at a question
        we do not know).
        """
        spec = found.match.field
        confidence = 1.0 if found.match.exact else found.match.score / 100
        source = Source(kind, location)
        lines = answer_lines(lines)
        if not lines and confidence < (_BLANK_CELL_LABEL if space else _FUZZY_FLAG_BELOW):
            # A loosely recognised label with nothing after it may be a heading that
            # only looks like the question ("Name and address of project lead"):
            # it proves no answer blank. The question counts as not found, unless
            # its empty space is its own and it stands where the form asks it
            # (:meth:`blanks_in_place`).
            if space or bounded:
                self._loose_blanks.append((spec.id, self._next_step()))
            return
        self._seen(spec.id)
        if spec.group and spec.kind == "choices":
            self._give_group(spec.group, lines, source, confidence, spec)
            return
        if found.companions and lines:
            for companion in found.companions:
                self._seen(companion.id)
            lines = self._give_companion(spec, found.companions[0], lines, source, confidence)
        if spec.kind not in ("choice", "choices"):
            lines = self._before_next_question(spec, lines)
        read = min((line.confidence for line in lines), default=1.0)
        answer = read_value(spec, lines, source, confidence=min(confidence, read))
        if answer is not None and spec.kind in ("choice", "choices") and answer.value:
            self._linked_details(spec, answer, lines, source)
        if answer is None and lines:
            answer = unplaced(
                spec.id,
                source,
                "its label was found but what follows it could not be read as its answer",
                lines_text(lines),
            )
        answer = _flag_if_fuzzy(answer, confidence, label=found.match.rest or None)
        if answer is not None and read < _UNSURE_READING:
            answer = _flag(answer, f"read by OCR with low confidence ({read:.0%})")
        self.sheet.offer(answer)

    def _linked_details(
        self, spec: FieldSpec, answer: Answer, lines: list[Line], source: Source
    ) -> None:
        """What is written beside a ticked option for the question its hint asks.

        "☒ Registered charity (please provide registration number): 1167425":
        the number answers ``registration_number``. An option whose printed
        words ask for a detail and carry none leaves that question blank.
        """
        chosen = answer.value if isinstance(answer.value, list) else [answer.value]
        pool = tuple((spec, option) for option in spec.options)
        for index, line in enumerate(lines):
            following = lines[index + 1] if index + 1 < len(lines) else None
            for tick, words in line.tick_segments():
                if not tick.checked or not words:
                    continue
                found = match_option(words, pool)
                if found is None or found[1].id not in chosen:
                    continue
                option = found[1]
                linked = self._linked_field(spec, option, words)
                if linked is None:
                    continue
                detail = _detail_after(words, option)
                if detail:
                    self._seen(linked.id)
                    self.sheet.offer(read_text_value(linked, detail, source))
                elif self._linked_field(spec, option, words, printed_only=True) is not None and (
                    following is None or following.ticks or not following.text
                ):
                    # Asked right here, and left blank. (Words on a line of their own
                    # after it may be the detail, wrapped: then it is not shown blank.)
                    # Unless the form asks it again as a question of its own that we
                    # did not recognise: :meth:`blanks_in_place` decides.
                    self._blank_beside_tick.append((linked.id, self._next_step()))

    def _linked_field(
        self, spec: FieldSpec, option: OptionSpec, words: str, *, printed_only: bool = False
    ) -> FieldSpec | None:
        """The text question an option's hint asks for ("please provide registration number")."""
        hints = [_hint_of(words)]
        if not printed_only:
            hints += [_hint_of(label) for label in option.labels]
        for hint in hints:
            key = normalise(hint)
            if len(key) < 6:
                continue
            for other in self.form.fields:
                if other.kind != "text" or other.id == spec.id:
                    continue
                if any(
                    (lb := normalise(head(label))) and (lb in key or key == lb)
                    for label in other.labels
                    if len(normalise(head(label))) >= 6
                ):
                    return other
        return None

    def _give_group(
        self, group: str, lines: list[Line], source: Source, confidence: float, asked: FieldSpec
    ) -> None:
        members = self.groups.get(group, ())
        pool = tuple((spec, option) for spec in members for option in spec.options)
        given = False
        for spec in members:
            answer = read_value(spec, lines, source, confidence=confidence, option_pool=pool)
            given = given or answer is not None
            self.sheet.offer(answer)
        if lines and not given:
            self.sheet.offer(
                unplaced(
                    asked.id,
                    source,
                    "its label was found but none of the options could be read after it",
                    lines_text(lines),
                )
            )

    def _give_companion(
        self,
        spec: FieldSpec,
        companion: FieldSpec,
        lines: list[Line],
        source: Source,
        confidence: float,
    ) -> list[Line]:
        """Split a two-part answer: the first line answers ``spec``, the rest ``companion``."""
        first, rest = lines[0], lines[1:]
        if spec.kind == "money" and not rest:
            split = split_leading_amount(first)
            if split is not None:
                amount, remainder = split
                first = Line(parts=[amount], location=first.location)
                rest = [Line(parts=[remainder], location=first.location)]
        if rest:
            self.sheet.offer(read_value(companion, rest, source, confidence=confidence))
        return [first]


_BRACKETS = re.compile(r"\s*\([^()]{0,20}\)")
_TICK_WORDS = {"x", "xx", "✓", "✔", "☒", "☑", "✗", "✘", "yes", "y", "ticked", "[x]"}
_UNTICK_WORDS = {"", "no", "n", "☐", "[ ]", "[]"}
_LEADING_X = re.compile(r"^(?:[xX✓✔]|yes)\b[\s:.\-–]*(.+)$", re.S | re.I)


def _grid_row(
    row: list[Cell], pool: tuple[tuple[FieldSpec, OptionSpec], ...], yes_no: bool
) -> Line | None:
    """A row of "option words | tick" as a tick line, or None if it is not one."""
    if len(row) < 2:
        return None
    words_cell, tick_cell = row[0], row[1]
    words_lines = [line for line in words_cell.lines() if line.text or line.ticks]
    if not words_lines or any(line.ticks for line in words_lines):
        return None
    words = " ".join(line.text for line in words_lines)
    if yes_no:
        return None
    if match_option(words, pool) is None:
        return None
    checked, detail = _tick_cell(tick_cell)
    if checked is None:
        return None
    text = f"{words}: {detail}" if detail else words
    return Line(parts=[Tick(checked, "grid"), text], location=tick_cell.location)


def _tick_cell(cell: Cell) -> tuple[bool | None, str]:
    """Whether a tick cell is ticked, and any detail written in it; None if not a tick cell."""
    lines = [line for line in cell.lines() if line.text or line.ticks]
    ticks = [tick for line in lines for tick in line.ticks]
    text = " ".join(line.text for line in lines).strip()
    if ticks:
        return any(t.checked for t in ticks), text
    low = text.lower()
    if low in _TICK_WORDS:
        return True, ""
    if low in _UNTICK_WORDS:
        return False, ""
    marked = _LEADING_X.match(text)
    if marked:
        return True, marked.group(1).strip()
    # Words written in a tick cell with no tick: the applicant chose this option
    # and wrote its detail (a registration number) where the tick goes.
    return True, text


_LONE_NUMBER = re.compile(r"^(?:question\s*|q\s*)?(?:[A-H]\s?\.?\s?)?\d{1,2}\s*[.):,]?$", re.I)


def _number_left_above(cell: Cell, above: list[Cell]) -> bool:
    """Whether the row above holds, over a scanned label's cell, only a question's
    number ("Q13."), with words beside it: the label's first line, cut off by a rule
    the table finder drew through the cell."""
    over = [c for c in above if c.column == cell.column]
    if len(over) != 1:
        return False
    lines = [line for line in over[0].lines() if line.text]
    return (
        len(lines) == 1
        and lines[0].confidence < 1.0
        and _LONE_NUMBER.match(lines[0].text.strip()) is not None
        and any(not c.empty for c in above if c is not over[0])
    )


def _lone_question(cell: Cell) -> bool:
    """A cell holding one line, set out as a question (numbered, bold, ending "?")."""
    lines = [line for line in cell.lines() if line.text or line.ticks]
    return (
        len(lines) == 1 and not _DECLARATION.match(lines[0].text) and looks_like_question(lines[0])
    )


def _section_row(row: list[Cell]) -> bool:
    """A row holding only a section heading ("B: Project / Service Details")."""
    lines = [line for cell in row for line in cell.lines() if line.text or line.ticks]
    return (
        len(lines) == 1
        and not lines[0].ticks
        and len(lines[0].text.split()) <= 8
        and _SECTION_HEADING.match(lines[0].text) is not None
    )


_SECTION_HEADING = re.compile(r"^(?:(?i:section|part)\s+[A-H1-9]\b|[A-H]\s?:\s+[A-Z])")
"""A section's letter with a colon, or "Section B" / "Part 2" (not "A. Smith", a name)."""


def _hint_line(line: Line) -> bool:
    """A line that reads as a question's hint, never an answer: "e.g. …", a question,
    a word limit ("maximum 500 words"), a request ("Please provide a breakdown …")."""
    text = line.text.strip()
    return bool(text) and (
        _HINT_START.match(text) is not None
        or _WORD_LIMIT.match(text) is not None
        or text.endswith("?")
        or (text.startswith("(") and text.endswith(")"))
    )


_HINT_START = re.compile(
    r"^\(?(?:e\.?\s?g\b|for example\b|please\s+(?:also\s+)?(?:provide|give|describe|list|"
    r"explain|include|highlight|specify|state|tell|outline|attach|define)\b)",
    re.I,
)
"""A hint's start: an example, or a request to the applicant ("Please see attached" is
an answer: seeing is not asked of an applicant)."""
_WORD_LIMIT = re.compile(
    r"^(?:(?:max(?:imum|\.)?|up to|no more than|not more than)\s+[\d,]+\s+words|"
    r"[\d,]+\s+words\s+(?:max(?:imum|\.)?|or (?:less|fewer)))\W*$",
    re.I,
)


def _hint_of(text: str) -> str:
    """The words in brackets (or after the option) that ask for a detail."""
    inside = re.findall(r"\(([^)]*)\)", text)
    return " ".join(inside)


def _detail_after(words: str, option: OptionSpec) -> str:
    """The detail written after an option's words ("...: 1167425")."""
    if ":" in words:
        return words.rsplit(":", 1)[1].strip(" -–")
    low = words.lower()
    for label in sorted(option.labels, key=len, reverse=True):
        if low.startswith(label.lower()):
            rest = words[len(label) :]
            rest = re.sub(r"^\s*\([^)]*\)", "", rest)
            return rest.strip(" -–:;,.")
    return ""


def _right_partner(
    labels: list[tuple[Cell, tuple[_Found, list[Line]] | None]], index: int
) -> Cell | None:
    """The answer cell to the right of a label cell, before the next label cell."""
    for cell, found in labels[index + 1 :]:
        if found is not None:
            return None
        return cell
    return None


def _cell_below(cell: Cell, row: list[Cell]) -> Cell | None:
    start, end = cell.column, cell.column + cell.span
    under = [c for c in row if c.column < end and c.column + c.span > start]
    if len(under) > 1:
        # Cells that claim the same columns (a scan's table finder can say so):
        # the one that holds words is the answer, not an empty sliver beside it.
        filled = [c for c in under if not c.empty]
        return filled[0] if len(filled) == 1 else under[0]
    return under[0] if under else None


_QUESTION_NUMBER = re.compile(
    r"^(?:(?:question|q)\s*\.?\s*)?(?:[A-H]\s?\.?\s?)?\d{1,2}(?:\.\d{1,2})*\s*[.):]\s+\D"
    r"|^(?:question|q)\s*\d{1,2}\b"
    r"|^[A-H]\.\d{1,2}\s+[A-Za-z]"  # "A.8 Contact person": section letter, dot, number
    r"|^[A-H]\d{1,2}\s+[A-Z][a-z]"  # "B21 How much …": section letter and number, no dot
    # The same misread on a scan ("Al10 Telephone", "A8S Name"), if a digit is left
    # ("All Saints" begins an answer as often as "All" stands for "A11").
    rf"|^(?-i:[A-H])\.?(?=\S*\d){SLIPPED_NUMBER}\s+(?-i:[A-Z][a-z])",
    re.IGNORECASE,
)
_DECLARATION = re.compile(
    rf"^(?:{SECTION_WORDS}|"
    r"declaration\b|signed\b|signature\b|print name\b|date\s*:|"
    r"i (?:confirm|declare|certify)\b|please note the following)",
    re.IGNORECASE,
)


def looks_like_question(line: Line) -> bool:
    """A paragraph set out as a question: numbered, bold, a heading, or a short one ending "?"."""
    text = line.text
    if not text or line.ticks or len(text.split()) > 30 or _looks_like_hint(line):
        return False
    if line.heading or _QUESTION_NUMBER.match(text):
        return True
    if line.bold and len(text.split()) <= 20:
        return True
    return text.rstrip().endswith("?") and len(text.split()) <= 25


def _ends_answers(line: Line) -> bool:
    """A line no answer runs into: a question set out as one, or the declaration."""
    if _DECLARATION.match(line.text):
        return True
    return looks_like_question(line)


_HINT_WORDS = re.compile(
    r"^(?:\(|\[|e\.g|eg\b|for example|please|use this|include|tick|list|describe|"
    r"if |who |what |how |where |this |maximum|max\b)",
    re.IGNORECASE,
)


_HINT_AFTER_LABEL = re.compile(
    r"^(?:\(|\[|e\.g|eg\b|for example|maximum|max\b|tick\b|"
    r"please (?:give|provide|describe|list|tick|include|state|explain))",
    re.IGNORECASE,
)
"""After a label's colon in its cell, the words of a hint (a PDF joins an italic hint
in lower case to the label's line: "Summary of the project: maximum 500 words")."""


_ASKED_THEN_ANSWERED = re.compile(r"^([^:?\n]{3,120}[:?])\s+\S")


def _asked_then_answered(text: str) -> bool:
    """A cell's line that sets a question out (up to its colon or question mark, a
    sixteen words at most) and goes on with the answer typed after it ("29) Sustainability
    plan: We will …"): a label, however long the answer makes the line."""
    asked = _ASKED_THEN_ANSWERED.match(text)
    return asked is not None and len(asked.group(1).split()) <= 16


def _answer_like(text: str) -> bool:
    """Words after a question mark that are an answer, not the question's hint."""
    return (
        bool(text)
        and not _HINT_WORDS.match(text)
        and not text.rstrip().endswith("?")
        and not _HOW_ANSWERED.match(text)
    )


_HOW_ANSWERED = re.compile(r"^[(\[]?\s*(?:y\s*/\s*n|yes\s*/\s*no)\s*[)\]]?\s*[:?]?\s*$", re.I)
"""After the question mark, how it is answered ("Y/N:", "(Yes/No)"), not the answer."""


def _looks_like_hint(line: Line) -> bool:
    text = line.text
    return bool(text) and (line.italic or (text.startswith("(") and text.endswith(")")))


def _flag(answer: Answer, note: str) -> Answer:
    return replace(answer, flagged=True, note=note if not answer.note else f"{answer.note}; {note}")


def _flag_if_fuzzy(
    answer: Answer | None, confidence: float, *, label: str | None = None, name: str = ""
) -> Answer | None:
    if answer is None or confidence >= _FUZZY_FLAG_BELOW:
        return answer
    what = f"field name {name!r}" if name else "its label"
    return _flag(answer, f"question recognised by a close match of {what} ({confidence:.0%})")
