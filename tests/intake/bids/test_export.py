"""The panel pack as officers open it: ``intake export`` run as a command on a real
SQLite database, its XLSX opened with openpyxl, its CSV read back, its cover
sheets opened with python-docx."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import pty
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from intake.rules.scoring import Sheet
from intake.store.bids import NewBid, NewVersion, Standing, add_bid, add_version, decide
from intake.store.engine import make_engine
from intake.store.migrate import migrate
from intake.store.scores import save_moderation, save_sheet
from tests.harness import FIXTURES, ROOT
from tests.intake.cli.test_cli import intake

SAMPLE: dict[str, Any] = json.loads(
    (FIXTURES / "forms" / "complete-medway-youth-trust.expected.json").read_text()
)["fields"]
OUTLINE_LABEL = "Give an outline of your project / service (maximum 500 words)"
AMOUNT_LABEL = "How much are you requesting through this funding application?"
START_LABEL = "Proposed start date of project / service"


async def _store(url: str) -> None:
    engine = make_engine(url)
    await migrate(engine)
    bids: list[tuple[str, str, str | None, str, dict[str, str], list[dict[str, Any]]]] = [
        # ref, fund, round, status, fields changed, problems
        ("KENT-2027-0001", "safer-in-kent", "2027-r1", "complete", {}, []),
        (
            "KENT-2027-0002",
            "safer-in-kent",
            "2027-r1",
            "incomplete",
            {
                "organisation_name": '=HYPERLINK("http://evil.example","click")',
                "duration": "-3 months\x07 then review",
                "project_outline": "First line.\nSecond line.",
                "total_cost": "-250.00",
            },
            [
                {
                    "field": "budget_breakdown",
                    "code": "missing",
                    "message": "Say how the grant will be spent.",
                }
            ],
        ),
        ("KENT-2027-0003", "victim-specialist-services", "2027", "complete", {}, []),
        (
            "KENT-2027-0004",
            "mental-health-policing",
            None,
            "ineligible",
            {},
            [{"field": None, "code": "no_round", "message": "No round of the fund was open."}],
        ),
    ]
    async with engine.begin() as connection:
        for number, (ref, fund, round_id, status, changes, problems) in enumerate(bids, 1):
            at = datetime(2027, 5, 30, 15, number, tzinfo=UTC)
            fields = {**SAMPLE, **changes}
            standing = Standing(
                status=status,  # type: ignore[arg-type]
                round=round_id,
                organisation=fields["organisation_name"],
                project=fields["project_name"],
                amount_requested=fields["amount_requested"],
                updated_at=at,
            )
            new = NewBid(
                ref=ref,
                office="kent",
                fund=fund,
                form="kent-funding-application",
                applicant=f"applicant{number}@example.org",
                thread_subject=None,
                thread_message_id=None,
                received_at=at,
            )
            bid_id = await add_bid(connection, new, standing)
            await add_version(
                connection,
                bid_id,
                1,
                NewVersion(
                    message_id=None,  # stored here, not from a mail
                    received_at=at,
                    file="form.docx",
                    format="docx",
                    fields=fields,
                    problems=problems,
                    status=status,  # type: ignore[arg-type]
                    sources={},
                    attachments=[],
                    round=round_id,
                    mail={},
                ),
            )
        await decide(connection, 1, decision="not_eligible", reason="Outside Kent.", at=at)
        # Two scorers of the first bid disagree on Localism; the lead moderates the second.
        levels = {"credible_history": 4, "sustainability": 2, "strategy_and_measurement": 4}
        ann = Sheet("U0ANN", {**levels, "localism": 5}, {"localism": "Medway-wide"})
        await save_sheet(connection, 1, ann, at=at)
        await save_sheet(connection, 1, Sheet("U0BOB", {**levels, "localism": 2}), at=at)
        await save_sheet(connection, 2, Sheet("U0ANN", {**levels, "localism": 3}), at=at)
        lead = Sheet("U0LEAD", {**levels, "sustainability": 3, "localism": 4})
        await save_moderation(connection, 2, lead, at=at)
    await engine.dispose()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("panel") / "var"
    asyncio.run(_store(f"sqlite+aiosqlite:///{folder / 'intake.sqlite3'}"))
    return folder


@pytest.fixture(scope="module")
def exported(data_dir: Path) -> Path:
    """One export of every output, shared by the tests that read them."""
    out = data_dir.parent
    done = intake(
        "export",
        "-o",
        str(out / "pack.xlsx"),
        "--cover-sheets",
        str(out / "sheets"),
        INTAKE_DATA_DIR=str(data_dir),
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == f"exported 4 bids to {out / 'pack.xlsx'} and {out / 'sheets'}"
    done = intake("export", "-o", str(out / "pack.csv"), INTAKE_DATA_DIR=str(data_dir))
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def book(exported: Path) -> Workbook:
    return load_workbook(exported / "pack.xlsx")


def column_width(sheet: Any, index: int) -> float:
    """A column's width as written: neighbours of one width share one <col> range."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= index <= dimension.max:
            return float(dimension.width)
    raise AssertionError(f"column {index} has no width")


