"""The service's errors. Every one derives from :class:`IntakeError`.

``transient`` says whether trying again later may succeed (a database that is
busy, a relay that is down) or not (a bad configuration, a hostile file).
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error the service raises on purpose."""

    transient: bool = False


class ConfigError(IntakeError):
    """The configuration or a setting is wrong; the message names what and where."""


class UsageError(IntakeError):
    """A command was given something it cannot use (an unknown fund, a missing file)."""


class NotFound(IntakeError):
    """A bid, fund or message asked for does not exist."""


class TransientError(IntakeError):
    """A failure worth retrying later."""

    transient = True


class HeldBack(IntakeError):
    """A job is not to run until an operator releases it (a sender over its hourly
    limit): the worker keeps it, with this error's message as the reason."""
