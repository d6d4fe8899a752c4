"""A running ``intake serve`` wired to a local Slack, and what tests need to talk to both."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.make_fixtures import FORM_CASES, MENTAL_HEALTH_CRITERIA, build_form, build_mail
from intake.config.load import bundled_config_text
from tests.harness import RunningService
from tests.intake.slack.driver import SECRET, SlackDriver
from tests.slack_api_server import TOKEN, SlackApiServer

ROUND_ONE = "2027-04-15T10:00:00+01:00"


def slack_config(folder: Path) -> Path:
    """The bundled configuration, with the Mental Health fund's cards in its own channel."""
    text = bundled_config_text().replace(
        'name = "Mental Health & Policing Fund"\n',
        'name = "Mental Health & Policing Fund"\nslack_channel = "#mental-health"\n',
    )
    assert "#mental-health" in text
    path = folder / "config.toml"
    path.write_text(text)
    return path


def workspace(server: SlackApiServer) -> SlackApiServer:
    """The office's channels: the commissioning team's, the fund's, one the app is not in."""
    server.add_channel("C0COMMISS1", "commissioning")
    server.add_channel("C0MENTAL01", "mental-health")
    return server


def slack_env(server: SlackApiServer, folder: Path, **more: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": server.url,
        "INTAKE_SLACK_POST_INTERVAL": "0.05",
        "INTAKE_CONFIG": str(slack_config(folder)),
        **more,
    }


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackApiServer]:
    with SlackApiServer().in_thread() as server:
        yield workspace(server)


@pytest.fixture(scope="module")
def service(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackApiServer
) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("slack-service")
    running = RunningService(folder, INTAKE_NOW=ROUND_ONE, **slack_env(slack, folder))
    running.start()
    yield running
    running.close()


@pytest.fixture(scope="module")
def driver(service: RunningService, slack: SlackApiServer) -> SlackDriver:
    return SlackDriver(service, slack)


MailMaker = Callable[..., bytes]


@pytest.fixture
def mail() -> MailMaker:
    """A mail carrying a form of one of the fixture cases, with some answers changed."""
    return mail_maker()


def mail_maker() -> MailMaker:
    """What the ``mail`` fixture gives, for fixtures of a wider scope."""
    counter = iter(range(1, 10_000))

    def make(
        case: str = "incomplete-missing", *, fund: str = "safer-in-kent", **answers: object
    ) -> bytes:
        base = next(c for c in FORM_CASES if c.name == case)
        extra = {}
        if fund == "mental-health-policing":
            extra["criteria"] = MENTAL_HEALTH_CRITERIA
            answers.setdefault("criteria", ["staff_training"])
        form = build_form({**base.answers, **answers}, **extra)  # type: ignore[arg-type]
        number = next(counter)
        return build_mail(
            sender=f"Ann Applicant <ann{number}.{uuid.uuid4().hex[:6]}@example.org>",
            to="safer-in-kent@bids.example.org",
            subject=f"Our application {number}",
            body="Please find our application attached.",
            date=datetime(2027, 4, 15, 9, 30, tzinfo=UTC),
            message_id=f"<slack-{case}-{number}-{uuid.uuid4().hex}@example.org>",
            attachments=[("form.docx", form, "application/octet-stream")],
        )

    return make
