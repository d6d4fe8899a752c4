"""caps on automatic mail count mailboxes, domains and offices; replies find our mail

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 06:50:00

The caps on automatic mail counted exact addresses, so ``x+1@`` and ``x+2@``
passed. Each sent mail now records the mailbox it reached as mail systems
compare them (case, sub-addressing), its domain and the office that sent it,
each indexed with the time for the hourly and daily counts. Our Message-IDs
no longer carry the bid's reference: a reply's ``In-Reply-To`` is looked up
among the Message-IDs we sent, which needs their index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _mailbox(address: str) -> str:
    # The rule of intake.rules.addresses.mailbox, copied: a migration stays as it was written.
    local, at, domain = (address or "").strip().rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    return f"{local.lower()}@{domain.lower().rstrip('.')}" if local else ""


def upgrade() -> None:
    op.add_column("outgoing_mail", sa.Column("to_mailbox", sa.Text(), nullable=True))
    op.add_column("outgoing_mail", sa.Column("to_domain", sa.Text(), nullable=True))
    op.add_column("outgoing_mail", sa.Column("office", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    table = sa.table(
        "outgoing_mail",
        sa.column("id", sa.Integer()),
        sa.column("to_addr", sa.Text()),
        sa.column("to_mailbox", sa.Text()),
        sa.column("to_domain", sa.Text()),
    )
    rows = connection.execute(sa.select(table.c.id, table.c.to_addr)).all()
    for row in rows:
        box = _mailbox(row.to_addr)
        connection.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(to_mailbox=box, to_domain=box.rpartition("@")[2])
        )
    op.create_index("ix_outgoing_mailbox", "outgoing_mail", ["to_mailbox", "sent_at"])
    op.create_index("ix_outgoing_domain", "outgoing_mail", ["to_domain", "sent_at"])
    op.create_index("ix_outgoing_office", "outgoing_mail", ["office", "sent_at"])
    op.create_index("ix_outgoing_message_id", "outgoing_mail", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_outgoing_message_id", table_name="outgoing_mail")
    op.drop_index("ix_outgoing_office", table_name="outgoing_mail")
    op.drop_index("ix_outgoing_domain", table_name="outgoing_mail")
    op.drop_index("ix_outgoing_mailbox", table_name="outgoing_mail")
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_column("office")
        batch.drop_column("to_domain")
        batch.drop_column("to_mailbox")
