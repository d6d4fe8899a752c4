"""The database tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Every side effect has a row with a unique key, so a retried job, a second
worker or a duplicate delivery finds the effect already done instead of doing
it twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zones: we store UTC and put the zone back on reading.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("office", String(64), nullable=True),
    Column("fund", String(64), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("mail_from", Text, nullable=False, default=""),
    Column("rcpt_tos", JSON, nullable=False),
    Column("peer", String(128), nullable=True),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("dedupe_key", String(64), nullable=False, unique=True),
    Column("spool_name", Text, nullable=False),
    Column("state", String(16), nullable=False, default="queued"),
    Column("outcome", Text, nullable=True),
    Column("bid_id", Integer, ForeignKey("bids.id"), nullable=True),
    Column("node", String(128), nullable=True),
)

# Several nodes on one PostgreSQL each spool to their own disk; the message is
# also kept here, committed with its row, so any node can process it if the
# node that accepted it dies.
message_contents = Table(
    "message_contents",
    metadata,
    Column("message_id", String(40), ForeignKey("messages.id"), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(255), nullable=False, unique=True),
    Column("chain", String(128), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("state", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("run_after", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
    Column("locked_by", String(64), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    # A claim walks each kind's due jobs in order, and the expired leases (0004).
    Index("ix_jobs_due", "kind", "state", "run_after", "id"),
    Index("ix_jobs_lease", "state", "locked_until"),
    # A chain's unfinished jobs, whatever the years of finished ones (0006).
    Index("ix_jobs_chain_open", "chain", "state", "id"),
)

bids = Table(
    "bids",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(40), nullable=False, unique=True),
    Column("office", String(64), nullable=False),
    Column("fund", String(64), nullable=True),
    Column("form", String(64), nullable=True),
    Column("round", String(64), nullable=True),
    Column("version", Integer, nullable=False, default=1),
    Column("status", String(16), nullable=False),
    Column("organisation", Text, nullable=True),
    Column("project", Text, nullable=True),
    Column("amount_requested", String(32), nullable=True),
    Column("applicant", Text, nullable=True),
    Column("thread_subject", Text, nullable=True),
    Column("thread_message_id", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("assigned_to", String(64), nullable=True),
    Column("decision", String(32), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Column("scores", JSON, nullable=True),
    # The amount awarded (decision ``awarded``) and a staged approach's stage (0009).
    Column("award_amount", String(32), nullable=True),
    Column("stage", String(32), nullable=True),
    Index("ix_bids_office_status", "office", "status"),
    # Reads that must not walk years of bids (0006): the newest bids of an
    # office or a fund, by status, without a decision; a round's counts.
    Index("ix_bids_office_received", "office", "received_at", "id"),
    Index("ix_bids_fund_received", "fund", "received_at", "id"),
    Index("ix_bids_fund_status", "fund", "status", "received_at", "id"),
    Index("ix_bids_fund_open", "fund", "decision", "received_at", "id"),
    Index("ix_bids_fund_round", "fund", "round", "status"),
)

bid_versions = Table(
    "bid_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bid_id", Integer, ForeignKey("bids.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("message_id", String(40), ForeignKey("messages.id"), nullable=True, unique=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("file", Text, nullable=True),
    Column("format", String(16), nullable=True),
    Column("fields", JSON, nullable=False),
    Column("problems", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("sources", JSON, nullable=False),
    Column("attachments", JSON, nullable=False),
    Column("round", String(64), nullable=True),
    Column("mail", JSON, nullable=True),
    UniqueConstraint("bid_id", "version"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bid_id", Integer, ForeignKey("bids.id"), nullable=False, index=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("data", JSON, nullable=True),
)

cards = Table(
    "cards",
    metadata,
    Column("bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("ts", String(32), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("posted_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

outgoing_mail = Table(
    "outgoing_mail",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("bid_id", Integer, ForeignKey("bids.id"), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("message_id", Text, nullable=False),
    Column("sent_at", UTCDateTime, nullable=False),
    Column("via", String(16), nullable=False),
    # The mailbox as mail systems compare it, its domain and the sending office:
    # what the caps on automatic mail count (intake.bids.outgoing).
    Column("to_mailbox", Text, nullable=True),
    Column("to_domain", Text, nullable=True),
    Column("office", String(64), nullable=True),
    Index("ix_outgoing_to", "to_addr", "sent_at"),
    Index("ix_outgoing_mailbox", "to_mailbox", "sent_at"),
    Index("ix_outgoing_domain", "to_domain", "sent_at"),
    Index("ix_outgoing_office", "office", "sent_at"),
    Index("ix_outgoing_message_id", "message_id"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", Integer, nullable=False),
)

# A deadline alert, claimed by inserting its row: the key is unique, so of
# several nodes (or runs after restarts) only one ever queues the alert.
alerts = Table(
    "alerts",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("office", String(64), nullable=False),
    Column("fund", String(64), nullable=False),
    Column("round", String(64), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", String(64), nullable=False),
    Column("channel", String(64), nullable=True),
    Column("ts", String(32), nullable=True),
    Column("posted_at", UTCDateTime, nullable=True),
    Column("payload", JSON, nullable=True),
)

# Where a post that must happen once stands (a card, an alert): "posting" while
# its outcome is unknown, so that a retry first looks for it in the channel.
slack_posts = Table(
    "slack_posts",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("ts", String(32), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The app installed in an office's workspace through the service's install page
# (offices with ``slack_install``): the workspace's bot token, one row a workspace.
# A reinstall replaces the row (Slack then gives a new token).
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("team_name", String(255), nullable=True),
    Column("enterprise_id", String(32), nullable=True),
    Column("app_id", String(32), nullable=True),
    Column("bot_token", Text, nullable=False),  # encrypted: see intake.store.encryption
    Column("bot_user_id", String(32), nullable=True),
    Column("bot_id", String(32), nullable=True),
    Column("scopes", Text, nullable=True),
    Column("installed_by", String(32), nullable=True),
    Column("installed_at", UTCDateTime, nullable=False),
)

# The ``state`` of each install the service's page has started and Slack has
# not yet sent back: an answer is taken only for a state found here, and taking
# it deletes it, so that a state is used once (a replayed link installs nothing).
slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False),
)

erasures = Table(
    # What `intake erase` removed, without whose it was: the references of the
    # bids and how many rows and files, for the office's record of erasures.
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("refs", JSON, nullable=False),
    Column("counts", JSON, nullable=False),
)

# A bid that may repeat an earlier one of its fund and round (the same answers,
# organisation, charity or company number, or applicant address): flagged for
# officers, never merged. ``reasons`` says why, in words.
duplicates = Table(
    "duplicates",
    metadata,
    Column("bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("of_bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("reasons", JSON, nullable=False),
    Column("found_at", UTCDateTime, nullable=False),
    Index("ix_duplicates_of", "of_bid_id"),
)

# What a bid's first version is compared on, one row per kind (``answers``,
# ``organisation``, ``registration``, ``applicant``), so that finding a new bid's
# possible duplicates is one indexed look-up, not a read of its whole round.
bid_fingerprints = Table(
    "bid_fingerprints",
    metadata,
    Column("bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("fund", String(64), nullable=False),
    Column("round", String(64), nullable=True),
    Column("value", String(255), nullable=False),
    Index("ix_bid_fingerprints_match", "fund", "kind", "value", "round", "bid_id"),
)

# The scoring panel (0009): each officer's sheet of a bid, one row per scorer
# (written again when they change it), and the lead's moderated sheet, one per bid.
bid_scores = Table(
    "bid_scores",
    metadata,
    Column("bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("scorer", String(64), primary_key=True),
    Column("levels", JSON, nullable=False),
    Column("comments", JSON, nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)

bid_moderations = Table(
    "bid_moderations",
    metadata,
    Column("bid_id", Integer, ForeignKey("bids.id"), primary_key=True),
    Column("lead", String(64), nullable=False),
    Column("levels", JSON, nullable=False),
    Column("comments", JSON, nullable=False),
    Column("moderated_at", UTCDateTime, nullable=False),
)

# An award or regret letter: drafted from the office's template when officers
# generate a round's letters, reviewed in Slack, sent once on an officer's click
# (``sent_at`` set by the mail's job). One per bid; a draft is rewritten when
# letters are generated again, a sent letter never is.
letters = Table(
    "letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bid_id", Integer, ForeignKey("bids.id"), nullable=False, unique=True),
    Column("fund", String(64), nullable=False),
    Column("round", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", String(32), nullable=True),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("drafted_at", UTCDateTime, nullable=False),
    Column("drafted_by", String(128), nullable=False),
    Column("send_by", String(128), nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_letters_round", "fund", "round"),
)