def row_of(sheet: Any, ref: str) -> dict[str, Any]:
    rows = list(sheet.iter_rows())
    headers = [cell.value for cell in rows[0]]
    for row in rows[1:]:
        if row[0].value == ref:
            return dict(zip(headers, row, strict=True))
    raise AssertionError(f"{ref} not in {sheet.title}")


def test_a_summary_then_a_sheet_per_fund_and_round_in_the_configurations_order(
    book: Workbook,
) -> None:
    assert book.sheetnames == [
        "Summary",
        "safer-in-kent 2027-r1",
        "mental-health-policing no round",
        "victim-specialist-services 2027",
    ]
    summary = [[c for c in row] for row in book["Summary"].iter_rows(values_only=True)]
    assert summary[0][:6] == ["Sheet", "Fund", "Round", "Opens", "Closes", "Bids"]
    first = summary[1]
    assert first[:3] == ["safer-in-kent 2027-r1", "Safer in Kent Fund", "2027/28 round 1"]
    assert first[3:5] == [datetime(2027, 3, 1), datetime(2027, 5, 30)]  # dates, not text
    assert first[5:12] == [2, 1, 1, 0, 0, 0, 1]  # bids, by status, marked (not) eligible
    assert first[12] == 19000  # the two requests, as a number
    assert book["Summary"]["M2"].number_format == '"£"#,##0.00_);-"£"#,##0.00_)'
    total = summary[4]
    assert total[0] == "Total" and total[5] == 4 and total[12] == 38000


def test_headers_are_the_forms_questions_frozen_filtered_and_readable(book: Workbook) -> None:
    sheet = book["safer-in-kent 2027-r1"]
    headers = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert headers[:14] == [
        "Reference",
        "Name of Organisation",  # who asks for what, and how much: the form's own words
        "Name of the project / service",
        AMOUNT_LABEL,
        "Status",
        "Problems",
        "Received",
        "Versions",
        "Other bids from this organisation",
        "Applicant's email",
        "Assigned to",
        "Decision",
        "Decision reason",
        "Credible History score",
    ]
    assert "Total score" in headers
    assert OUTLINE_LABEL in headers and "Address" in headers  # labels, not field ids
    assert not any(h in headers for h in ("organisation_name", "amount_requested"))
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(headers)).column_letter}3"
    outline = headers.index(OUTLINE_LABEL) + 1
    # 60 characters shown (the file says 60.71: Excel's padding of a column's width).
    assert 60 <= column_width(sheet, outline) < 61
    assert sheet.cell(1, 1).font.bold


