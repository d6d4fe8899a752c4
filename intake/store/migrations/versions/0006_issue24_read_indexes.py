"""reads that stay flat as the years of bids add up

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:00:00

With 100,000 bids stored (ten years of five offices), every read that listed
bids walked the whole ``bids`` table: the newest bids of an office or a fund
(by status), a fund's bids without a decision and a round's counts had no
index. Each now has one. (A reference is now looked up through the unique
index on ``ref``, no longer through ``upper(ref)``, which no index answered.)
A claim checked a job's chain for unfinished jobs by walking every earlier
job (a channel's chain holds years of finished cards): ``(chain, state, id)``
finds them by a seek. ``bench/growth.py`` measures all of these; BENCHMARKS.md
has the figures.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_jobs_chain", table_name="jobs")
    op.create_index("ix_jobs_chain_open", "jobs", ["chain", "state", "id"])
    op.create_index("ix_bids_office_received", "bids", ["office", "received_at", "id"])
    op.create_index("ix_bids_fund_received", "bids", ["fund", "received_at", "id"])
    op.create_index("ix_bids_fund_status", "bids", ["fund", "status", "received_at", "id"])
    op.create_index("ix_bids_fund_open", "bids", ["fund", "decision", "received_at", "id"])
    op.create_index("ix_bids_fund_round", "bids", ["fund", "round", "status"])


def downgrade() -> None:
    op.drop_index("ix_bids_fund_round", table_name="bids")
    op.drop_index("ix_bids_fund_open", table_name="bids")
    op.drop_index("ix_bids_fund_status", table_name="bids")
    op.drop_index("ix_bids_fund_received", table_name="bids")
    op.drop_index("ix_bids_office_received", table_name="bids")
    op.drop_index("ix_jobs_chain_open", table_name="jobs")
    op.create_index("ix_jobs_chain", "jobs", ["chain", "id"])
