"""The enquiry's card: a mail with no form and no reference, shown in the office's channel once."""

from __future__ import annotations

from intake.bids.enquiries import enquiry_of
from intake.jobs.kinds import EnquiryJob
from intake.slack import channels
from intake.slack.posts import PostingContext, post_once
from notifier.enquiry import console_enquiry, enquiry_card


async def post_enquiry_card(runtime: PostingContext, job: EnquiryJob) -> None:
    """Post the enquiry's card in the office's channel (or print it), once."""
    office = str(job.facts["office"])
    enquiry = enquiry_of(runtime.config, job.facts)
    slack = await runtime.slack.poster_for(office)
    if slack is None:
        print(console_enquiry(enquiry), flush=True)
        return
    channel = channels.channel_for(runtime.config, office=office, fund=None)
    await post_once(
        runtime,
        slack,
        key=job.key,
        channel=channel,
        place=channels.office_place(runtime.config, office=office, channel=channel),
        payload=enquiry_card(enquiry),
    )
