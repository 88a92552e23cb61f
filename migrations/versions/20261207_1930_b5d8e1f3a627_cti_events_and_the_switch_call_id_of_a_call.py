"""Telephony (CTI): the switch's call events, and the switch's call id on a call (one call per switch call)

Revision ID: b5d8e1f3a627
Revises: 5b8f1d2c7a64
Create Date: 2026-12-07 19:30:00

A new table and a new nullable column: every existing call keeps its row (no switch id: it came before the switch).
"""

import sqlalchemy as sa
from alembic import op

revision = "b5d8e1f3a627"
down_revision = "5b8f1d2c7a64"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cti_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("cti_call_id", sa.String(length=64), nullable=False),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("caller_phone", sa.String(length=40), nullable=True),
        sa.Column("agent_username", sa.String(length=80), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("event IN ('ringing', 'answered', 'hangup')", name=op.f("ck_cti_events_event")),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"], name=op.f("fk_cti_events_agent_id_users")),
        sa.ForeignKeyConstraint(["posted_by_id"], ["users.id"], name=op.f("fk_cti_events_posted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cti_events")),
        sa.UniqueConstraint("cti_call_id", "event", name="uq_cti_events_call_event"),
    )
    op.create_index("ix_cti_events_agent_occurred_at", "cti_events", ["agent_id", "occurred_at"], unique=False)
    op.add_column("calls", sa.Column("cti_call_id", sa.String(length=64), nullable=True))
    op.create_index("ux_calls_cti_call_id", "calls", ["cti_call_id"], unique=True)


def downgrade():
    op.drop_index("ux_calls_cti_call_id", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("cti_call_id")
    op.drop_index("ix_cti_events_agent_occurred_at", table_name="cti_events")
    op.drop_table("cti_events")
