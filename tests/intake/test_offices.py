"""Many offices on one platform: each its inboxes, references and bids, seen only by it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.config.load import bundled_config_text
from tests.harness import ROOT, RunningService, fixture_mail
from tests.offices import essex

ESSEX = essex(
    slack=None, channel="#essex-grants", round_id="2027", round_name="2027/28", closes="2027-06-30"
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("offices")
    config = folder / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX)
    running = RunningService(
        folder, INTAKE_CONFIG=str(config), INTAKE_NOW="2027-04-15T10:00:00+01:00"
    )
    running.start()
    yield running
    running.close()


def cli(service: RunningService, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "INTAKE_DATA_DIR": str(service.data_dir),
        "INTAKE_CONFIG": service.env["INTAKE_CONFIG"],
    }
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def refs(service: RunningService) -> dict[str, str]:
    raw = fixture_mail("application-complete.eml")
    service.send(raw)
    service.send(raw, to="community-safety@essex.bids.example.org")
    bids = service.wait_for(lambda: len(service.bids()) == 2 and service.bids())
    return {bid["office"]: bid["ref"] for bid in bids}


def test_each_office_numbers_its_own_bids(refs: dict[str, str]) -> None:
    assert refs == {"kent": "KENT-2027-0001", "essex": "ESSEX-2027-0001"}


def test_each_office_applies_its_own_fund_rules(service: RunningService, refs: dict) -> None:
    essex = service.bid(refs["essex"])
    assert essex["fund"] == "essex-community-safety"
    assert [(p["field"], p["code"]) for p in essex["problems"]] == [
        ("amount_requested", "over_limit")  # £9,500 is over Essex's £5,000
    ]
    assert service.bid(refs["kent"])["status"] == "complete"


def test_the_cli_shows_an_office_only_its_own_bids(service: RunningService, refs: dict) -> None:
    unscoped = cli(service, "bids", "--json")
    assert unscoped.returncode == 2
    assert "several offices are configured (kent, essex)" in unscoped.stderr
    kent = cli(service, "bids", "--json", "--office", "kent")
    assert [json.loads(line)["ref"] for line in kent.stdout.splitlines()] == [refs["kent"]]
    other = cli(service, "show", refs["essex"], "--office", "kent")
    assert other.returncode == 1
    assert f"no bid with reference {refs['essex']} in office kent" in other.stderr
    own = cli(service, "show", refs["essex"], "--office", "essex", "--json")
    assert json.loads(own.stdout)["ref"] == refs["essex"]


def test_one_message_goes_to_one_office(service: RunningService) -> None:
    with service.smtp() as client:
        client.ehlo("mx.example.org")
        client.mail("both@example.org")
        assert client.rcpt("safer-in-kent@bids.example.org")[0] == 250
        code, _ = client.rcpt("community-safety@essex.bids.example.org")
        assert code == 452
        client.rset()  # the sender's server sends the Essex copy as a message of its own


def test_acknowledgements_come_from_the_office_that_received_the_bid(
    service: RunningService, refs: dict
) -> None:
    def ack(ref: str):  # type: ignore[no-untyped-def]
        return next((m for m in service.outbox() if ref in m["Subject"]), None)

    essex = service.wait_for(lambda: ack(refs["essex"]))
    assert essex["From"] == "Essex PFCC Grants <grants@essex.bids.example.org>"
    kent = service.wait_for(lambda: ack(refs["kent"]))
    assert "commissioning@bids.example.org" in kent["From"]


def test_the_example_config_is_valid(tmp_path: Path) -> None:
    config = tmp_path / "offices.toml"
    config.write_text(bundled_config_text() + ESSEX)
    done = subprocess.run(
        [sys.executable, "-m", "intake", "check-config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert "2 office(s), 4 fund(s)" in done.stdout
