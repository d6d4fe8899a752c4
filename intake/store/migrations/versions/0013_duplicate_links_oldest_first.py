"""possible duplicates: the oldest matches read straight from the index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:30:00

A new bid is linked to at most a few of the earliest bids it may repeat. With
the bid's id last in the match index, those few are the index's first entries
for the fingerprint, read in order with no sort, however many copies of one
form a round holds.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_bid_fingerprints_match", table_name="bid_fingerprints")
    op.create_index(
        "ix_bid_fingerprints_match",
        "bid_fingerprints",
        ["fund", "kind", "value", "round", "bid_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_bid_fingerprints_match", table_name="bid_fingerprints")
    op.create_index(
        "ix_bid_fingerprints_match", "bid_fingerprints", ["fund", "kind", "value", "round"]
    )
