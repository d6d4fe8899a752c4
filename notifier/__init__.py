"""Messages out: Slack triage cards and acknowledgement mails.

Takes plain data in its own small types (:mod:`notifier.model`); knows nothing
of how bids are stored or parsed, and reads no settings: everything it needs is
passed in.
"""

from notifier.ack import build_acknowledgement, is_automatic, reply_subject
from notifier.cards import console_card, thread_line, triage_card
from notifier.errors import AddressError, NotifierError, RelayError, SlackError
from notifier.escape import escape_mrkdwn, truncate
from notifier.mailer import Mailer, Outbox, RelayMailer
from notifier.model import Acknowledgement, BidSummary, ProblemLine
from notifier.slack import SlackPoster

__all__ = [
    "Acknowledgement",
    "AddressError",
    "BidSummary",
    "Mailer",
    "NotifierError",
    "Outbox",
    "ProblemLine",
    "RelayError",
    "RelayMailer",
    "SlackError",
    "SlackPoster",
    "build_acknowledgement",
    "console_card",
    "escape_mrkdwn",
    "is_automatic",
    "reply_subject",
    "thread_line",
    "triage_card",
    "truncate",
]
