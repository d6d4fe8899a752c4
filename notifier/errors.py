"""The one error family of the notifier.

Every failure to deliver a message out (a Slack card, an acknowledgement) is a
:class:`NotifierError`. Callers need one decision from it: try again later
(``transient``) or give up and tell a person (``not transient``).
"""

from __future__ import annotations


class NotifierError(Exception):
    """A message could not be delivered.

    ``transient`` is true when the same call may succeed later unchanged (rate
    limits, a relay that said 4xx, a network that was down); false when only a
    person can fix it (a wrong token, a missing channel, an address refused).
    """

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, transient={self.transient})"


class SlackError(NotifierError):
    """Slack refused or could not take a call; ``code`` is Slack's error code if any.

    ``retry_after`` is the wait Slack asked for (seconds), if it asked.
    ``maybe_done`` is true when the call may have been carried out although it
    failed (a server error or a connection lost after the request went out): a
    post must then be looked for before it is made again.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        code: str | None = None,
        retry_after: float | None = None,
        maybe_done: bool = False,
    ) -> None:
        super().__init__(message, transient=transient)
        self.code = code
        self.retry_after = retry_after
        self.maybe_done = maybe_done


class RelayError(NotifierError):
    """The SMTP relay refused or could not take a message; ``smtp_code`` if it answered."""

    def __init__(self, message: str, *, transient: bool, smtp_code: int | None = None) -> None:
        super().__init__(message, transient=transient)
        self.smtp_code = smtp_code


class AddressError(NotifierError, ValueError):
    """No mail can be sent with this address or Message-ID (say, a malformed Reply-To).

    Never transient. Also a ValueError, since it is a refusal of the input.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)
