"""Drop six single-column indexes of calls that no query reads.

channel, request_type, ip_type, status, transfer_status and accept_due_on have a handful of values each: the
lists walk the region/date keyset indexes, the due lists read ix_calls_status_accept_due_on (status first), and
the statistics read months by received_at. Every intake kept them up to date (six of the 21 index entries per
call). Downgrade builds them again; no row changes.

Revision ID: 7c2e9a4b1d58
Revises: a1f3c5e7b920
Create Date: 2026-12-08 23:00:00
"""

from alembic import op

revision = "7c2e9a4b1d58"
down_revision = "a1f3c5e7b920"
branch_labels = None
depends_on = None

COLUMNS = ("channel", "request_type", "ip_type", "status", "transfer_status", "accept_due_on")


def upgrade():
    for column in COLUMNS:
        op.drop_index(f"ix_calls_{column}", table_name="calls")


def downgrade():
    for column in COLUMNS:
        op.create_index(f"ix_calls_{column}", "calls", [column])
