"""Letters from Slack: ``/intake letters FUND [ROUND]`` makes a closed round's award and
regret letters from the awards on its cards, and the review post's buttons send them:
"Send" for one letter, "Send all" for the post's.

A click is acknowledged at once, then the letters are marked as sent by the
officer and queued (:func:`intake.bids.letters.queue_sending`): a second click,
by anyone, finds them marked and queues nothing. Only letters of the offices of
the workspace the click came from are sent.
"""

from __future__ import annotations

from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond

from intake.bids.letters import draft_round, keep_drafts, queue_sending
from intake.errors import NotFound, UsageError
from intake.jobs.waker import EFFECTS, Waker
from intake.slack.authorize import offices_of
from intake.slack.listeners.context import ListenerContext, ephemeral, officer_of
from notifier.escape import escape_mrkdwn
from notifier.letters import ACTION_LETTER_SEND, ACTION_LETTERS_SEND_ALL
from notifier.listings import help_message, notice


class LettersListenerContext(ListenerContext, Protocol):
    """What the buttons need: the listeners' context, and the workers to wake."""

    waker: Waker


def register(app: AsyncApp, runtime: LettersListenerContext) -> None:
    """Add the letters' buttons to ``app``."""

    async def send(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        try:
            ids = [int(part) for part in str(action.get("value") or "").split(",") if part]
        except ValueError:
            ids = []
        officer = officer_of(body)
        try:
            queued = await queue_sending(
                runtime, ids, officer=officer.id, offices=offices_of(context)
            )
        except NotFound:
            queued, words = [], "Those letters are not here."
        except Exception:
            runtime.log.exception("sending letters %s failed", ids)
            queued, words = [], "That did not work; please try again shortly."
        else:
            words = (
                f"Sending {len(queued)} letter{'s' if len(queued) != 1 else ''}: "
                + ", ".join(queued)
                if queued
                else "Already sent: nothing more to send."
            )
        if queued:
            runtime.waker.notify(EFFECTS, count=len(queued))
            runtime.log.info("%s sends letters: %s", officer.id, ", ".join(queued))
        await respond(**ephemeral(notice(escape_mrkdwn(words))))

    app.action(ACTION_LETTER_SEND)(send)
    app.action(ACTION_LETTERS_SEND_ALL)(send)


async def letters_command(
    runtime: LettersListenerContext, words: list[str], funds_here: list[str], officer: str
) -> dict[str, Any]:
    """Answer ``/intake letters FUND [ROUND]`` typed where ``funds_here``' cards go: the
    round's letters drafted (award letters for the bids awarded on their cards, regret
    letters for the rest) and posted in the channel for review, or why not."""
    if not words:
        return help_message("Give the fund: `/intake letters FUND [ROUND]`.")
    fund_id = words[0].lower()
    if fund_id not in funds_here:
        shown = escape_mrkdwn(fund_id)[:40]
        known = ", ".join(f"`{f}`" for f in funds_here) or "none"
        return help_message(f"No fund “{shown}” has its cards here (funds here: {known}).")
    round_id = words[1] if len(words) > 1 else None
    try:
        drafted = await draft_round(runtime, fund_id=fund_id, round_id=round_id, awards={})
    except UsageError as refusal:
        return notice(escape_mrkdwn(str(refusal)))
    if not drafted.letters:
        return notice(f"No bids in {drafted.round.name}: no letters to make.")
    await keep_drafts(runtime, drafted, by=officer)
    runtime.waker.notify(EFFECTS)
    awards = sum(1 for _, draft in drafted.letters if draft.kind == "award")
    regrets = len(drafted.letters) - awards
    return notice(
        f"{awards} award and {regrets} regret letter{'s' if regrets != 1 else ''} of "
        f"{escape_mrkdwn(drafted.fund.name)}, {escape_mrkdwn(drafted.round.name)}, drafted "
        "from the awards on the cards: they are posted here to review and send."
    )
