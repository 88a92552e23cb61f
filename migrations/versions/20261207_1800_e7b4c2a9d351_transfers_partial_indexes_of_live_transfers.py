"""Transfers: partial indexes of the live transfers (the inbox and due lists skip the migrated history)

Revision ID: e7b4c2a9d351
Revises: d13a7e5c2b90
Create Date: 2026-12-07 18:00:00

A database migrated from the first release holds a transfer for every call once transferred, most of them answered
before the cycle existed; the inbox and the due lists never show those, and with these indexes they are not read.
"""

import sqlalchemy as sa
from alembic import op

revision = "e7b4c2a9d351"
down_revision = "d13a7e5c2b90"
branch_labels = None
depends_on = None

LIVE_SQL = "NOT (transfers.answered_on IS NULL AND transfers.status IN ('answered', 'called_back'))"


def upgrade():
    for name, column in (("ix_transfers_to_region_live", "to_region_code"),
                         ("ix_transfers_from_region_live", "from_region_code")):
        op.create_index(name, "transfers", [column, "status"], unique=False,
                        postgresql_where=sa.text(LIVE_SQL), sqlite_where=sa.text(LIVE_SQL))


def downgrade():
    op.drop_index("ix_transfers_from_region_live", table_name="transfers")
    op.drop_index("ix_transfers_to_region_live", table_name="transfers")
