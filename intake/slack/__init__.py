"""Everything Slack on the service's side.

- the app officers use (:mod:`.app`, slack-bolt's :class:`AsyncApp`) with its
  listeners (:mod:`.listeners`: the ``/intake`` command, the card's buttons and
  their modals), answering within Slack's three seconds through
  :mod:`intake.bids.triage`;
- how Slack's requests reach it: HTTP (:mod:`.endpoint`, inside the service's
  aiohttp server; signatures checked by :mod:`.signature` against the real
  clock) or Socket Mode (:mod:`.socket_mode`);
- which workspace, token and channel serve an office (:mod:`.workspaces`,
  :mod:`.tokens`, :mod:`.channels`, :mod:`.authorize`) and the app's
  installation in an office's workspace (:mod:`.install`);
- posting once (:mod:`.posts`) the cards and alerts built by :mod:`notifier`.
"""
