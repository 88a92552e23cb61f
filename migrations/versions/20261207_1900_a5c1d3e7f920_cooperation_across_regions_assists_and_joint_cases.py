"""Cooperation across regions: assistance requests (协查), their evidence files, and joint cases (联合办案)

Revision ID: a5c1d3e7f920
Revises: e7b4c2a9d351
Create Date: 2026-12-07 19:00:00

New tables only: ``assists`` (a request from a case's region to another region), ``assist_files`` (a case
attachment sent with the answer) and ``case_joint_regions`` (regions joined to a case). No existing row changes;
the downgrade drops the three tables (the files stay as evidence of their cases).
"""

import sqlalchemy as sa
from alembic import op

revision = "a5c1d3e7f920"
down_revision = "e7b4c2a9d351"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "assists",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("from_region_code", sa.String(length=6), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("case_summary", sa.String(length=2000), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.String(length=500), nullable=True),
        sa.Column("declined_by_id", sa.Integer(), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL)",
                           name=op.f("ck_assists_answered_at_iff_answered")),
        sa.CheckConstraint("(status = 'declined') = (declined_at IS NOT NULL)",
                           name=op.f("ck_assists_declined_at_iff_declined")),
        sa.CheckConstraint("from_region_code <> region_code", name=op.f("ck_assists_another_region")),
        sa.CheckConstraint("kind IN ('investigation', 'evidence', 'service', 'other')", name=op.f("ck_assists_kind")),
        sa.CheckConstraint("status IN ('pending', 'answered', 'declined')", name=op.f("ck_assists_status")),
        sa.ForeignKeyConstraint(["answered_by_id"], ["users.id"], name=op.f("fk_assists_answered_by_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_assists_case_id_cases")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_assists_created_by_id_users")),
        sa.ForeignKeyConstraint(["declined_by_id"], ["users.id"], name=op.f("fk_assists_declined_by_id_users")),
        sa.ForeignKeyConstraint(["from_region_code"], ["regions.code"],
                                name=op.f("fk_assists_from_region_code_regions")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_assists_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assists")),
    )
    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assists_answered_by_id"), ["answered_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assists_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assists_created_by_id"), ["created_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assists_declined_by_id"), ["declined_by_id"], unique=False)
        batch_op.create_index("ix_assists_from_region_status", ["from_region_code", "status"], unique=False)
        batch_op.create_index("ix_assists_region_status", ["region_code", "status"], unique=False)
        batch_op.create_index("ix_assists_status_due_on", ["status", "due_on"], unique=False)

    op.create_table(
        "assist_files",
        sa.Column("assist_id", BIG_ID, nullable=False),
        sa.Column("attachment_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(["assist_id"], ["assists.id"], name=op.f("fk_assist_files_assist_id_assists")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachments.id"],
                                name=op.f("fk_assist_files_attachment_id_attachments")),
        sa.PrimaryKeyConstraint("assist_id", "attachment_id", name=op.f("pk_assist_files")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_assist_files_attachment_id")),
    )

    op.create_table(
        "case_joint_regions",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"], name=op.f("fk_case_joint_regions_added_by_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_joint_regions_case_id_cases")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name=op.f("fk_case_joint_regions_region_code_regions")),
        sa.PrimaryKeyConstraint("case_id", "region_code", name=op.f("pk_case_joint_regions")),
    )
    with op.batch_alter_table("case_joint_regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_joint_regions_added_by_id"), ["added_by_id"], unique=False)
        batch_op.create_index("ix_case_joint_regions_region_code_case_id", ["region_code", "case_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("case_joint_regions", schema=None) as batch_op:
        batch_op.drop_index("ix_case_joint_regions_region_code_case_id")
        batch_op.drop_index(batch_op.f("ix_case_joint_regions_added_by_id"))
    op.drop_table("case_joint_regions")
    op.drop_table("assist_files")
    with op.batch_alter_table("assists", schema=None) as batch_op:
        batch_op.drop_index("ix_assists_status_due_on")
        batch_op.drop_index("ix_assists_region_status")
        batch_op.drop_index("ix_assists_from_region_status")
        batch_op.drop_index(batch_op.f("ix_assists_declined_by_id"))
        batch_op.drop_index(batch_op.f("ix_assists_created_by_id"))
        batch_op.drop_index(batch_op.f("ix_assists_case_id"))
        batch_op.drop_index(batch_op.f("ix_assists_answered_by_id"))
    op.drop_table("assists")
