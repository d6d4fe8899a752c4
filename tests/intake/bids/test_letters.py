"""Award and regret letters: made from the office's templates after the close, kept
for review, sent once on an officer's click, on the bid's history; and the grantees
then reminded of their monitoring report once."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from intake.bids.acknowledge import send_acknowledgement
from intake.bids.deadlines import round_counts
from intake.bids.letters import (
    draft_round,
    keep_drafts,
    mail_letter,
    parse_awards,
    post_review,
    queue_sending,
    round_letter_ids,
)
from intake.bids.round_mail import claim_due, queue_round_mail
from intake.config.load import load_config
from intake.errors import ConfigError, UsageError
from intake.jobs.kinds import AckJob, CardJob, LetterJob, RoundMailJob
from intake.jobs.worker import runs
from intake.rules.calendar import deadlines
from intake.slack.listeners.letters import letters_command
from intake.store.bids import award, history
from intake.store.engine import reading
from intake.store.erasure import erase
from intake.store.letters import round_letters
from notifier.letters import REGRET, check_template, fill, review_messages
from tests.intake.bids.stored import config_with, context, run_jobs, store_bid
from tests.intake.cli.test_cli import intake

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2027, 5, 2, 10, 0, tzinfo=LONDON)
AFTER_CLOSE = datetime(2027, 6, 10, 10, 0, tzinfo=LONDON)


def test_a_template_says_only_what_a_letter_knows() -> None:
    assert check_template(REGRET) is None
    assert "unknown placeholder $bank_details" in str(check_template("Hi\n\n$bank_details"))
    assert "names nothing" in str(check_template("Hi\n\nCosts $5"))
    assert check_template("Only a subject") is not None
    text = fill(
        "Award for $organisation\n\nDear $contact_name,\n\nYou get $amount.",
        {"organisation": "Medway\nYouth Trust", "contact_name": "Sam", "amount": "£5.00"},
    )
    assert text.subject == "Award for Medway Youth Trust"
    assert text.body == "Dear Sam,\n\nYou get £5.00.\n"


def test_the_configuration_refuses_a_letter_template_it_cannot_fill(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="award letter: unknown placeholder"):
        config_with(
            tmp_path,
            office_lines='[offices.letters]\naward = "A\\n\\n$iban"\nregret = "R\\n\\nNo."',
        )


def test_awards_are_references_with_an_amount_or_not() -> None:
    assert parse_awards(["kent-2027-0001", "KENT-2027-0002=£4,000"]) == {
        "KENT-2027-0001": None,
        "KENT-2027-0002": "4000.00",
    }
    with pytest.raises(UsageError, match="not an amount"):
        parse_awards(["KENT-2027-0001=lots"])


def test_the_review_post_escapes_and_has_a_send_button_per_letter() -> None:
    letters = [
        (
            f"KENT-2027-{n:04d}",
            {
                "id": n,
                "kind": "regret",
                "to": "a@b.org",
                "subject": "S",
                "body": "<!channel> hi",
                "amount": None,
            },
        )
        for n in range(1, 24)
    ]
    posts = review_messages(fund_name="Fund", round_name="R1", letters=letters)
    assert len(posts) == 2  # 20 a post
    blocks = posts[0]["blocks"]
    assert len(blocks) == 22 and "<!channel>" not in str(blocks)
    assert blocks[1]["accessory"]["value"] == "1"
    assert blocks[-1]["elements"][0]["value"] == ",".join(str(n) for n in range(1, 21))


async def test_letters_are_made_reviewed_and_sent_once_then_grantees_reminded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with(tmp_path)
    ctx = await context(tmp_path, config, RECEIVED)
    awarded = await store_bid(ctx.engine, ref="KENT-2027-0001", at=RECEIVED)
    regretted = await store_bid(ctx.engine, ref="KENT-2027-0002", at=RECEIVED)
    await store_bid(ctx.engine, ref="KENT-2027-0003", decision="withdrawn", at=RECEIVED)
    await store_bid(ctx.engine, ref="KENT-2027-0004", round="2027-r2", at=RECEIVED)

    awards = {"KENT-2027-0001": "7500.00"}
    with pytest.raises(UsageError, match="letters are made after the close"):
        await draft_round(ctx, fund_id="safer-in-kent", round_id=None, awards=awards)
    ctx.clock = type(ctx.clock)(AFTER_CLOSE)
    with pytest.raises(UsageError, match="KENT-2027-0004 is not a bid of safer-in-kent"):
        await draft_round(
            ctx, fund_id="safer-in-kent", round_id=None, awards={"KENT-2027-0004": None}
        )
    drafted = await draft_round(ctx, fund_id="safer-in-kent", round_id=None, awards=awards)
    assert drafted.round.id == "2027-r1"
    assert [(ref, d.kind, d.amount) for ref, d in drafted.letters] == [
        ("KENT-2027-0001", "award", "7500.00"),
        ("KENT-2027-0002", "regret", None),
    ]
    award = drafted.letters[0][1]
    words = " ".join(award.body.split())
    assert award.subject == (
        "Your application to the Safer in Kent Fund: award of £7,500.00 [Ref KENT-2027-0001]"
    )
    assert "Dear Sarah Okafor," in award.body
    assert "award a grant of £7,500.00" in words
    assert "no later than Sunday 30 April 2028" in words
    assert "has not been successful" in " ".join(drafted.letters[1][1].body.split())

    review_key = await keep_drafts(ctx, drafted, by="cli:officer")
    await keep_drafts(ctx, drafted, by="cli:officer")  # generated again: still one each
    async with reading(ctx.engine) as connection:
        kept = await round_letters(connection, fund="safer-in-kent", round="2027-r1")
    assert [(letter.bid_id, letter.kind) for letter in kept] == [
        (awarded, "award"),
        (regretted, "regret"),
    ]
    reviewed = await run_jobs(
        ctx, {RoundMailJob.kind: runs(RoundMailJob, partial(post_review, ctx))}
    )
    assert reviewed == [review_key]  # once, though generated twice in the same second
    assert "Letters to review: Safer in Kent Fund" in capsys.readouterr().out

    first = await queue_sending(ctx, [kept[0].id], officer="U0SAM", offices=["kent"])
    assert first == ["KENT-2027-0001"]
    ids = await round_letter_ids(ctx, fund="safer-in-kent", round="2027-r1")
    assert ids == [kept[1].id]
    # "Send all" clicked twice, and the single letter clicked again: queued once each.
    assert await queue_sending(ctx, [kept[0].id, kept[1].id], officer="U0ALI", offices=["kent"])
    assert (
        await queue_sending(ctx, [kept[0].id, kept[1].id], officer="U0ALI", offices=["kent"]) == []
    )

    handlers = {
        LetterJob.kind: runs(LetterJob, partial(mail_letter, ctx)),
        CardJob.kind: runs(CardJob, _no_card),
    }
    sent = await run_jobs(ctx, handlers)
    assert [k for k in sent if k.startswith("letter:")] == [
        f"letter:{kept[0].id}",
        f"letter:{kept[1].id}",
    ]
    # A retried job (its finish lost) sends nothing again.
    await mail_letter(ctx, LetterJob(letter=kept[0].id, bid=awarded))
    mails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 2
    subjects = sorted(
        str(email.message_from_bytes(m.read_bytes(), policy=email.policy.default)["Subject"])
        for m in mails
    )
    assert subjects[1].startswith("Your application to the Safer in Kent Fund: award")
    async with reading(ctx.engine) as connection:
        lines = [e for e in await history(connection, awarded) if e.kind == "letter_sent"]
    assert [(e.actor, e.text) for e in lines] == [
        ("U0SAM", "Award letter (£7,500.00) sent to kent-2027-0001@example.org.")
    ]

    # Monitoring: two weeks before the year-end report, the grantee alone is reminded, once.
    ctx.clock = type(ctx.clock)(datetime(2028, 4, 16, 9, 0, tzinfo=LONDON))
    queued = await claim_due(ctx)
    assert "round_mail:monitoring:safer-in-kent:2027-r1:2028-04-30" in queued
    assert await claim_due(ctx) == []
    mail_handlers = {
        RoundMailJob.kind: runs(RoundMailJob, partial(queue_round_mail, ctx)),
        AckJob.kind: runs(AckJob, partial(send_acknowledgement, ctx)),
    }
    done = await run_jobs(ctx, mail_handlers)
    assert f"ack:{awarded}:monitoring:2028-04-30" in done
    assert not any(key.startswith(f"ack:{regretted}:") for key in done)
    reminders = [
        email.message_from_bytes(m.read_bytes(), policy=email.policy.default)
        for m in sorted((tmp_path / "outbox").glob("*.eml"))
    ]
    monitoring = [m for m in reminders if "year-end monitoring report" in str(m["Subject"])]
    assert len(monitoring) == 1
    assert "by Sunday 30 April 2028" in " ".join(monitoring[0].get_content().split())

    # The officers' alert on the day counts the grantees who owe the report.
    year_end = next(
        d for d in deadlines(config) if d.key == "deadline:safer-in-kent:2027-r1:monitoring_due"
    )
    async with reading(ctx.engine) as connection:
        counts = await round_counts(connection, config, year_end)
    assert counts.awarded == 1

    # An applicant's erasure takes their letters with their bid.
    erased = await erase(ctx.engine, ref="KENT-2027-0002", actor="test", at=ctx.clock.now())
    assert erased.counts.get("letters") == 1
    async with reading(ctx.engine) as connection:
        left = await round_letters(connection, fund="safer-in-kent", round="2027-r1")
    assert [letter.bid_id for letter in left] == [awarded]
    await ctx.engine.dispose()


def test_intake_letters_previews_and_says_what_is_wrong(tmp_path: Path) -> None:
    env = {"INTAKE_DATA_DIR": str(tmp_path / "var"), "INTAKE_NOW": "2027-06-10T10:00:00+01:00"}
    done = intake("letters", "--fund", "nope", **env)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    import asyncio

    async def store() -> None:
        (tmp_path / "var").mkdir()
        ctx = await context(tmp_path / "var", load_config(), RECEIVED)
        await store_bid(ctx.engine, ref="KENT-2027-0001", at=RECEIVED)
        await ctx.engine.dispose()

    asyncio.run(store())
    preview = intake(
        "letters", "--fund", "safer-in-kent", "--award", "KENT-2027-0001", "--preview", **env
    )
    assert preview.returncode == 0, preview.stderr
    assert "KENT-2027-0001: award £9,500.00" in preview.stdout
    assert "award a grant of £9,500.00" in " ".join(preview.stdout.split())
    wrong = intake("letters", "--fund", "safer-in-kent", "--round", "2027-r2", "--preview", **env)
    assert wrong.returncode != 0 and "letters are made after the close" in wrong.stderr


async def _no_card(job: CardJob) -> None:
    """Cards are another test's business: the job is queued, and that is all this one needs."""


