"""Installing the app in an office's workspace: Slack's OAuth flow, on the service's own pages.

``GET /slack/install`` sends the person to Slack to approve the app, with a
``state`` that is signed with the app's client secret, lives ten minutes and
is also set as a cookie, so that the answer is only taken from the browser that
asked (Slack's advice against a forged install). ``GET /slack/oauth_redirect``
is where Slack sends them back with a ``code``, which ``oauth.v2.access``
exchanges for the workspace's bot token.

Only a workspace an office names with ``slack_install`` is kept: an install
from any other workspace is refused and its token revoked at once, so that a
stranger cannot bring their workspace onto the platform. A kept installation
hurries the workspace's waiting cards and alerts on.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import secrets
import time
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from intake.jobs.waker import EFFECTS
from intake.runtime import Runtime
from intake.slack.channels import channels_by_workspace, place, slack_chain
from intake.slack.tokens import INSTALL_PATH
from intake.store import installations, queue
from intake.store.installations import Installation
from intake.store.queue import real_now

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
)
STATE_COOKIE = "intake_slack_install"
STATE_SECONDS = 600
log = logging.getLogger("intake.slack")


class InstallPages:
    """The two pages of the install flow, for the app with ``client_id`` and ``client_secret``."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        client_id: str,
        client_secret: str,
        client: AsyncWebClient,
        authorize_url: str = AUTHORIZE_URL,
    ) -> None:
        """``client`` is a Web API client without a token (Slack's base URL)."""
        self.runtime = runtime
        self.client_id = client_id
        self._secret = client_secret.encode("utf-8")
        self.client = client
        self.authorize_url = authorize_url

    def routes(self) -> list[web.RouteDef]:
        """The routes to add to the service's HTTP application."""
        return [web.get(INSTALL_PATH, self.install), web.get(REDIRECT_PATH, self.redirect)]

    async def install(self, _request: web.Request) -> web.Response:
        """Send the person to Slack to approve the app, remembering the state in a cookie."""
        state = self._new_state()
        query = urlencode(
            {"client_id": self.client_id, "scope": ",".join(BOT_SCOPES), "state": state}
        )
        response = web.Response(status=302, headers={"Location": f"{self.authorize_url}?{query}"})
        response.set_cookie(
            STATE_COOKIE,
            state,
            max_age=STATE_SECONDS,
            path=REDIRECT_PATH,
            httponly=True,
            secure=True,
            samesite="Lax",  # sent on Slack's redirect back, a top-level GET
        )
        return response

    async def redirect(self, request: web.Request) -> web.Response:
        """Take Slack's answer: exchange the code, keep an office's installation, say so."""
        if request.query.get("error"):
            return _page(400, "Not installed", "Slack says the installation was cancelled.")
        state = request.query.get("state", "")
        if not self._valid_state(state) or request.cookies.get(STATE_COOKIE) != state:
            return _page(
                400,
                "Not installed",
                "This installation link has expired or was opened in another browser: "
                f"start again from {INSTALL_PATH}.",
            )
        try:
            answer = await self.client.oauth_v2_access(
                client_id=self.client_id,
                client_secret=self._secret.decode("utf-8"),
                code=request.query.get("code", ""),
            )
        except SlackApiError as exc:
            code = exc.response.get("error")
            log.warning("Slack refused an installation's code (%s)", code)
            return _page(400, "Not installed", f"Slack did not complete it ({code}); try again.")
        team = answer.get("team") or {}
        team_id, team_name = str(team.get("id") or ""), str(team.get("name") or "")
        token = str(answer.get("access_token") or "")
        workspace = self.runtime.slack.installable(team_id)
        if workspace is None or not token:
            await self._revoke(token)
            log.warning("refused an installation in workspace %s: no office is in it", team_id)
            return _page(
                403,
                "Not installed",
                f"No office on this service is in the Slack workspace {team_name} ({team_id}), "
                "so the app was not kept there.",
            )
        await installations.save(
            self.runtime.engine,
            Installation(
                team_id=team_id,
                team_name=team_name or None,
                enterprise_id=(answer.get("enterprise") or {}).get("id"),
                app_id=answer.get("app_id"),
                bot_token=token,
                bot_user_id=answer.get("bot_user_id"),
                scopes=answer.get("scope"),
                installed_by=(answer.get("authed_user") or {}).get("id"),
                installed_at=real_now(),
            ),
        )
        channels = dict(channels_by_workspace(self.runtime.config)).get(workspace, [])
        await queue.hurry(self.runtime.engine, [slack_chain(place(workspace, c)) for c in channels])
        self.runtime.waker.notify(EFFECTS, count=len(channels))
        offices = ", ".join(self.runtime.config.office(o).name for o in sorted(workspace.offices))
        log.info("the app is installed in Slack workspace %s (%s)", team_id, offices)
        return _page(
            200,
            "Installed",
            f"grant-intake is installed in {team_name or team_id} for {offices}. "
            f"Invite it into {', '.join(channels)} with /invite @grant-intake.",
        )

    def _new_state(self) -> str:
        body = f"{int(time.time())}.{secrets.token_urlsafe(16)}"
        return f"{body}.{self._sign(body)}"

    def _valid_state(self, state: str) -> bool:
        body, _, signature = state.rpartition(".")
        issued, _, _ = body.partition(".")
        if not body or not issued.isdigit():
            return False
        if not hmac.compare_digest(self._sign(body), signature):
            return False
        return 0 <= time.time() - int(issued) <= STATE_SECONDS

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode("ascii"), hashlib.sha256).hexdigest()

    async def _revoke(self, token: str) -> None:
        if not token:
            return
        try:
            await self.client.auth_revoke(token=token)
        except Exception as exc:  # noqa: BLE001 - refusing the install matters more
            log.warning("could not revoke a refused installation's token: %s", exc)


def _page(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!doctype html><meta charset=utf-8>"
        f"<title>grant-intake: {html.escape(title)}</title>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    )
    return web.Response(status=status, text=body, content_type="text/html")
