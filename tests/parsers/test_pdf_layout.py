"""Positioned text and ruling lines become the lines and tables the pairing reads."""

from __future__ import annotations

import time

from parsers import FormSpec
from parsers.blocks import Line, Table
from parsers.pairing import read_answers
from parsers.pdf.layout import Page, Ruling, Segment, join_pages, page_blocks


def _grid(xs: list[float], ys: list[float]) -> list[Ruling]:
    lines = [Ruling(xs[0], y, xs[-1], y) for y in ys]
    lines += [Ruling(x, ys[0], x, ys[-1]) for x in xs]
    return lines


def _text(x: float, y: float, text: str, width: float | None = None) -> Segment:
    return Segment(x, y, x + (width or 5.0 * len(text)), y + 10, text, size=10)


def test_ruled_cells_become_a_label_answer_table() -> None:
    page = Page(1, 595, 842, rulings=_grid([50, 200, 500], [100, 120, 140]))
    page.segments = [
        _text(55, 105, "Name of Organisation:"),
        _text(205, 105, "Medway Youth Trust"),
        _text(55, 125, "Telephone No:"),
        _text(205, 125, "01632 960412"),
    ]
    [table] = page_blocks(page)
    assert isinstance(table, Table)
    assert [[c.text for c in row] for row in table.rows] == [
        ["Name of Organisation:", "Medway Youth Trust"],
        ["Telephone No:", "01632 960412"],
    ]


def test_a_label_wrapped_over_lines_in_its_cell_is_one_paragraph_again() -> None:
    page = Page(1, 595, 842, rulings=_grid([50, 200, 500], [100, 150]))
    page.segments = [
        _text(55, 104, "What are the aims and", width=140),
        _text(55, 116, "objectives of your", width=90),
        _text(55, 128, "organisation?", width=60),
        _text(205, 104, "Youth work."),
    ]
    [table] = page_blocks(page)
    label = table.rows[0][0]
    assert [line.text for line in label.lines()] == [
        "What are the aims and objectives of your organisation?"
    ]


def test_short_lines_stay_separate_paragraphs() -> None:
    page = Page(1, 595, 842, rulings=_grid([50, 200, 500], [100, 160]))
    page.segments = [
        _text(205, 104, "Unit 4, Pier Road"),
        _text(205, 116, "Gillingham"),
        _text(205, 128, "ME7 1RZ"),
        _text(55, 104, "Address:"),
    ]
    [table] = page_blocks(page)
    assert [line.text for line in table.rows[0][1].lines()] == [
        "Unit 4, Pier Road",
        "Gillingham",
        "ME7 1RZ",
    ]


def test_a_heading_and_the_question_under_it_stay_two_lines() -> None:
    # The heading is the widest line at its indent, so any next word "would not have
    # fitted" after it; but a paragraph's lines share one font size.
    page = Page(1, 595, 842)
    page.segments = [
        Segment(91, 162, 300, 176, "B: Project / Service Details", bold=True, size=14),
        Segment(91, 181, 190, 192, "14. Project title:", bold=True, size=11),
        Segment(91, 196, 190, 207, "Youth Voices 2027", size=11),
    ]
    lines = [b.text for b in page_blocks(page) if isinstance(b, Line)]
    assert lines[:2] == ["B: Project / Service Details", "14. Project title:"]


def test_tick_glyphs_and_drawn_boxes_become_ticks() -> None:
    page = Page(1, 595, 842)
    page.segments = [
        _text(50, 100, "☒ Registered charity"),
        Segment(50, 120, 60, 130, tick=False),
        _text(65, 120, "Local Authority"),
    ]
    lines = [b for b in page_blocks(page) if isinstance(b, Line)]
    assert [[t.checked for t in line.ticks] for line in lines] == [[True], [False]]
    assert lines[1].tick_segments()[0][1] == "Local Authority"


def test_a_reworded_label_printed_bold_is_a_question_above_its_answer(kent: FormSpec) -> None:
    # "Name of contact" is no label the form knows: printed bold above its answer it
    # is set out as a question, so the name below it is the contact's, not the answer
    # of the heading above it.
    page = Page(1, 595, 842, rulings=_grid([50, 500], [100, 120, 140, 160]))
    page.segments = [
        Segment(55, 104, 300, 114, "Name and address of project lead:", bold=True, size=10),
        Segment(55, 124, 150, 134, "Name of contact", bold=True, size=10),
        _text(55, 144, "Chloe Nowak"),
    ]
    blocks = page_blocks(page)
    [table] = blocks
    assert isinstance(table, Table) and table.rows[1][0].lines()[0].bold
    answer = read_answers(blocks, [], kent)["contact_name"]
    assert answer.value == "Chloe Nowak"