async def test_a_bid_awarded_from_its_card_gets_an_award_letter_of_the_amount_awarded(
    tmp_path: Path,
) -> None:
    config = config_with(tmp_path)
    ctx = await context(tmp_path, config, AFTER_CLOSE)
    carded = await store_bid(ctx.engine, ref="KENT-2027-0001", at=RECEIVED)
    await store_bid(ctx.engine, ref="KENT-2027-0002", at=RECEIVED)
    await store_bid(ctx.engine, ref="KENT-2027-0003", at=RECEIVED)
    async with ctx.engine.begin() as connection:
        await award(connection, carded, amount="6000.00", reason=None, at=AFTER_CLOSE)

    drafted = await draft_round(
        ctx, fund_id="safer-in-kent", round_id=None, awards={"KENT-2027-0003": None}
    )
    assert [(ref, d.kind, d.amount) for ref, d in drafted.letters] == [
        ("KENT-2027-0001", "award", "6000.00"),
        ("KENT-2027-0002", "regret", None),
        ("KENT-2027-0003", "award", "9500.00"),
    ]


async def test_slash_letters_drafts_the_round_from_the_cards_awards_for_review(
    tmp_path: Path,
) -> None:
    ctx = await context(tmp_path, config_with(tmp_path), AFTER_CLOSE)
    carded = await store_bid(ctx.engine, ref="KENT-2027-0001", at=RECEIVED)
    await store_bid(ctx.engine, ref="KENT-2027-0002", at=RECEIVED)
    async with ctx.engine.begin() as connection:
        await award(connection, carded, amount="4000.00", reason=None, at=AFTER_CLOSE)
    here = ["safer-in-kent"]

    elsewhere = await letters_command(ctx, ["mental-health-policing"], here, "U0ANN")
    assert "has its cards here" in str(elsewhere)
    said = await letters_command(ctx, ["safer-in-kent"], here, "U0ANN")
    assert "1 award and 1 regret letter of Safer in Kent Fund" in str(said)
    async with reading(ctx.engine) as connection:
        kept = await round_letters(connection, fund="safer-in-kent", round="2027-r1")
    assert [(letter.kind, letter.amount, letter.drafted_by) for letter in kept] == [
        ("award", "4000.00", "U0ANN"),
        ("regret", None, "U0ANN"),
    ]
    reviewed = await run_jobs(
        ctx, {RoundMailJob.kind: runs(RoundMailJob, partial(post_review, ctx))}
    )
    assert [key.split(":")[:2] for key in reviewed] == [["round_mail", "review"]]
    await ctx.engine.dispose()
