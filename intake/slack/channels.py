"""Where a bid's card and a fund's alerts go in Slack, and the order they go in."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from intake.config.model import Area, Config
from intake.rules.areas import area_of
from intake.slack.workspaces import Workspace, workspace_of, workspaces


def area_for(config: Config, *, office: str, fields: Mapping[str, Any] | None) -> Area | None:
    """The local area a bid's answers name, when its office routes by area."""
    try:
        routing = config.office(office).routing
    except StopIteration:  # an office no longer configured
        return None
    return area_of(routing, fields or {})


def channel_for(
    config: Config, *, office: str, fund: str | None, fields: Mapping[str, Any] | None = None
) -> str:
    """The channel of the local area the bid's ``fields`` name (an office routing by
    area), else the fund's own channel where configured, else the office's."""
    area = area_for(config, office=office, fields=fields) if fields else None
    if area is not None:
        return area.slack_channel
    if fund:
        try:
            own = config.fund(fund).slack_channel
        except KeyError:
            own = None
        if own:
            return own
    return config.office(office).slack_channel


def place(workspace: Workspace, channel: str) -> str:
    """A channel as the operator tells it apart: its name, and its workspace unless the default.

    Two workspaces may each have a ``#grants``; their warnings and their order
    of posts are their own.
    """
    return channel if workspace.is_default else f"{channel} ({workspace.label})"


def office_place(config: Config, *, office: str, channel: str) -> str:
    """:func:`place` of ``channel`` in ``office``'s workspace."""
    return place(workspace_of(config, office), channel)


def slack_chain(place: str) -> str:
    """The job chain of a channel (a :func:`place`): its posts go out one at a time, in order.

    While Slack is down the first waiting job retries and the rest wait behind
    it, so when Slack returns they go out in the order they were queued. The
    default workspace's chains are named as they were before workspaces, so an
    upgrade keeps the order of posts already queued.
    """
    return f"slack:{place}"


def card_chain(config: Config, *, office: str, fund: str | None) -> str:
    """The chain of a bid's card jobs: its channel's, in its office's workspace."""
    channel = channel_for(config, office=office, fund=fund)
    return slack_chain(office_place(config, office=office, channel=channel))


def channels_by_workspace(config: Config) -> list[tuple[Workspace, list[str]]]:
    """Every channel the configuration posts to, each once per workspace."""
    found = []
    for workspace in workspaces(config):
        channels = {config.office(o).slack_channel for o in workspace.offices}
        channels |= {
            fund.slack_channel
            for fund in config.funds
            if fund.slack_channel and fund.office in workspace.offices
        }
        channels |= set(area_channels(config, workspace.offices))
        found.append((workspace, sorted(channels)))
    return found


def all_channels(config: Config) -> list[str]:
    """Every channel the configuration posts to, each once (as :func:`place` names them)."""
    return sorted({place(w, c) for w, channels in channels_by_workspace(config) for c in channels})


def area_channels(config: Config, offices: Collection[str]) -> list[str]:
    """The channels of the local areas of ``offices`` that route bids by area."""
    return [
        area.slack_channel
        for office in config.offices
        if office.id in offices and office.routing
        for area in office.routing.areas
    ]
