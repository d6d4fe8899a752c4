"""possible duplicates: a bid linked to the earlier bids it may repeat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 05:20:00

The same form sent twice, or two forms of one organisation or one applicant
address in one fund and round, are flagged on the card and counted apart in the
round's summary. The link is kept here, with why, and never merges the bids;
each bid's fingerprints make finding them one indexed look-up.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicates",
        sa.Column("bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("of_bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bid_id", "of_bid_id"),
    )
    op.create_index("ix_duplicates_of", "duplicates", ["of_bid_id"])
    op.create_table(
        "bid_fingerprints",
        sa.Column("bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("fund", sa.String(length=64), nullable=False),
        sa.Column("round", sa.String(length=64), nullable=True),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("bid_id", "kind"),
    )
    op.create_index(
        "ix_bid_fingerprints_match", "bid_fingerprints", ["fund", "kind", "value", "round"]
    )


def downgrade() -> None:
    op.drop_index("ix_bid_fingerprints_match", table_name="bid_fingerprints")
    op.drop_table("bid_fingerprints")
    op.drop_index("ix_duplicates_of", table_name="duplicates")
    op.drop_table("duplicates")
