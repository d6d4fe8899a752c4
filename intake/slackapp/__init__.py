"""The Slack app: the ``/intake`` command, the card's buttons and their modals.

Built on slack-bolt's :class:`AsyncApp`, with one module per kind of listener
(:mod:`.commands`, :mod:`.buttons`, :mod:`.submissions`). The same app serves
Slack's HTTP requests (:mod:`.endpoint`, inside the service's own aiohttp
server; we check signatures ourselves, against the real clock) and Socket Mode
(:mod:`.socket_mode`). Listeners act through :mod:`intake.triage` and answer
within Slack's three seconds.
"""

from intake.slackapp.app import build_app

__all__ = ["build_app"]
