"""The Slack app manifest in the repository matches what the service does."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import yaml

from intake.slack.endpoint import PATH
from intake.slack.listeners.commands import COMMAND
from tests.harness import ROOT

MANIFEST = ROOT / "docs" / "slack-manifest.yml"
# Every Web API method the service calls, and the bot scope Slack requires for it.
METHODS_AND_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.update": "chat:write",
    "conversations.list": "channels:read",
    "conversations.info": "channels:read",
    "conversations.history": "channels:history",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}


def manifest() -> dict:
    return yaml.safe_load(Path(MANIFEST).read_text())


def test_the_slash_command_and_interactivity_point_at_the_service() -> None:
    app = manifest()
    (command,) = app["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert urlsplit(command["url"]).path == PATH
    assert urlsplit(command["url"]).scheme == "https"
    assert app["settings"]["interactivity"]["is_enabled"] is True
    assert urlsplit(app["settings"]["interactivity"]["request_url"]).path == PATH


def test_the_bot_has_every_scope_the_service_needs_and_no_more() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = set(METHODS_AND_SCOPES.values()) | {
        "commands",
        "groups:read",
        "groups:history",
        "metadata.message:read",
    }
    assert scopes == needed


def test_the_install_page_asks_for_the_manifests_scopes() -> None:
    from intake.slack.install import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(manifest()["oauth_config"]["scopes"]["bot"])
