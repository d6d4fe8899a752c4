"""The configuration: the bundled Kent funds, and errors that name the exact key."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from intake.config.load import bundled_config_text, load_config, parse_config
from intake.errors import ConfigError
from tests.offices import essex

KENT = bundled_config_text()


def test_the_bundled_configuration_carries_spec_funds_caps_and_rounds() -> None:
    config = load_config()
    safer = config.fund("safer-in-kent")
    assert safer.inbox == "safer-in-kent@bids.example.org"
    assert (safer.cap_single, safer.cap_joint) == (Decimal(10000), Decimal(20000))
    assert [(r.opens, r.closes) for r in safer.rounds] == [
        (date(2027, 3, 1), date(2027, 5, 30)),
        (date(2027, 7, 1), date(2027, 9, 1)),
    ]
    assert [c.id for c in safer.criteria] == [
        "empower_communities",
        "support_vulnerable",
        "reduce_reoffending",
        "police_crime_plan",
        "partnership_working",
    ]
    mental = config.fund("mental-health-policing")
    assert mental.inbox == "mental-health@bids.example.org"
    assert [c.id for c in mental.criteria] == [
        "bring_bodies_together",
        "staff_training",
        "right_support",
        "raise_awareness",
    ]
    vss = config.fund("victim-specialist-services")
    assert vss.cap_single == Decimal(35000)
    assert [(r.opens, r.closes) for r in vss.rounds] == [(date(2027, 2, 1), date(2027, 3, 3))]


def test_the_bundled_form_has_every_field_of_the_spec() -> None:
    form = load_config().form("kent-funding-application")
    assert [f.id for f in form.fields] == [
        "organisation_name",
        "organisation_aims",
        "organisation_type",
        "registration_number",
        "organisation_type_other",
        "partnership_bid",
        "partner_organisations",
        "contact_name",
        "contact_address",
        "contact_telephone",
        "contact_email",
        "contact_website",
        "contact_position",
        "project_name",
        "start_date",
        "duration",
        "criteria",
        "priorities",
        "project_outline",
        "location",
        "need_evidence",
        "outcome_measures",
        "total_cost",
        "amount_requested",
        "funding_shortfall",
        "new_or_existing",
        "previous_funding",
        "budget_breakdown",
        "other_resources",
        "sustainability",
        "funding_impact",
    ]
    assert form.field("organisation_type").options[0].id == "registered_charity"
    assert form.field("project_outline").max_words == 500


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ('cap_single = "10000"', 'cap_singel = "10000"'),
            "funds[0] (safer-in-kent).cap_singel is not a known setting",
        ),
        (
            ("closes = 2027-05-30", "closes = 2027-02-20"),
            "funds[0] (safer-in-kent).rounds[0] (2027-r1)",
        ),
        (
            ("opens = 2027-07-01", "opens = 2027-05-01"),
            "rounds '2027-r1' and '2027-r2' of 'safer-in-kent' overlap",
        ),
        (
            ('office = "kent"', 'office = "essex"'),
            "fund 'safer-in-kent' names unknown office 'essex'",
        ),
        (
            ('timezone = "Europe/London"', 'timezone = "Europe/Kent"'),
            "offices[0] (kent).timezone unknown time zone 'Europe/Kent'",
        ),
        (('type = "money"', 'type = "currency"'), "fields[22] (total_cost).type"),
        (("closes = 2027-05-30", "closes = 2027-05-32"), "not valid TOML"),
    ],
)
def test_errors_name_the_exact_key(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(KENT.replace(*edit, 1), source="funds.toml")
    assert message in str(raised.value)
    assert str(raised.value).startswith("funds.toml: ")


def test_check_config_command_reports_valid_and_invalid_files(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(KENT)
    bad = tmp_path / "bad.toml"
    bad.write_text(KENT.replace('inbox = "vss@bids.example.org"', 'inbox = "vss"'))
    run = [sys.executable, "-m", "intake", "check-config"]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "is valid: 1 office(s), 3 fund(s)" in ok.stdout
    failed = subprocess.run([*run, str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode == 1
    assert "funds[2] (victim-specialist-services).inbox" in failed.stderr
    assert "Traceback" not in failed.stderr
    missing = subprocess.run(
        [*run, str(tmp_path / "nope.toml")], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 1
    assert "no such configuration file" in missing.stderr


ESSEX = essex(channel=None, fund=False)


def _second_essex() -> str:
    """Another office like Essex, with its own id and reference prefix."""
    return ESSEX.replace('"essex"', '"essex2"').replace('"ESSEX"', '"ESSEXB"')


@pytest.mark.parametrize(
    ("office", "message"),
    [
        (
            ESSEX.replace('slack_team_id = "T0ESSEX"\n', ""),
            "offices[1] (essex) slack_token_env is given without slack_team_id",
        ),
        (
            ESSEX.replace('"T0ESSEX"', '"essex"'),
            "offices[1] (essex).slack_team_id String should match pattern",
        ),
        (
            ESSEX.replace('"ESSEX_SLACK_BOT_TOKEN"', '"xoxb-1234-secret"'),
            "offices[1] (essex).slack_token_env String should match pattern",
        ),
        (
            ESSEX.replace('"ESSEX_SLACK_BOT_TOKEN"', '"SLACK_BOT_TOKEN"'),
            "leave slack_token_env out for the default workspace",
        ),
        (
            ESSEX.replace('slack_token_env = "ESSEX_SLACK_BOT_TOKEN"\n', ""),
            None,  # Essex declares the default workspace's id: fine on its own
        ),
        (
            ESSEX.replace('slack_token_env = "ESSEX_SLACK_BOT_TOKEN"', "slack_install = true"),
            None,  # its token comes from installing the app there
        ),
        (
            ESSEX.replace(
                'slack_token_env = "ESSEX_SLACK_BOT_TOKEN"', "slack_install = true"
            ).replace('slack_team_id = "T0ESSEX"\n', ""),
            "offices[1] (essex) slack_install is set without slack_team_id",
        ),
        (
            ESSEX + "slack_install = true\n",
            "give slack_token_env or slack_install, not both",
        ),
        (
            ESSEX + _second_essex().replace('"T0ESSEX"', '"T0OTHER"'),
            "offices[2] (essex2).slack_team_id is T0OTHER but office 'essex' puts "
            "ESSEX_SLACK_BOT_TOKEN in workspace T0ESSEX",
        ),
        (
            ESSEX + _second_essex().replace("ESSEX_SLACK", "OTHER_SLACK"),
            "offices[2] (essex2).slack_token_env: office 'essex' is in workspace T0ESSEX too",
        ),
    ],
)
def test_slack_workspace_keys_are_checked(office: str, message: str | None) -> None:
    text = KENT + office
    if message is None:
        parse_config(text, source="offices.toml")
        return
    with pytest.raises(ConfigError) as raised:
        parse_config(text, source="offices.toml")
    assert message in str(raised.value)


def test_kent_with_no_default_token_id_and_an_undeclared_kent_are_one_workspace() -> None:
    from intake.slack.workspaces import workspace_of, workspaces

    config = parse_config(
        KENT + ESSEX.replace('slack_token_env = "ESSEX_SLACK_BOT_TOKEN"\n', ""), source="x"
    )
    (only,) = workspaces(config)
    assert only.offices == {"kent", "essex"} and only.team_id == "T0ESSEX"
    config = parse_config(KENT + ESSEX, source="x")
    assert [w.label for w in workspaces(config)] == ["default", "T0ESSEX"]
    assert workspace_of(config, "essex").token_env == "ESSEX_SLACK_BOT_TOKEN"


def test_check_config_names_each_workspace_and_a_token_not_set(tmp_path: Path) -> None:
    path = tmp_path / "offices.toml"
    path.write_text(KENT + ESSEX)
    env = {k: v for k, v in os.environ.items() if k != "ESSEX_SLACK_BOT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "intake", "check-config", str(path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Slack workspace T0ESSEX: essex; bot token in ESSEX_SLACK_BOT_TOKEN (NOT SET here)" in (
        done.stdout
    )
    assert "intake serve will not start until ESSEX_SLACK_BOT_TOKEN is set" in done.stdout
