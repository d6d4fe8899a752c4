"""mail read per sender per clock hour, for the hourly limit

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:45:00

One sender may have at most ``INTAKE_SENDER_HOURLY_LIMIT`` mails read into
bids, enquiries and cards in a clock hour; more are held until an officer
releases them. The count is one row per sender and hour, raised as each mail
is read (an upsert on the key); rows of past hours are deleted as new hours
begin, so the table holds about a day of senders.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sender_hours",
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mails", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender", "hour"),
    )
    op.create_index("ix_sender_hours_hour", "sender_hours", ["hour"])


def downgrade() -> None:
    op.drop_index("ix_sender_hours_hour", table_name="sender_hours")
    op.drop_table("sender_hours")
