"""award and regret letters: drafted, reviewed in Slack, sent once

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00

Officers generate a round's letters from the office's templates; each is kept
here as drafted (one per bid), shown in Slack for review and sent on an
officer's click. ``send_by`` names who clicked; ``sent_at`` is set once the mail
went, so a letter is sent once and its grantees are known for monitoring.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("bid_id", sa.Integer(), sa.ForeignKey("bids.id"), nullable=False),
        sa.Column("fund", sa.String(length=64), nullable=False),
        sa.Column("round", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.String(length=32), nullable=True),
        sa.Column("to_addr", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafted_by", sa.String(length=128), nullable=False),
        sa.Column("send_by", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("bid_id"),
    )
    op.create_index("ix_letters_round", "letters", ["fund", "round"])


def downgrade() -> None:
    op.drop_index("ix_letters_round", table_name="letters")
    op.drop_table("letters")
