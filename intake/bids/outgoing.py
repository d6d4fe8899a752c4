"""Mail we send on our own (acknowledgements, enquiry answers, fund notices), recorded once.

Each is sent with a Message-ID of our domain, derived from its job so that a
retry sends the same message, and recorded in the outbox table under its job's
key, which is how a retry knows it went and how the daily cap counts it.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr

from intake.config.model import Office
from intake.store.outbox import SentMail
from notifier.mailer import Mailer, RelayMailer


def our_domain(office: Office, fallback: str) -> str:
    """The domain of our Message-IDs for ``office``: its reply address's, else ``fallback``."""
    return parseaddr(office.reply_from)[1].rsplit("@", 1)[-1] or fallback


def sent_row(
    mail: EmailMessage,
    mailer: Mailer,
    *,
    key: str,
    kind: str,
    to: str,
    message_id: str,
    at: datetime,
    bid_id: int | None = None,
) -> SentMail:
    """The outbox row of ``mail``, sent by ``mailer`` to ``to`` for the job ``key``."""
    return SentMail(
        key=key,
        bid_id=bid_id,
        kind=kind,
        to_addr=to.lower(),
        subject=str(mail["Subject"]),
        message_id=message_id,
        sent_at=at,
        via="relay" if isinstance(mailer, RelayMailer) else "outbox",
    )
