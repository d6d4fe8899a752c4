"""The Slack workspaces the running service talks to: a poster per bot token.

Outgoing, each office's cards, thread lines and alerts go out with its own
workspace's token (:meth:`SlackWorkspaces.poster_for`). Incoming, one Slack
app serves every workspace, and a request says which workspace it comes from
by its ``team_id``: :meth:`SlackWorkspaces.resolve` finds that workspace, whose
token then answers the request and whose offices are the only ones whose bids
the request may see or touch.

Before a workspace's token is first used (at start, or by the first post or
request if Slack could not be asked then), Slack is asked which workspace it
belongs to. A token of another workspace than the configuration gives is
withheld (posts wait, requests are refused) until the operator fixes it and
restarts: posting one office's bids with another workspace's token would show
them to the wrong officers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intake.config.model import Config
from intake.workspaces import Workspace, is_single_unnamed, workspace_of, workspaces
from notifier.errors import SlackError
from notifier.slack import SlackPoster

# How long a post waits before asking again about a withheld token (a restart fixes it).
WITHHELD_RETRY_SECONDS = 300.0
# How long a post waits when Slack could not say whose the token is.
CHECK_RETRY_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Resolved:
    """The workspace a Slack request came from, and the poster with its token."""

    workspace: Workspace
    poster: SlackPoster


class SlackWorkspaces:
    """Every workspace of the configuration with its poster, if its token is set."""

    def __init__(self, config: Config, posters: Mapping[str, SlackPoster]) -> None:
        """``posters`` maps a workspace's token variable to the poster holding that token."""
        self.config = config
        self._posters = dict(posters)
        self._withheld: dict[str, str] = {}
        self._verified: set[str] = set()
        self._single_unnamed = is_single_unnamed(config)

    @property
    def configured(self) -> bool:
        """Whether any workspace has a token (else everything is printed to the console)."""
        return bool(self._posters)

    def posters(self) -> list[tuple[Workspace, SlackPoster]]:
        """Each workspace that has a token, with its poster."""
        return [
            (w, self._posters[w.token_env])
            for w in workspaces(self.config)
            if w.token_env in self._posters
        ]

    async def poster_for(self, office: str) -> SlackPoster | None:
        """The poster of ``office``'s workspace; None when that workspace has no token.

        Raises a transient :class:`SlackError` while the workspace's token is
        withheld, or cannot be checked yet, so that its posts wait instead of
        going to the wrong place.
        """
        workspace = workspace_of(self.config, office)
        try:
            await self.check_token(workspace)
        except SlackError as exc:
            # Down, or the token refused: either way the posts wait, as for a channel.
            raise SlackError(
                f"cannot tell which workspace the token in {workspace.token_env} is for: "
                f"{exc.message}",
                transient=True,
                code=exc.code,
                retry_after=exc.retry_after or CHECK_RETRY_SECONDS,
            ) from exc
        refusal = self._withheld.get(workspace.token_env)
        if refusal is not None:
            raise SlackError(
                refusal,
                transient=True,
                code="wrong_workspace",
                retry_after=WITHHELD_RETRY_SECONDS,
            )
        return self._posters.get(workspace.token_env)

    def withhold(self, workspace: Workspace, reason: str) -> None:
        """Stop using ``workspace``'s token: ``reason`` says why, for the operator."""
        self._withheld[workspace.token_env] = reason

    async def check_token(self, workspace: Workspace) -> str | None:
        """Ask Slack which workspace the token is in; withhold it if not the configured one.

        Asked once per token (the answer does not change). Returns the problem,
        or None. Raises :class:`SlackError` when Slack cannot tell (down, or
        the token refused).
        """
        poster = self._posters.get(workspace.token_env)
        if poster is None or workspace.team_id is None:
            return None
        if workspace.token_env in self._withheld:
            return self._withheld[workspace.token_env]
        if workspace.token_env in self._verified:
            return None
        actual = (await poster.identity()).get("team_id")
        if actual == workspace.team_id:
            self._verified.add(workspace.token_env)
            return None
        offices = ", ".join(sorted(workspace.offices))
        reason = (
            f"the bot token in {workspace.token_env} belongs to workspace {actual}, "
            f"not {workspace.team_id} as the configuration says for {offices}: "
            "nothing is posted with it until that is put right and the service restarted"
        )
        self.withhold(workspace, reason)
        return reason

    async def resolve(self, team_id: str | None) -> Resolved | None:
        """The workspace a request from ``team_id`` belongs to, with its poster; None if none.

        With one workspace and no id given anywhere (a single-office set-up),
        every request is from it, as before workspaces. Otherwise the id must
        be one the configuration gives, or the default workspace's as its token
        says (``auth.test``); a request from any other workspace is nobody's.
        """
        if self._single_unnamed:
            (only,) = workspaces(self.config)
            poster = self._posters.get(only.token_env)
            return Resolved(only, poster) if poster is not None else None
        if not team_id:
            return None
        found = next((w for w in workspaces(self.config) if w.team_id == team_id), None)
        if found is None:
            found = await self._default_if_its_team(team_id)
        if found is None or await self.check_token(found) is not None:
            return None
        poster = self._posters.get(found.token_env)
        return Resolved(found, poster) if poster is not None else None

    async def _default_if_its_team(self, team_id: str) -> Workspace | None:
        default = next((w for w in workspaces(self.config) if w.is_default), None)
        if default is None or default.team_id is not None:
            return None
        poster = self._posters.get(default.token_env)
        if poster is None:
            return None
        return default if (await poster.identity()).get("team_id") == team_id else None