def test_a_row_split_by_a_page_break_is_one_row_again() -> None:
    first = Page(1, 595, 842, rulings=_grid([50, 200, 500], [700, 800]))
    first.segments = [
        _text(55, 704, "If you do not receive the full", width=140),
        _text(205, 704, "We would run two evenings"),
    ]
    second = Page(2, 595, 842, rulings=_grid([50, 200, 500], [60, 90]))
    second.segments = [_text(55, 64, "amount how will this impact?"), _text(205, 64, "a week.")]
    blocks = join_pages([page_blocks(first), page_blocks(second)])
    [table] = blocks
    assert isinstance(table, Table)
    assert len(table.rows) == 1
    assert table.rows[0][0].text == "If you do not receive the full amount how will this impact?"


def test_the_rest_of_a_tick_list_on_the_next_page_stays_with_its_question() -> None:
    # LibreOffice moved the end of the criteria's cell to the next page, the label's
    # cell empty there; its first words ("Plan priorities", the end of an option)
    # look like a question of their own, but the row asks none: one row again.
    first = Page(1, 595, 842, rulings=_grid([50, 200, 500], [700, 800]))
    first.segments = [
        _text(55, 704, "15. Which criteria does your project meet?", width=140),
        _text(205, 704, "Safer in Kent Fund criteria"),
    ]
    second = Page(2, 595, 842, rulings=_grid([50, 200, 500], [60, 90]))
    second.segments = [_text(205, 64, "Plan priorities")]
    [table] = join_pages(
        [page_blocks(first), page_blocks(second)], lambda cell: "priorities" in cell.text
    )
    assert isinstance(table, Table)
    assert len(table.rows) == 1
    assert table.rows[0][1].text == "Safer in Kent Fund criteria\nPlan priorities"


def test_running_headers_do_not_cut_a_table_over_a_page_break() -> None:
    first = Page(1, 595, 842, rulings=_grid([50, 200, 500], [700, 800]))
    first.segments = [_text(55, 704, "Which criteria does your project meet?")]
    second = Page(2, 595, 842, rulings=_grid([50, 200, 500], [60, 90]))
    second.segments = [_text(55, 20, "Grant application: Medway Youth Trust"), _text(55, 64, "☒ x")]
    margins: list[Line] = []
    blocks = join_pages([page_blocks(first, margins=margins), page_blocks(second, margins=margins)])
    assert len(blocks) == 1 and isinstance(blocks[0], Table)
    assert [m.text for m in margins] == ["Grant application: Medway Youth Trust"]


def test_a_page_ruled_like_a_picture_is_read_as_lines_at_once() -> None:
    """A halftone or a chart's grid (qpdf's nested-images.pdf read by OCR) crosses its
    rulings thousands of times: closing every cell took 17 s; its text is read as lines."""
    page = Page(
        1, 595, 842, rulings=_grid([20 + 9 * i for i in range(60)], [20 + 9 * i for i in range(60)])
    )
    page.segments = [_text(50, 300, "Name of Organisation:"), _text(200, 300, "Medway Youth Trust")]
    started = time.process_time()

    blocks = page_blocks(page)

    assert time.process_time() - started < 1.0
    assert [b.text for b in blocks if isinstance(b, Line)] == [
        "Name of Organisation: Medway Youth Trust"
    ]


