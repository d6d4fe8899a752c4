"""Which Slack workspace each office is in, as the configuration says.

An office names its workspace (``slack_team_id``) and where the app's bot
token there comes from: the environment variable that holds it
(``slack_token_env``), or the app's installation through the service's install
page (``slack_install``, kept in the database). Offices that name neither are
in the default workspace, whose token is ``SLACK_BOT_TOKEN``: a
single-workspace set-up needs no new keys. One token belongs to one workspace
and a workspace has one token (the configuration checks it), so a workspace is
known by where its token comes from (:attr:`Workspace.key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from intake.config.model import Config
from intake.errors import ConfigError

DEFAULT_TOKEN_ENV = "SLACK_BOT_TOKEN"


@dataclass(frozen=True, slots=True)
class Workspace:
    """A Slack workspace of the configuration and the offices in it.

    ``team_id`` is the id the configuration gives it; the default workspace
    may leave it out, and is then known by what Slack says of its token.
    ``token_env`` is the variable holding its token, or None when its token
    comes from installing the app there (``installed``).
    """

    token_env: str | None
    team_id: str | None
    offices: frozenset[str]

    @property
    def is_default(self) -> bool:
        return self.token_env == DEFAULT_TOKEN_ENV

    @property
    def installed(self) -> bool:
        """Whether its token comes from the app's installation (kept in the database)."""
        return self.token_env is None

    @property
    def key(self) -> str:
        """Where its token comes from; one per workspace."""
        return self.token_env or f"installation:{self.team_id}"

    @property
    def token_source(self) -> str:
        """Where its token comes from, in words for the operator."""
        if self.token_env:
            return self.token_env
        return f"the app's installation in {self.team_id}"

    @property
    def label(self) -> str:
        """How logs, chains and warnings name it: its id, or "default"."""
        if self.is_default:
            return self.team_id or "default"
        assert self.team_id is not None  # the configuration requires it with its own token
        return self.team_id


def workspaces(config: Config) -> tuple[Workspace, ...]:
    """The configuration's workspaces, the default one (if any office is in it) first."""
    found: dict[tuple[str | None, str | None], tuple[str | None, set[str]]] = {}
    for office in config.offices:
        if office.slack_install:
            source: tuple[str | None, str | None] = (None, office.slack_team_id)
        else:
            source = (office.slack_token_env or DEFAULT_TOKEN_ENV, None)
        team, members = found.setdefault(source, (None, set()))
        members.add(office.id)
        found[source] = (team or office.slack_team_id, members)
    made = [
        Workspace(token_env=env, team_id=team, offices=frozenset(members))
        for (env, _), (team, members) in found.items()
    ]
    return tuple(sorted(made, key=lambda w: (not w.is_default, w.key)))


def workspace_of(config: Config, office: str) -> Workspace:
    """The workspace ``office`` is in."""
    return next(w for w in workspaces(config) if office in w.offices)


def is_single_unnamed(config: Config) -> bool:
    """One workspace whose id nobody gave: every Slack request is from it, as before offices."""
    (first, *rest) = workspaces(config)
    return not rest and first.team_id is None


def bot_tokens(config: Config, lookup: Callable[[str], str | None]) -> dict[str, str]:
    """Each workspace's bot token, by its variable's name, read through ``lookup``.

    The default workspace without ``SLACK_BOT_TOKEN`` has no token: its cards
    are printed, as on a machine without Slack. A variable an office names and
    that is not set is a :class:`ConfigError` naming the office's key: the
    operator asked for Slack there, and printing its cards instead would hide
    them from its officers.
    """
    tokens: dict[str, str] = {}
    for workspace in workspaces(config):
        if workspace.token_env is None:
            continue  # its token comes from its installation, not from a variable
        token = lookup(workspace.token_env)
        if token:
            tokens[workspace.token_env] = token
            continue
        if workspace.is_default:
            continue
        index, office = next(
            (i, o) for i, o in enumerate(config.offices) if o.slack_token_env == workspace.token_env
        )
        raise ConfigError(
            f"offices[{index}] ({office.id}).slack_token_env names {workspace.token_env}, "
            "which is not set (in the environment or .env): set it to the bot token "
            f"(xoxb-…) of the app in workspace {workspace.team_id}"
        )
    return tokens


def check_install_settings(config: Config, *, has_client: bool) -> None:
    """An office whose token comes from installing the app needs the app's client id and secret.

    Raises :class:`ConfigError` naming the office's key when they are missing.
    """
    if has_client:
        return
    for index, office in enumerate(config.offices):
        if office.slack_install:
            raise ConfigError(
                f"offices[{index}] ({office.id}).slack_install needs the app's client id and "
                "secret (its Basic Information page) in INTAKE_SLACK_CLIENT_ID and "
                "INTAKE_SLACK_CLIENT_SECRET"
            )
