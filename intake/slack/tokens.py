"""The Slack workspaces the running service talks to: a poster per bot token.

Outgoing, each office's cards, thread lines and alerts go out with its own
workspace's token (:meth:`SlackWorkspaces.poster_for`). Incoming, one Slack
app serves every workspace, and a request says which workspace it comes from
by its ``team_id``: :meth:`SlackWorkspaces.resolve` finds that workspace, whose
token then answers the request and whose offices are the only ones whose bids
the request may see or touch.

A workspace's token comes from an environment variable, or from the app's
installation there (kept in the database, so every node finds it). Until the
app is installed, the workspace's posts wait.

Before a variable's token is first used (at start, or by the first post or
request if Slack could not be asked then), Slack is asked which workspace it
belongs to. A token of another workspace than the configuration gives is
withheld (posts wait, requests are refused) until the operator fixes it and
restarts: posting one office's bids with another workspace's token would show
them to the wrong officers. An installation's token needs no such check: Slack
gave it for the very workspace it is kept under.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from intake.config.model import Config
from intake.slack.workspaces import Workspace, is_single_unnamed, workspace_of, workspaces
from notifier.errors import SlackError
from notifier.slack import SlackPoster

# How long a post waits before asking again about a withheld token (a restart fixes it).
WITHHELD_RETRY_SECONDS = 300.0
# How long a post waits when Slack could not say whose the token is.
CHECK_RETRY_SECONDS = 60.0
# How long a post waits for the app to be installed (an installation hurries it on).
INSTALL_RETRY_SECONDS = 60.0
INSTALL_PATH = "/slack/install"


@dataclass(frozen=True, slots=True)
class Installations:
    """How to find the token of the app installed in a workspace, and post with it."""

    token: Callable[[str], Awaitable[str | None]]
    make_poster: Callable[[str], SlackPoster]


@dataclass(frozen=True, slots=True)
class Resolved:
    """The workspace a Slack request came from, and the poster with its token."""

    workspace: Workspace
    poster: SlackPoster


class SlackWorkspaces:
    """Every workspace of the configuration with its poster, if its token is set."""

    def __init__(
        self,
        config: Config,
        posters: Mapping[str, SlackPoster],
        *,
        installations: Installations | None = None,
    ) -> None:
        """``posters`` maps a token variable to the poster holding its token.

        ``installations`` finds the tokens of workspaces whose offices say
        ``slack_install``; without it (no client id and secret) they have none.
        """
        self.config = config
        self._workspaces = workspaces(config)
        self._posters = dict(posters)
        self._installations = installations
        self._installed: dict[str, SlackPoster] = {}
        self._withheld: dict[str, str] = {}
        self._verified: set[str] = set()
        self._single_unnamed = is_single_unnamed(config)

    @property
    def configured(self) -> bool:
        """Whether any workspace can have a token (else everything is printed)."""
        return bool(self._posters) or (
            self._installations is not None and any(w.installed for w in self._workspaces)
        )

    async def close(self) -> None:
        """Close every poster's HTTP session (the service is stopping)."""
        for poster in [*self._posters.values(), *self._installed.values()]:
            await poster.close()

    def posters(self) -> list[tuple[Workspace, SlackPoster]]:
        """Each workspace whose token is in a variable that is set, with its poster."""
        return [(w, self._posters[w.key]) for w in self._workspaces if w.key in self._posters]

    async def poster_for(self, office: str) -> SlackPoster | None:
        """The poster of ``office``'s workspace; None when that workspace has no token.

        Raises a transient :class:`SlackError` while the workspace's token is
        withheld, cannot be checked yet, or the app is not installed there
        yet, so that its posts wait instead of going to the wrong place.
        """
        workspace = workspace_of(self.config, office)
        if workspace.installed:
            poster = await self._installed_poster(workspace)
            if poster is None:
                raise SlackError(
                    self.not_installed(workspace),
                    transient=True,
                    code="not_installed",
                    retry_after=INSTALL_RETRY_SECONDS,
                )
            return poster
        try:
            await self.check_token(workspace)
        except SlackError as exc:
            # Down, or the token refused: either way the posts wait, as for a channel.
            raise SlackError(
                f"cannot tell which workspace the token in {workspace.token_source} is for: "
                f"{exc.message}",
                transient=True,
                code=exc.code,
                retry_after=exc.retry_after or CHECK_RETRY_SECONDS,
            ) from exc
        refusal = self._withheld.get(workspace.key)
        if refusal is not None:
            raise SlackError(
                refusal,
                transient=True,
                code="wrong_workspace",
                retry_after=WITHHELD_RETRY_SECONDS,
            )
        return self._posters.get(workspace.key)

    def not_installed(self, workspace: Workspace) -> str:
        """Why ``workspace``'s posts wait, and what a person does about it."""
        offices = ", ".join(sorted(workspace.offices))
        return (
            f"the app is not installed in Slack workspace {workspace.team_id} ({offices}) "
            f"yet: install it from this service's {INSTALL_PATH} page"
        )

    async def check_token(self, workspace: Workspace) -> str | None:
        """Ask Slack which workspace the token is in; withhold it if not the configured one.

        Asked once per token (the answer does not change). Returns the problem,
        or None. Raises :class:`SlackError` when Slack cannot tell (down, or
        the token refused).
        """
        poster = self._posters.get(workspace.key)
        if poster is None or workspace.team_id is None:
            return None
        if workspace.key in self._withheld:
            return self._withheld[workspace.key]
        if workspace.key in self._verified:
            return None
        actual = (await poster.identity()).get("team_id")
        if actual == workspace.team_id:
            self._verified.add(workspace.key)
            return None
        offices = ", ".join(sorted(workspace.offices))
        reason = (
            f"the bot token in {workspace.token_source} belongs to workspace {actual}, "
            f"not {workspace.team_id} as the configuration says for {offices}: "
            "nothing is posted with it until that is put right and the service restarted"
        )
        self._withheld[workspace.key] = reason
        return reason

    async def resolve(self, team_id: str | None) -> Resolved | None:
        """The workspace a request from ``team_id`` belongs to, with its poster; None if none.

        With one workspace and no id given anywhere (a single-office set-up),
        every request is from it, as before workspaces. Otherwise the id must
        be one the configuration gives, or the default workspace's as its token
        says (``auth.test``); a request from any other workspace is nobody's.
        """
        if self._single_unnamed:
            (only,) = self._workspaces
            poster = self._posters.get(only.key)
            return Resolved(only, poster) if poster is not None else None
        if not team_id:
            return None
        found = next((w for w in self._workspaces if w.team_id == team_id), None)
        if found is None:
            found = await self._default_if_its_team(team_id)
        if found is None:
            return None
        if found.installed:
            installed = await self._installed_poster(found)
            return Resolved(found, installed) if installed is not None else None
        if await self.check_token(found) is not None:
            return None
        poster = self._posters.get(found.key)
        return Resolved(found, poster) if poster is not None else None

    def installable(self, team_id: str) -> Workspace | None:
        """The workspace ``team_id`` whose token comes from installing the app, if any."""
        if self._installations is None:
            return None
        return next((w for w in self._workspaces if w.installed and w.team_id == team_id), None)

    async def states(self) -> dict[str, str]:
        """Each workspace (its id, or "default") and how its cards go out, for ``/healthz``."""
        states = {}
        for workspace in self._workspaces:
            if workspace.key in self._withheld:
                state = "withheld: " + self._withheld[workspace.key]
            elif workspace.installed:
                installed = await self._installed_poster(workspace) is not None
                state = "installed" if installed else f"waiting to be installed ({INSTALL_PATH})"
            elif workspace.key in self._posters:
                state = "configured"
            else:
                state = f"console (no {workspace.token_source})"
            states[workspace.label] = state
        return states

    async def _installed_poster(self, workspace: Workspace) -> SlackPoster | None:
        """The poster of the app's installation in ``workspace``; None before it is installed.

        The token is read from the database each time (another node may have
        installed or reinstalled the app); the poster is kept while it holds it.
        """
        if self._installations is None or workspace.team_id is None:
            return None
        token = await self._installations.token(workspace.team_id)
        if token is None:
            return None
        poster = self._installed.get(workspace.team_id)
        if poster is None or poster.client.token != token:
            poster = self._installations.make_poster(token)
            self._installed[workspace.team_id] = poster
        return poster

    async def _default_if_its_team(self, team_id: str) -> Workspace | None:
        default = next((w for w in self._workspaces if w.is_default), None)
        if default is None or default.team_id is not None:
            return None
        poster = self._posters.get(default.key)
        if poster is None:
            return None
        return default if (await poster.identity()).get("team_id") == team_id else None
