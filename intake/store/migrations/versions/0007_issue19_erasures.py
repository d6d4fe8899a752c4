"""a record of erasures, without the personal data erased

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:20:00

`intake erase` removes an applicant's bids, mail and correspondence (UK GDPR
Art. 17); the office must still be able to show that it did, and when. Each
erasure leaves a row with the references of the bids it removed and how many
rows and files, never the address or the name.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("erasures")
