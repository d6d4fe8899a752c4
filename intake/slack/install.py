"""Installing the app in an office's workspace: Bolt's OAuth flow, on the service's own pages.

``GET /slack/install`` sends the person to Slack to approve the app, with a
``state`` that is kept in the database for ten minutes and also set as a
cookie, so that the answer is only taken from the browser that asked (Slack's
advice against a forged install). ``GET /slack/oauth_redirect`` is where Slack
sends them back with a ``code``: the state is taken (so a replayed link
installs nothing), the code exchanged with ``oauth.v2.access`` for the
workspace's bot token, and the installation kept encrypted. Bolt's
:class:`AsyncOAuthFlow` does all of that, with our stores
(:mod:`intake.store.oauth_states`, :mod:`intake.store.installations`).

What an office adds: only a workspace an office names with ``slack_install``
is kept. An install from any other workspace is refused and its token revoked
at once, so that a stranger cannot bring their workspace onto the platform. A
kept installation hurries the workspace's waiting cards and alerts on. The
pages say what happened in the service's words.
"""

from __future__ import annotations

import html
import logging
from typing import Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_bolt_request
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth import OAuthStateUtils
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.config.model import Config
from intake.jobs.waker import EFFECTS, Waker
from intake.slack.channels import channels_by_workspace, place, slack_chain
from intake.slack.tokens import INSTALL_PATH, SlackWorkspaces
from intake.store import queue
from intake.store.oauth_states import OAuthStates

REDIRECT_PATH = "/slack/oauth_redirect"
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
# The bot scopes of docs/slack-manifest.yml (a test keeps the two the same).
BOT_SCOPES = (
    "chat:write",
    "commands",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "metadata.message:read",
    "files:write",
)
STATE_COOKIE = "intake_slack_install"
STATE_SECONDS = 600
log = logging.getLogger("intake.slack")


class InstallContext(Protocol):
    """What installing the app in an office's workspace needs of the service."""

    config: Config
    engine: AsyncEngine
    slack: SlackWorkspaces
    waker: Waker


class WorkspaceRefused(BoltError):
    """Slack installed the app in a workspace no office names: it is not kept."""

    def __init__(self, team_id: str, team_name: str) -> None:
        super().__init__(f"no office is in Slack workspace {team_id}")
        self.team_id = team_id
        self.team_name = team_name


