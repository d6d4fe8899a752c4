"""Posts that must appear once: where each stands, replaced as it moves on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.store import slack_posts
from intake.store.engine import reading


async def test_a_post_moves_from_posting_to_posted(database: AsyncEngine) -> None:
    async with reading(database) as connection:
        assert await slack_posts.post_by_key(connection, "card:KENT-2027-0001") is None
    async with database.begin() as connection:
        await slack_posts.set_post(
            connection, "card:KENT-2027-0001", channel="C0GRANTS1", state="posting", ts=None
        )
    async with database.begin() as connection:
        await slack_posts.set_post(
            connection, "card:KENT-2027-0001", channel="C0GRANTS1", state="posted", ts="1.000"
        )
    async with reading(database) as connection:
        post = await slack_posts.post_by_key(connection, "card:KENT-2027-0001")
    assert post is not None
    assert (post.key, post.channel, post.state, post.ts) == (
        "card:KENT-2027-0001",
        "C0GRANTS1",
        "posted",
        "1.000",
    )


async def test_a_first_try_is_marked_posting_and_a_later_one_finds_the_earlier(
    database: AsyncEngine,
) -> None:
    key = "card:KENT-2027-0002"
    async with database.begin() as connection:
        assert await slack_posts.first_try(connection, key, channel="C0GRANTS1") is None
    async with database.begin() as connection:
        earlier = await slack_posts.first_try(connection, key, channel="C0OTHER22")
    assert earlier is not None
    assert (earlier.channel, earlier.state, earlier.ts) == ("C0GRANTS1", "posting", None)
    async with database.begin() as connection:
        await slack_posts.set_post(connection, key, channel="C0GRANTS1", state="posted", ts="2.0")
        again = await slack_posts.first_try(connection, key, channel="C0GRANTS1")
    assert again is not None and (again.state, again.ts) == ("posted", "2.0")
