"""The officers' workbench in Slack, on a running service: a closed round's letters
reviewed and sent once on a click, and ``/intake export FUND`` uploading the panel pack."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from intake.config.load import load_config
from notifier.letters import ACTION_LETTERS_SEND_ALL
from tests.harness import RunningService
from tests.intake.bids.stored import context, store_bid
from tests.intake.cli.test_cli import intake
from tests.intake.slack.conftest import slack_env, workspace
from tests.intake.slack.driver import SlackDriver
from tests.slack_api_server import SlackApiServer

AFTER_CLOSE = "2027-06-10T10:00:00+01:00"
RECEIVED = datetime(2027, 5, 2, 10, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("letters-service")

    async def store() -> None:  # a closed round's two bids, judged before the close
        ctx = await context(folder / "var", load_config(), RECEIVED)
        await store_bid(ctx.engine, ref="KENT-2027-0001", at=RECEIVED)
        await store_bid(ctx.engine, ref="KENT-2027-0002", at=RECEIVED)
        await ctx.engine.dispose()

    (folder / "var").mkdir()
    asyncio.run(store())
    running = RunningService(folder, INTAKE_NOW=AFTER_CLOSE, **slack_env(slack, folder))
    running.start()
    yield running
    running.close()


def test_letters_are_reviewed_in_slack_and_sent_once_on_a_click(
    service: RunningService, slack: SlackApiServer
) -> None:
    env = {k: v for k, v in service.env.items() if k.startswith(("INTAKE_", "PYTHONPATH"))}
    made = intake("letters", "--fund", "safer-in-kent", "--award", "KENT-2027-0001=5000", **env)
    assert made.returncode == 0, made.stderr
    assert "2 letters kept" in made.stdout
    channel = slack.channels["C0COMMISS1"]
    review = service.wait_for(
        lambda: next(
            (m for m in channel.messages if "Letters to review" in str(m.get("text"))), None
        ),
        what="the letters' review post",
    )
    assert "award a grant of £5,000.00" in " ".join(str(review["blocks"]).split())
    send_all = review["blocks"][-1]["elements"][0]
    driver = SlackDriver(service, slack)
    assert driver.click(ACTION_LETTERS_SEND_ALL, send_all["value"]).status == 200
    service.wait_for(lambda: len(service.outbox()) == 2, what="two letters mailed")
    first = driver.last_response_url
    assert "Sending 2 letters" in str(driver.responses_to(first))
    assert driver.click(ACTION_LETTERS_SEND_ALL, send_all["value"]).status == 200
    assert "Already sent" in str(driver.responses_to(driver.last_response_url))
    assert sorted(str(m["To"]) for m in service.outbox()) == [
        "kent-2027-0001@example.org",
        "kent-2027-0002@example.org",
    ]
    shown = intake("show", "KENT-2027-0001", **env)
    assert "Award letter (£5,000.00) sent to kent-2027-0001@example.org" in shown.stdout


def test_intake_export_uploads_the_panel_pack_to_the_channel(
    service: RunningService, slack: SlackApiServer
) -> None:
    driver = SlackDriver(service, slack)
    answer, _ = driver.command("export safer-in-kent")
    assert answer.status == 200 and answer.seconds < 3
    assert "Building the panel pack" in answer.body
    channel = slack.channels["C0COMMISS1"]
    shared = service.wait_for(lambda: channel.files or None, what="the panel pack uploaded")
    assert shared[0]["filename"] == "safer-in-kent-panel-pack-2027-06-10.xlsx"
    book = load_workbook(io.BytesIO(shared[0]["data"]))
    assert book.sheetnames[0] == "Summary" and len(book.sheetnames) >= 2
    calls = [c.method for c in slack.calls if c.method.startswith("files.")]
    assert calls == ["files.getUploadURLExternal", "files.completeUploadExternal"]

    elsewhere, _ = driver.command("export mental-health-policing")
    assert "Run it in #mental-health" in elsewhere.body
    unknown, _ = driver.command("export nope")
    assert "There is no fund" in unknown.body