class StateCookie(OAuthStateUtils):
    """Bolt's state cookie, sent back to the redirect page only.

    ``SameSite=Lax`` still lets Slack's redirect back (a top-level GET) carry it.
    """

    def build_set_cookie_for_new_state(self, state: str) -> str:
        return (
            f"{self.cookie_name}={state}; Secure; HttpOnly; SameSite=Lax; "
            f"Path={REDIRECT_PATH}; Max-Age={self.expiration_seconds}"
        )

    def build_set_cookie_for_deletion(self) -> str:
        return (
            f"{self.cookie_name}=deleted; Secure; HttpOnly; SameSite=Lax; "
            f"Path={REDIRECT_PATH}; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        )


class OfficeInstallFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, keeping an installation only in a workspace an office names."""

    def __init__(
        self, runtime: InstallContext, *, settings: AsyncOAuthSettings, client: AsyncWebClient
    ) -> None:
        super().__init__(client=client, logger=log, settings=settings)
        self.runtime = runtime

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        """Keep an office's installation and hurry its waiting posts; refuse any other.

        Raises :class:`WorkspaceRefused` (after revoking the token Slack gave)
        for a workspace no office names with ``slack_install``.
        """
        team_id = installation.team_id or ""
        workspace = self.runtime.slack.installable(team_id)
        if workspace is None or not installation.bot_token:
            await self._revoke(installation.bot_token)
            log.warning("refused an installation in workspace %s: no office is in it", team_id)
            raise WorkspaceRefused(team_id, installation.team_name or "")
        await super().store_installation(request, installation)
        channels = dict(channels_by_workspace(self.runtime.config)).get(workspace, [])
        await queue.hurry(self.runtime.engine, [slack_chain(place(workspace, c)) for c in channels])
        self.runtime.waker.notify(EFFECTS, count=len(channels))

    async def _revoke(self, token: str | None) -> None:
        if not token:
            return
        try:
            await self.client.auth_revoke(token=token)
        except Exception as exc:  # noqa: BLE001 - refusing the install matters more
            log.warning("could not revoke a refused installation's token: %s", exc)


class InstallPages:
    """The two pages of the install flow, for the app with ``client_id`` and ``client_secret``."""

    def __init__(
        self,
        runtime: InstallContext,
        *,
        client_id: str,
        client_secret: str,
        client: AsyncWebClient,
        installations: AsyncInstallationStore,
        authorize_url: str = AUTHORIZE_URL,
    ) -> None:
        """``client`` is a Web API client without a token (Slack's base URL);
        ``installations`` keeps what Slack answers (the posters read it)."""
        self.runtime = runtime
        settings = AsyncOAuthSettings(
            client_id=client_id,
            client_secret=client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            install_path=INSTALL_PATH,
            install_page_rendering_enabled=False,  # straight to Slack, as a link would
            redirect_uri_path=REDIRECT_PATH,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=self._refused),
            authorization_url=authorize_url,
            installation_store=installations,
            installation_store_bot_only=True,
            state_store=OAuthStates(runtime.engine, expiration_seconds=STATE_SECONDS),
            state_cookie_name=STATE_COOKIE,
            state_expiration_seconds=STATE_SECONDS,
            logger=log,
        )
        settings.state_utils = StateCookie(
            cookie_name=STATE_COOKIE, expiration_seconds=STATE_SECONDS
        )
        self.flow = OfficeInstallFlow(runtime, settings=settings, client=client)

    def routes(self) -> list[web.RouteDef]:
        """The routes to add to the service's HTTP application."""
        return [web.get(INSTALL_PATH, self.install), web.get(REDIRECT_PATH, self.redirect)]

    async def install(self, request: web.Request) -> web.Response:
        """Send the person to Slack to approve the app, remembering the state in a cookie."""
        return _to_aiohttp(await self.flow.handle_installation(await to_bolt_request(request)))

    async def redirect(self, request: web.Request) -> web.Response:
        """Take Slack's answer: check the state, exchange the code, keep an office's install."""
        return _to_aiohttp(await self.flow.handle_callback(await to_bolt_request(request)))

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id = installation.team_id or ""
        team_name = installation.team_name or team_id
        workspace = self.runtime.slack.installable(team_id)
        assert workspace is not None  # OfficeInstallFlow keeps no other installation
        channels = dict(channels_by_workspace(self.runtime.config)).get(workspace, [])
        offices = ", ".join(self.runtime.config.office(o).name for o in sorted(workspace.offices))
        log.info("the app is installed in Slack workspace %s (%s)", team_id, offices)
        return _page(
            args.settings,
            200,
            "Installed",
            f"grant-intake is installed in {team_name} for {offices}. "
            f"Invite it into {', '.join(channels)} with /invite @grant-intake.",
        )

    async def _refused(self, args: AsyncFailureArgs) -> BoltResponse:
        if isinstance(args.error, WorkspaceRefused):
            refused = args.error
            return _page(
                args.settings,
                403,
                "Not installed",
                f"No office on this service is in the Slack workspace {refused.team_name} "
                f"({refused.team_id}), so the app was not kept there.",
            )
        if args.reason in ("invalid_browser", "invalid_state"):
            return _page(
                args.settings,
                400,
                "Not installed",
                "This installation link has expired, was used already or was opened in "
                f"another browser: start again from {INSTALL_PATH}.",
            )
        if args.reason in ("missing_code", "invalid_code"):
            return _page(
                args.settings,
                400,
                "Not installed",
                f"Slack did not complete it ({args.reason}); try again.",
            )
        if args.reason == "storage_error":
            log.error("could not keep an installation: %s", args.error)
            return _page(
                args.settings,
                500,
                "Not installed",
                f"The installation could not be kept; try again from {INSTALL_PATH}.",
            )
        # Any other reason is Slack's ``error``: the person cancelled, or Slack refused.
        return _page(
            args.settings, 400, "Not installed", "Slack says the installation was cancelled."
        )


def _page(settings: AsyncOAuthSettings, status: int, title: str, text: str) -> BoltResponse:
    body = (
        "<!doctype html><meta charset=utf-8>"
        f"<title>grant-intake: {html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
    # Whatever the outcome the state is spent: the browser forgets it too.
    return BoltResponse(
        status=status,
        body=body,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": settings.state_utils.build_set_cookie_for_deletion(),
        },
    )


def _to_aiohttp(answer: BoltResponse) -> web.Response:
    """Bolt's response as aiohttp's, its cookies as Bolt wrote them.

    (slack_bolt's aiohttp adapter rebuilds cookies and would drop ``SameSite``.)
    """
    response = web.Response(status=answer.status, text=answer.body, content_type="text/html")
    for name, values in answer.headers.items():
        if name != "content-type":
            for value in values:
                response.headers.add(name, value)
    return response
