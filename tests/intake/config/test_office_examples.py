"""The bundled example offices, and the keys that let the seeds' funds be said:
minimum grants, rolling funds, pots, funds run by a partner, closed or under review."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from intake.config.load import bundled_config_text, bundled_office, load_config, parse_config
from intake.errors import ConfigError
from intake.rules.calendar import deadlines
from tests.harness import ROOT

OFFICES = ("kent", "cambridgeshire", "essex", "west-mercia", "dorset")
KENT = bundled_config_text()


@pytest.mark.parametrize("office", OFFICES)
def test_each_bundled_office_loads_alone(office: str) -> None:
    config = load_config(bundled_office(office))
    assert [o.id for o in config.offices] == [office]
    assert all(f.office == office for f in config.funds)


def test_all_five_offices_load_together_with_their_funds() -> None:
    config = load_config(bundled_office("all-offices"))
    assert [o.id for o in config.offices] == list(OFFICES)
    assert [f.id for f in config.forms] == [  # each office's own form
        "kent-funding-application",
        "cambs-grant-application",
        "essex-csdf-application",
        "west-mercia-local-fund-application",
        "dorset-community-grant-application",
        "dorset-business-case",
    ]
    dorset = config.fund("dorset-community-grant")
    assert (dorset.min_amount, dorset.cap_single, dorset.pot) == (
        Decimal(100),
        Decimal(3000),
        Decimal(12000),
    )
    assert dorset.rolling and not dorset.rounds
    youth = config.fund("cambs-youth-fund")
    assert youth.administered_by is not None and not youth.takes_bids
    assert config.fund("cambs-casualty-support").status == "under_review"
    assert config.fund("essex-csdf").cap_single == Decimal(20000)


def test_rolling_funds_have_no_deadlines_to_alert() -> None:
    config = load_config(bundled_office("all-offices"))
    funds = {d.fund.id for d in deadlines(config)}
    assert "essex-csdf" in funds and "safer-in-kent" in funds
    assert not funds & {"wm-lpcaf", "wm-safer-roads", "dorset-community-grant"}


def test_check_config_passes_every_bundled_file() -> None:
    run = [sys.executable, "-m", "intake", "check-config"]
    for office in (*OFFICES, "all-offices"):
        path = bundled_office(office)
        done = subprocess.run(
            [*run, str(path)], capture_output=True, text=True, check=False, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        assert "is valid" in done.stdout


def _fund(extra: str) -> str:
    """Kent's configuration with ``extra`` keys on its Safer in Kent Fund."""
    marker = 'cap_note = "Maximum individual bid £10,000; joint bids to a maximum of £20,000."\n'
    assert marker in KENT
    return KENT.replace(marker, marker + extra + "\n", 1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('min_amount = "15000"', "min_amount (15000) is above cap_single (10000)"),
        ('min_amount = "0"', "funds[0] (safer-in-kent).min_amount"),
        ("rolling = true", "is rolling (always open) and lists rounds"),
        ('status = "paused"', "funds[0] (safer-in-kent).status"),
        ('pot = "-5"', "funds[0] (safer-in-kent).pot"),
        (
            'administered_by = { name = "Trust", url = "cambscf.org.uk" }',
            "funds[0] (safer-in-kent).administered_by.url",
        ),
        ('administered_by = { name = "Trust" }', "administered_by.url is required but missing"),
        (
            'documents = [{ id = "policy", name = "policy", match = ["policy"] }]',
            "document 'policy': give either required = true or required_if",
        ),
        (
            'documents = [{ id = "policy", name = "policy", match = ["policy"], required = true, '
            'required_if = { field = "criteria", in = ["x"] } }]',
            "document 'policy': give either required = true or required_if",
        ),
        (
            'documents = [{ id = "policy", name = "policy", match = ["policy"], '
            'required_if = { field = "children", equals = true } }]',
            "document 'policy' depends on 'children', which form 'kent-funding-application' "
            "does not ask",
        ),
        (
            'documents = [{ id = "policy", name = "policy", match = [], required = true }]',
            "documents[0] (policy).match",
        ),
    ],
)
def test_new_fund_keys_are_checked_and_errors_name_the_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(_fund(extra), source="funds.toml")
    assert message in str(raised.value)


def test_only_a_fund_that_takes_bids_needs_criteria() -> None:
    without = re.sub(r"criteria = \[.*?\n\]\n", "", _fund(""), count=1, flags=re.S)
    with pytest.raises(ConfigError, match="lists no criteria"):
        parse_config(without, source="x")
    partner = 'administered_by = { name = "Trust", url = "https://trust.example.org/" }'
    config = parse_config(without.replace("cap_joint", partner + "\ncap_joint", 1), source="x")
    assert not config.fund("safer-in-kent").takes_bids
    closed = parse_config(_fund('status = "closed"\nstatus_note = "Closed for 2027."'), source="x")
    assert not closed.fund("safer-in-kent").takes_bids


def test_included_files_are_relative_to_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "offices").mkdir()
    (tmp_path / "offices" / "kent.toml").write_text(KENT)
    dorset = bundled_office("dorset").read_text()
    (tmp_path / "offices" / "dorset.toml").write_text(dorset)
    both = tmp_path / "both.toml"
    both.write_text('include = ["offices/kent.toml", "offices/dorset.toml"]\n')
    assert [o.id for o in load_config(both).offices] == ["kent", "dorset"]


def test_two_different_forms_with_one_id_are_refused(tmp_path: Path) -> None:
    (tmp_path / "kent.toml").write_text(KENT)
    (tmp_path / "other.toml").write_text(
        KENT.replace('id = "kent"', 'id = "other"')
        .replace('reference_prefix = "KENT"', 'reference_prefix = "OTHER"')
        .replace("@bids.example.org", "@other.example.org")
        .replace('id = "safer-in-kent"', 'id = "other-safer"')
        .replace('id = "mental-health-policing"', 'id = "other-mh"')
        .replace('id = "victim-specialist-services"', 'id = "other-vss"')
        .replace('office = "kent"', 'office = "other"')
        .replace('label = "Name of Organisation', 'label = "Organisation name', 1)
    )
    both = tmp_path / "both.toml"
    both.write_text('include = ["kent.toml", "other.toml"]\n')
    with pytest.raises(ConfigError, match="two different forms have the id"):
        load_config(both)


def test_a_missing_or_circular_include_is_one_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    missing.write_text('include = ["nope.toml"]\n')
    with pytest.raises(ConfigError, match=r"nope\.toml: no such configuration file"):
        load_config(missing)
    loop = tmp_path / "loop.toml"
    loop.write_text('include = ["loop.toml"]\n')
    with pytest.raises(ConfigError, match="includes this file"):
        load_config(loop)
