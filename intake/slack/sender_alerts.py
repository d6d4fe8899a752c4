"""The ``sender_alert`` job: tell an office's channel that a sender's mail is held."""

from __future__ import annotations

from typing import Any

from intake.jobs.kinds import SenderAlertJob
from intake.slack.channels import office_place
from intake.slack.posts import PostingContext, post_once
from notifier.escape import escape_mrkdwn

ACTION_RELEASE_SENDER = "release_sender"
"""The alert's button: read the sender's held mail now."""


def sender_alert(job: SenderAlertJob) -> dict[str, Any]:
    """The alert's message: who, how many, and how to let its mail through."""
    who = escape_mrkdwn(job.sender)
    text = (
        f":warning: *{who}* has sent more than {job.limit} mails this hour "
        f"(since {job.hour[11:16]} UTC). Its further mail is kept but not read until "
        f"an officer releases it: the button below, or `intake held --release-sender {who}`."
    )
    return {
        "text": f"{job.sender} is over the hourly limit of {job.limit} mails; its mail is held",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ACTION_RELEASE_SENDER,
                        "text": {"type": "plain_text", "text": "Read its held mail now"},
                        "value": f"{job.office} {job.sender}",
                    }
                ],
            },
        ],
    }


async def send_sender_alert(runtime: PostingContext, job: SenderAlertJob) -> None:
    """Post (or, without Slack, print) the alert once."""
    slack = await runtime.slack.poster_for(job.office)
    if slack is None:
        shown = job.sender.encode("unicode_escape").decode("ascii")
        print(
            f"── Sender held: {shown} is over {job.limit} mails this hour; its mail is held "
            f"(intake held --release-sender {shown})",
            flush=True,
        )
        return
    channel = runtime.config.office(job.office).slack_channel
    await post_once(
        runtime,
        slack,
        key=job.key,
        channel=channel,
        place=office_place(runtime.config, office=job.office, channel=channel),
        payload=sender_alert(job),
    )