def test_cells_are_typed_amounts_in_pounds_dates_as_dates(book: Workbook) -> None:
    row = row_of(book["safer-in-kent 2027-r1"], "KENT-2027-0001")
    amount = row[AMOUNT_LABEL]
    assert amount.value == 9500 and amount.data_type == "n"
    assert amount.number_format == '"£"#,##0.00_);-"£"#,##0.00_)'
    assert row[START_LABEL].value == datetime(2027, 4, 1)
    assert row[START_LABEL].is_date and row[START_LABEL].number_format == "d mmm yyyy"
    # 15:01 UTC on 30 May is 16:01 in Kent: the office's clock, as officers read it.
    assert row["Received"].value == datetime(2027, 5, 30, 16, 1)
    assert row["Versions"].value == 1
    # The same organisation applied three times: the panel sees the possible duplicates.
    assert row["Other bids from this organisation"].value == "KENT-2027-0003\nKENT-2027-0004"
    other = row_of(book["safer-in-kent 2027-r1"], "KENT-2027-0002")
    assert other["Other bids from this organisation"].value is None
    assert row["Credible History score"].value == 4
    assert row["Localism score"].value == 3.5  # the two scorers' mean
    assert row["Localism score"].number_format == "0.0"
    assert row["Total score"].value == 13.5
    assert row["Decision"].value == "Not eligible"
    assert row["Decision reason"].value == "Outside Kent."
    assert row["Is this a partnership bid? Y/N"].value == "No"
    assert row["Please tick the type of organisation that best defines you"].value == (
        "Registered charity"
    )
    ticked = row["Which of the following criteria does your project set to achieve?"]
    assert ticked.value.splitlines()[0].startswith("Empower and support local communities")


def test_the_panels_scores_per_scorer_moderated_score_and_rank(
    book: Workbook, exported: Path
) -> None:
    sheet = book["safer-in-kent 2027-r1"]
    first, second = row_of(sheet, "KENT-2027-0001"), row_of(sheet, "KENT-2027-0002")
    assert first["Scorers"].value == 2
    assert first["Scores by scorer"].value.splitlines() == [
        "U0ANN: 15 / 20 · Credible History 4 · Sustainability Post Funding 2 · "
        "Clear strategy & success measurement 4 · Localism 5 (Medway-wide)",
        "U0BOB: 12 / 20 · Credible History 4 · Sustainability Post Funding 2 · "
        "Clear strategy & success measurement 4 · Localism 2",
    ]
    assert first["Scorers disagree on"].value == "Localism (2–5)"
    assert first["Moderated score"].value is None
    assert first["Rank"].value is None  # marked not eligible: not ranked
    assert second["Moderated score"].value == 15 and second["Total score"].value == 15
    assert second["Localism score"].value == 4  # the moderated sheet's level
    assert second["Quality score (%)"].value == 75
    assert second["Weighted score"].value == 75
    assert second["Rank"].value == 1 and second["Rank"].data_type == "n"
    rows = {
        r["Reference"]: r for r in csv.DictReader(io.StringIO((exported / "pack.csv").read_text()))
    }
    assert rows["KENT-2027-0001"]["Localism score"] == "3.5"
    assert rows["KENT-2027-0002"]["Rank"] == "1"
    assert rows["KENT-2027-0002"]["Moderated score"] == "15"


def test_long_answers_wrap_with_their_line_breaks(book: Workbook) -> None:
    row = row_of(book["safer-in-kent 2027-r1"], "KENT-2027-0002")
    assert row[OUTLINE_LABEL].value == "First line.\nSecond line."
    assert row[OUTLINE_LABEL].alignment.wrap_text
    sheet = book["safer-in-kent 2027-r1"]
    assert sheet.row_dimensions[3].height == 150  # ten lines: the most a row is made tall
    # Under its question, as the card and the acknowledgement say it.
    assert (
        row["Problems"].value == '"How will the grant be spent?": Say how the grant will be spent.'
    )

    assert row["Address"].value == SAMPLE["contact_address"]


