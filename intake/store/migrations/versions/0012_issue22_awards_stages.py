"""awards and stages: the amount a bid was awarded, and where a staged approach is

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:00:00

An officer awards a bid an amount (the ``awarded`` decision): the transparency
list and the distribution report read it. A fund with a staged process (one-off
approaches: approach, proposal form requested, recommendation, decision) keeps
the stage a bid has reached; each step is also an event of its history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bids") as batch:
        batch.add_column(sa.Column("award_amount", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("stage", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bids") as batch:
        batch.drop_column("stage")
        batch.drop_column("award_amount")
