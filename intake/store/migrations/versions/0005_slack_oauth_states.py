"""single-use install states; room for encrypted bot tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00

The install flow's ``state`` was signed and checked, but nothing remembered it
had been used: the same link could install twice. Each state is now a row,
deleted when Slack's answer takes it. A bot token is now stored encrypted
(intake.store.encryption), which is longer than the 255 characters the token
had: the column becomes text. Tokens stored in plain text are encrypted by the
service at its next start (it has the key; a migration does not).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "slack_oauth_states",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state"),
    )
    with op.batch_alter_table("slack_installations") as batch:
        batch.alter_column(
            "bot_token",
            existing_type=sa.String(length=255),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("slack_installations") as batch:
        batch.alter_column(
            "bot_token",
            existing_type=sa.Text(),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
    op.drop_table("slack_oauth_states")
