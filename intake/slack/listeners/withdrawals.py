"""The card's "Withdraw …" buttons under its possible-duplicate line (:mod:`notifier.withdrawals`).

Slack asks the officer to confirm before the click comes; the click acts at once
(:mod:`intake.bids.withdrawals`) and the card job it queues shows the ruling on
the withdrawn bid's card and in its thread. Both bids must be of the
workspace's offices.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from intake.bids.triage import Refused
from intake.bids.withdrawals import withdraw_duplicate
from intake.errors import NotFound
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import ListenerContext, ephemeral, not_here, officer_of
from notifier.escape import escape_mrkdwn
from notifier.listings import notice
from notifier.withdrawals import ACTION_WITHDRAW


def register(app: AsyncApp, runtime: ListenerContext) -> None:
    """Add the listener of the "Withdraw …" buttons to ``app``."""

    async def withdraw(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        ref, _, other = str(action.get("value") or "").partition(" ")
        try:
            said = await withdraw_duplicate(
                runtime, ref, other, officer_of(body), offices=offices_of(context)
            )
        except NotFound:
            said = not_here(ref)
        except Refused as refusal:
            said = str(refusal)
        except Exception:
            runtime.log.exception("withdrawing %s as a duplicate of %s failed", ref, other)
            said = "That did not work; please try again shortly."
        await respond(**ephemeral(notice(escape_mrkdwn(said))))

    app.action(re.compile(rf"^{ACTION_WITHDRAW}:\d+$"))(withdraw)
