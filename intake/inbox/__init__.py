"""The SMTP receiver's process: protocol, handler, data stream, spool, journal.

Imports no bid, Slack or parsing code: it keeps mail safe and says ``250``."""
