"""Storage, the only place that writes SQL: the engine, the schema and its migrations,
the work queue, and one repository module per aggregate returning typed rows:

- :mod:`~intake.store.messages`: accepted messages (with their parsing job) and their outcome;
- :mod:`~intake.store.bids`: bids, their versions, history (events) and references;
- :mod:`~intake.store.panel`: bids with their latest answers, in pages, for the panel pack;
- :mod:`~intake.store.outbox`: mail sent to applicants, counted per address;
- :mod:`~intake.store.cards`: where each bid's triage card is and what it shows;
- :mod:`~intake.store.slack_posts`: where each post that must appear once stands;
- :mod:`~intake.store.alerts`: deadline alerts, claimed once, then posted;
- :mod:`~intake.store.installations`: the Slack app's installations.

The callers own the transactions (``engine.begin()``, :func:`~intake.store.engine.reading`),
so that a use case's writes commit together; the functions here take its connection.
"""
