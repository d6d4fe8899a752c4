"""Where a bid's card and a fund's alerts go in Slack, and the order they go in."""

from __future__ import annotations

from intake.config.model import Config


def channel_for(config: Config, *, office: str, fund: str | None) -> str:
    """The fund's own channel where configured, else the office's."""
    if fund:
        try:
            own = config.fund(fund).slack_channel
        except KeyError:
            own = None
        if own:
            return own
    return config.office(office).slack_channel


def slack_chain(channel: str) -> str:
    """The job chain of a channel: its cards and alerts go out one at a time, in order.

    While Slack is down the first waiting job retries and the rest wait behind
    it, so when Slack returns they go out in the order they were queued.
    """
    return f"slack:{channel}"


def card_chain(config: Config, *, office: str, fund: str | None) -> str:
    """The chain of a bid's card jobs: its channel's."""
    return slack_chain(channel_for(config, office=office, fund=fund))


def all_channels(config: Config) -> list[str]:
    """Every channel the configuration posts to, each once."""
    channels = {office.slack_channel for office in config.offices}
    channels |= {fund.slack_channel for fund in config.funds if fund.slack_channel}
    return sorted(channels)