def test_a_page_of_thousands_of_runs_on_a_few_lines_is_laid_out_at_once() -> None:
    """pdf.js's bug1978317.pdf writes a line letter by letter: 16,000 runs."""
    page = Page(1, 595, 842)
    page.segments = [
        _text(20 + (i % 4000) * 0.14, 100 + 20 * (i // 4000), "x", width=0.1) for i in range(16_000)
    ]
    started = time.process_time()

    blocks = page_blocks(page)

    assert time.process_time() - started < 1.0
    assert len(blocks) == 4


def test_a_check_box_whose_cross_is_drawn_a_fraction_off_its_square_is_ticked() -> None:
    # LibreOffice draws a ticked legacy check box as its square (203.5 from the top)
    # and two diagonals whose bounds are 203.458: one box, ticked, however they round.
    import io

    import pypdfium2 as pdfium
    from reportlab.pdfgen import canvas

    from parsers.pdf.textlayer import read_page

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595, 842))
    for top, ticked, words in ((190.5, False, "New project"), (203.5, True, "Existing work")):
        y = 842 - top - 12
        pdf.rect(270.4, y, 12, 12)
        if ticked:
            for start, end in ((y - 0.042, y + 11.991), (y + 11.991, y - 0.042)):
                line = pdf.beginPath()  # each diagonal a path of its own, as LibreOffice's
                line.moveTo(270.359, start)
                line.lineTo(282.391, end)
                pdf.drawPath(line)
        pdf.drawString(286, y + 2, words)
    pdf.save()
    document = pdfium.PdfDocument(buffer.getvalue())
    page = read_page(document[0], 1)
    ticks = sorted((s.y0, s.tick) for s in page.segments if s.tick is not None)
    assert [tick for _y, tick in ticks] == [False, True]


def test_an_address_in_a_narrow_cell_keeps_its_lines() -> None:
    # Neither the town nor the postcode would have fitted after the line above it, so
    # by the widths alone each could be wrapped; an address is typed a line at a time.
    # One typed on a line with commas and wrapped stays one line.
    page = Page(1, 595, 842, rulings=_grid([50, 130, 230], [100, 150, 200]))
    page.segments = [
        _text(55, 104, "Address:", width=40),
        _text(135, 104, "17 Station Road", width=75),
        _text(135, 116, "Canterbury", width=50),
        _text(135, 128, "ME1 5AQ", width=40),
        _text(55, 154, "Address:", width=40),
        _text(135, 154, "17 Station Road,", width=78),
        _text(135, 166, "Canterbury, ME1", width=78),
        _text(135, 178, "5AQ", width=20),
    ]
    [table] = page_blocks(page)
    assert [row[1].text for row in table.rows] == [
        "17 Station Road\nCanterbury\nME1 5AQ",
        "17 Station Road, Canterbury, ME1 5AQ",
    ]


def _line(x1: float, y: float, text: str, head: float, confidence: float = 1.0) -> Segment:
    """A cell's line from x 135 to ``x1``, its first word ``head`` points wide."""
    return Segment(135, y, x1, y + 10, text, size=10, confidence=confidence, head_x1=135 + head)


def test_a_sentence_ending_at_the_cells_edge_follows_the_answers_other_sentences() -> None:
    # "Referrals" would not have fitted after "… before they start.": a wrap or a new
    # line alike by the widths. The answer's first sentence ended its line where the
    # next word would have fitted, and no two sentences run on within a line: each
    # sentence was typed on its own line. On a scan, a sentence ending where the next
    # word would only just have fitted, in an answer whose sentences run on, wrapped
    # (OCR's widths are a point or two out); a text layer's widths are exact.
    page = Page(1, 595, 842, rulings=_grid([50, 130, 330], [100, 140, 180, 220]))
    page.segments = [
        _text(55, 104, "Outline:", width=40),
        _line(250, 104, "Staff costs make up most of the budget.", 40),
        _line(320, 116, "Volunteers are trained and DBS checked before they start.", 50),
        _line(260, 128, "Referrals come from schools.", 40),
        _text(55, 144, "Aims:", width=30),
        _line(318, 144, "Staff costs make up most of the budget. Volunteers are", 25, 0.9),
        _line(280, 156, "trained and DBS checked before they start.", 35, 0.9),
        _line(260, 168, "Referrals come from schools.", 40, 0.9),
        _text(55, 184, "Aims:", width=30),
        _line(318, 184, "Staff costs make up most of the budget. Volunteers are", 25),
        _line(280, 196, "trained and DBS checked before they start.", 35),
        _line(260, 208, "Referrals come from schools.", 40),
    ]
    [table] = page_blocks(page)
    assert [row[1].text for row in table.rows] == [
        "Staff costs make up most of the budget.\n"
        "Volunteers are trained and DBS checked before they start.\n"
        "Referrals come from schools.",
        "Staff costs make up most of the budget. Volunteers are trained and DBS checked "
        "before they start. Referrals come from schools.",
        "Staff costs make up most of the budget. Volunteers are trained and DBS checked "
        "before they start.\nReferrals come from schools.",
    ]
