"""Reminders on a running service rehearsed under INTAKE_NOW: the incomplete bid's
applicant is mailed at nine, five days before the close, and a restart over the same
moment mails nobody again."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.harness import RunningService
from tests.intake.bids.stored import MISSING, config_with, context, store_bid

JUST_BEFORE = "2027-05-25T08:59:58+01:00"
NINE = datetime(2027, 5, 25, 9, 0, tzinfo=ZoneInfo("Europe/London"))
RECEIVED = datetime(2027, 5, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def test_the_reminder_goes_at_its_moment_once_across_a_restart(tmp_path: Path) -> None:
    config = config_with(tmp_path, fund_lines="reminder_days_before_close = 5")

    async def store() -> None:
        ctx = await context(tmp_path / "var", config, RECEIVED)
        await store_bid(
            ctx.engine, ref="KENT-2027-0001", status="incomplete", problems=[MISSING], at=RECEIVED
        )
        await store_bid(ctx.engine, ref="KENT-2027-0002", at=RECEIVED)
        await ctx.engine.dispose()

    (tmp_path / "var").mkdir()
    asyncio.run(store())
    service = RunningService(
        tmp_path, INTAKE_NOW=JUST_BEFORE, INTAKE_CONFIG=str(tmp_path / "config.toml")
    )
    try:
        service.start()
        (mail,) = service.wait_for(lambda: service.outbox(), what="the reminder")
        # Sent at nine or after by the rehearsal's clock, not when the service started.
        assert parsedate_to_datetime(str(mail["Date"])) >= NINE
        assert mail["To"] == "kent-2027-0001@example.org"
        assert str(mail["Subject"]).startswith("Reminder: your application is not complete")
        queued = "round mail queued: round_mail:reminders:safer-in-kent:2027-r1"
        assert service.output.count(queued) == 1
        service.stop()

        service.start()  # the clock starts at 08:59:58 again and passes nine again
        time.sleep(3)
        assert len(service.outbox()) == 1
        assert service.output.count(queued) == 1
    finally:
        service.close()
