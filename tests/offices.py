"""A second office for the tests that need two: Essex, written out once.

Essex's Police, Fire and Crime Commissioner (seed 002) beside the bundled Kent
configuration: its own reference prefix, reply address and Slack workspace,
and a community safety fund that takes the Kent form.
"""

from __future__ import annotations

from typing import Literal

ESSEX_TEAM_ID = "T0ESSEX"
ESSEX_TOKEN_ENV = "ESSEX_SLACK_BOT_TOKEN"
ESSEX_INBOX = "community-safety@essex.bids.example.org"


def essex(
    *,
    slack: Literal["token", "install"] | None = "token",
    channel: str | None = "#commissioning",
    fund: bool = True,
    round_id: str = "2027-r1",
    round_name: str = "2027/28 round 1",
    closes: str = "2027-05-30",
) -> str:
    """Essex's office as TOML to append to the bundled configuration.

    ``slack``: its own workspace with a token in ``ESSEX_SLACK_BOT_TOKEN``, the
    app installed there from ``/slack/install``, or no workspace of its own.
    ``fund``: with its community safety fund and one round opening 1 April 2027
    (without, the office ends the text, so a test may append office keys).
    """
    lines = [
        "[[offices]]",
        'id = "essex"',
        'name = "Office of the Essex Police, Fire and Crime Commissioner"',
        'reference_prefix = "ESSEX"',
        'reply_from = "Essex PFCC Grants <grants@essex.bids.example.org>"',
    ]
    if channel is not None:
        lines.append(f'slack_channel = "{channel}"')
    if slack is not None:
        lines.append(f'slack_team_id = "{ESSEX_TEAM_ID}"')
        lines.append(
            f'slack_token_env = "{ESSEX_TOKEN_ENV}"' if slack == "token" else "slack_install = true"
        )
    if fund:
        lines += [
            "",
            "[[funds]]",
            'id = "essex-community-safety"',
            'office = "essex"',
            'name = "Essex Community Safety Fund"',
            f'inbox = "{ESSEX_INBOX}"',
            'form = "kent-funding-application"',
            'cap_single = "5000"',
            'criteria = [{ id = "empower_communities", label = "Empower and support local '
            'communities" }]',
            "",
            "[[funds.rounds]]",
            f'id = "{round_id}"',
            f'name = "{round_name}"',
            "opens = 2027-04-01",
            f"closes = {closes}",
        ]
    return "\n" + "\n".join(lines) + "\n"
