"""``intake parse``: read forms from files and judge them, without the service.

The same worker-process pool as the service reads the files, with the same
time and memory limits, so a hostile file is as harmless here as in the inbox.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from intake.bids.receive import NO_FORM
from intake.config.model import Config, Form, Fund
from intake.errors import UsageError
from intake.reading.extract import Extraction, extract_from_file, extract_from_mail
from intake.reading.forms import form_spec, infer_fund
from intake.reading.pool import ParseFailed, ParsePool
from intake.rules.bid import FieldSource, ParsedBid
from intake.rules.checks import judge, unreadable


def choose_form_and_fund(
    config: Config, *, form_id: str | None, fund_id: str | None
) -> tuple[Form, Fund | None]:
    """The form to read and the fund whose rules apply, from ``--form`` and ``--fund``."""
    fund = None
    if fund_id is not None:
        try:
            fund = config.fund(fund_id)
        except KeyError as exc:
            known = ", ".join(f.id for f in config.funds)
            raise UsageError(f"there is no fund '{fund_id}' (known funds: {known})") from exc
    if form_id is not None:
        try:
            form = config.form(form_id)
        except KeyError as exc:
            known = ", ".join(f.id for f in config.forms)
            raise UsageError(f"there is no form '{form_id}' (known forms: {known})") from exc
        if fund is not None and fund.form != form.id:
            raise UsageError(f"fund '{fund.id}' takes form '{fund.form}', not '{form.id}'")
        return form, fund
    if fund is not None:
        return config.form(fund.form), fund
    return config.forms[0], None


async def parse_files(
    paths: list[Path],
    *,
    config: Config,
    form: Form,
    fund: Fund | None,
    received_at: datetime,
    pool: ParsePool,
) -> list[dict[str, Any]]:
    """The bid JSON of each file, in order (an unreadable file gives an ``unreadable`` bid)."""
    spec = form_spec(config, form, fund)
    results = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise UsageError(f"{path}: no such file") from exc
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read ({exc.strerror})") from exc
        task = extract_from_mail if path.suffix.lower() == ".eml" else None
        try:
            if task is not None:
                extraction = await pool.run(extract_from_mail, data, spec)
            else:
                extraction = await pool.run(extract_from_file, path.name, data, spec)
        except ParseFailed as exc:
            extraction = Extraction(mail=None, attachments=[], unreadable=exc.reason)
        results.append(
            _bid_json(config, path, form, fund, extraction, received_at).model_dump(mode="json")
        )
    return results


def _bid_json(
    config: Config,
    path: Path,
    form: Form,
    fund: Fund | None,
    extraction: Extraction,
    received_at: datetime,
) -> ParsedBid:
    document = extraction.document
    if document is None:
        judgement = unreadable(extraction.unreadable or NO_FORM)
        return ParsedBid(
            file=extraction.file or path.name,
            format=None,
            form=None,
            fund=fund.id if fund else None,
            fields={},
            problems=judgement.problems,
            status=judgement.status,
        )
    office = config.office(fund.office) if fund else None
    judgement = judge(
        form=form, fund=fund, office=office, answers=document.answers, received_at=received_at
    )
    shown_fund = fund or infer_fund(config, form, judgement.fields.get("criteria") or [])
    return ParsedBid(
        file=extraction.file or path.name,
        format=document.format,
        form=form.id,
        fund=shown_fund.id if shown_fund else None,
        round=judgement.round.id if judgement.round else None,
        fields=judgement.fields,
        problems=judgement.problems,
        status=judgement.status,
        sources={name: FieldSource(**source) for name, source in extraction.sources().items()},
    )