def test_text_never_becomes_a_formula_and_a_negative_amount_stays_a_number(
    book: Workbook, exported: Path
) -> None:
    row = row_of(book["safer-in-kent 2027-r1"], "KENT-2027-0002")
    name = row["Name of Organisation"]
    assert name.value.startswith("=HYPERLINK(") and name.data_type != "f"
    assert row["Proposed duration of project / service"].value == "-3 months then review"
    assert row["Total cost of project?"].value == -250  # a number, not "'-250.00"
    with zipfile.ZipFile(exported / "pack.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in xml  # no cell anywhere is a formula

    rows = {
        r["Reference"]: r for r in csv.DictReader(io.StringIO((exported / "pack.csv").read_text()))
    }
    assert rows["KENT-2027-0002"]["Name of Organisation"].startswith("'=HYPERLINK(")
    assert rows["KENT-2027-0002"]["Proposed duration of project / service"].startswith("'-3")
    assert rows["KENT-2027-0002"]["Total cost of project?"] == "-250.00"


def test_csv_holds_the_same_columns_with_the_fund_and_round_in_front(
    book: Workbook, exported: Path
) -> None:
    reader = csv.reader(io.StringIO((exported / "pack.csv").read_text(encoding="utf-8")))
    header, *rows = list(reader)
    sheet_headers = [c.value for c in next(book["safer-in-kent 2027-r1"].iter_rows(max_row=1))]
    assert header == ["Fund", "Round", *sheet_headers]
    first = dict(zip(header, rows[0], strict=True))
    assert first["Fund"] == "Safer in Kent Fund" and first["Round"] == "2027/28 round 1"
    assert first[AMOUNT_LABEL] == "9500.00"
    assert first[START_LABEL] == "2027-04-01"
    assert first["Received"] == "2027-05-30 16:01"
    assert [r[2] for r in rows] == [f"KENT-2027-000{n}" for n in (1, 2, 3, 4)]


def test_each_bid_has_a_kent_cover_sheet(exported: Path) -> None:
    sheets = sorted(p.name for p in (exported / "sheets").iterdir())
    assert sheets == [f"KENT-2027-000{n}.docx" for n in (1, 2, 3, 4)]
    document = Document(str(exported / "sheets" / "KENT-2027-0001.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Funding Request Cover Sheet – Office Use Only" in text
    assert "Reference KENT-2027-0001 · Safer in Kent Fund, 2027/28 round 1" in text
    cells = {
        row.cells[0].text: row.cells[1].text for table in document.tables for row in table.rows
    }
    assert cells["Date Funding Request Received:"] == "30 May 2027"
    assert cells["Organisation Name:"] == "Medway Youth Trust"
    assert cells["Funding Amount Requested:"] == "£9,500.00"
    assert cells["Funding Stream to be paid from:"] == "Safer in Kent Fund"
    assert cells["Commissioners Funding Decision Date:"] == ""  # the Commissioner's to fill
    assert cells["Credible History score"] == "4"
    assert cells["Scored by"] == "U0ANN, U0BOB" and cells["Total score"] == "13.5"
    assert "☒ Fight crime, ASB and reduce re-offending" in text  # ticked on the form
    assert "☐ Support victims of crime and abuse" in text


def test_the_format_follows_the_file_name_unless_format_says(
    data_dir: Path, tmp_path: Path
) -> None:
    where = str(data_dir)
    assert intake("export", "-o", str(tmp_path / "a.XLSX"), INTAKE_DATA_DIR=where).returncode == 0
    assert zipfile.is_zipfile(tmp_path / "a.XLSX")
    done = intake(
        "export", "-o", str(tmp_path / "b.xlsx"), "--format", "csv", INTAKE_DATA_DIR=where
    )
    assert done.returncode == 0
    assert (tmp_path / "b.xlsx").read_text().startswith("Fund,Round,Reference")
    unknown = intake("export", "-o", str(tmp_path / "c.txt"), INTAKE_DATA_DIR=where)
    assert unknown.returncode == 2
    assert "cannot tell the format of" in unknown.stderr and "Traceback" not in unknown.stderr
    assert not (tmp_path / "c.txt").exists()


def test_filters_choose_the_bids_and_are_checked(data_dir: Path, tmp_path: Path) -> None:
    where = str(data_dir)
    done = intake("export", "--fund", "victim-specialist-services", INTAKE_DATA_DIR=where)
    assert done.returncode == 0
    assert [r["Reference"] for r in csv.DictReader(io.StringIO(done.stdout))] == ["KENT-2027-0003"]
    done = intake("export", "--status", "incomplete,ineligible", INTAKE_DATA_DIR=where)
    refs = [r["Reference"] for r in csv.DictReader(io.StringIO(done.stdout))]
    assert refs == ["KENT-2027-0002", "KENT-2027-0004"]
    bogus = intake(
        "export", "--fund", "bogus", "-o", str(tmp_path / "x.xlsx"), INTAKE_DATA_DIR=where
    )
    assert bogus.returncode == 2
    assert bogus.stderr.startswith("intake: no fund 'bogus' in office kent (known: safer-in-kent")
    assert not (tmp_path / "x.xlsx").exists()


def test_a_form_mailed_to_a_running_service_is_in_the_pack_as_read(tmp_path: Path) -> None:
    from tests.harness import RunningService, fixture_mail

    service = RunningService(tmp_path, INTAKE_NOW="2027-04-15T10:00:00+01:00").start()
    try:
        service.send(fixture_mail("application-complete.eml"))
        service.wait_for(lambda: service.bids() or None, what="a bid")
        done = intake(
            "export", "-o", str(tmp_path / "pack.xlsx"), INTAKE_DATA_DIR=str(service.data_dir)
        )
    finally:
        service.close()
    assert done.returncode == 0, done.stderr
    book = load_workbook(tmp_path / "pack.xlsx")
    assert book.sheetnames == ["Summary", "safer-in-kent 2027-r1"]
    row = row_of(book["safer-in-kent 2027-r1"], "KENT-2027-0001")
    assert row["Status"].value == "complete"
    assert row["Name of Organisation"].value == "Medway Youth Trust"
    assert row[AMOUNT_LABEL].value == 9500 and row[AMOUNT_LABEL].data_type == "n"
    assert row[START_LABEL].value == datetime(2027, 4, 1)
    assert row["Received"].value.date() == date(2027, 4, 15)


def test_on_a_terminal_the_export_says_how_far_it_is(data_dir: Path, tmp_path: Path) -> None:
    terminal, child_side = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "intake", "export", "-o", str(tmp_path / "pack.xlsx")],
            stdout=subprocess.DEVNULL,
            stderr=child_side,
            env={**os.environ, "PYTHONPATH": str(ROOT), "INTAKE_DATA_DIR": str(data_dir)},
            timeout=120,
            check=False,
        )
        said = os.read(terminal, 65536).decode()
    finally:
        os.close(terminal)
        os.close(child_side)
    assert done.returncode == 0
    assert "\rexporting: 4 bids so far" in said
    assert said.endswith(f"exported 4 bids to {tmp_path / 'pack.xlsx'}\r\n")


def test_a_cover_sheet_says_each_problem_under_its_question(exported: Path) -> None:
    document = Document(str(exported / "sheets" / "KENT-2027-0002.docx"))
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ['"How will the grant be spent?": Say how the grant will be spent.']


def test_intake_ranking_prints_the_funds_round_ranked(data_dir: Path) -> None:
    done = intake(
        "ranking",
        "--fund",
        "safer-in-kent",
        INTAKE_DATA_DIR=str(data_dir),
        INTAKE_NOW="2027-06-01T10:00:00+01:00",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # The last round to have opened; KENT-2027-0001 was marked not eligible: not ranked.
    assert lines[0] == (
        "Safer in Kent Fund · 2027/28 round 1 · no pot configured · 1 bid asking £9,500.00 in all"
    )
    (ranked,) = [line for line in lines if "KENT-2027-" in line]
    assert ranked.split()[:2] == ["1", "KENT-2027-0002"]
    assert ranked.split()[-4:] == ["75.0", "75.0", "1M", "£9,500.00"]
