"""scoring panel: each officer's scores of a bid, and the lead's moderated score

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 06:45:00

A bid is scored by several officers, each on their own sheet (criterion id →
level, and comments), and the lead may set the panel's moderated sheet. The
single ``bids.scores`` of earlier versions becomes the sheet of the officer who
last scored the bid (the actor of its latest ``scored`` event), and is no longer
written.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bid_scores",
        sa.Column("bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("scorer", sa.String(length=64), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bid_id", "scorer"),
    )
    op.create_table(
        "bid_moderations",
        sa.Column("bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("lead", sa.String(length=64), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("comments", sa.JSON(), nullable=False),
        sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bid_id"),
    )
    # Scores kept the old way: the officer who scored last, else "earlier".
    op.execute(
        """
        INSERT INTO bid_scores (bid_id, scorer, levels, comments, scored_at)
        SELECT b.id,
               COALESCE(
                   (SELECT e.actor FROM events e
                     WHERE e.bid_id = b.id AND e.kind = 'scored'
                     ORDER BY e.id DESC LIMIT 1),
                   'earlier'),
               b.scores, '{}', b.updated_at
          FROM bids b
         WHERE b.scores IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_table("bid_moderations")
    op.drop_table("bid_scores")
