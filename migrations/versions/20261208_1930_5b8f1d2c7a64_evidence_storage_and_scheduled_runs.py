"""Evidence storage in the database (stored_files, stored_file_chunks) and the embedded scheduler's runs

Revision ID: 5b8f1d2c7a64
Revises: e7b4c2a9d351
Create Date: 2026-12-08 19:30:00

Attachments keep their ``stored_name`` as the storage key: files of the first release stay where they are (the
local folder) and are read from there until ``flask storage migrate`` moves them. Nothing existing changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "5b8f1d2c7a64"
down_revision = "e7b4c2a9d351"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_files")),
    )
    op.create_table(
        "stored_file_chunks",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["key"], ["stored_files.key"], name=op.f("fk_stored_file_chunks_key_stored_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", "seq", name=op.f("pk_stored_file_chunks")),
    )
    op.create_table(
        "scheduled_runs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("job", sa.String(length=80), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runner", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_runs")),
        sa.UniqueConstraint("job", "due_at", name="uq_scheduled_runs_job_due"),
    )


def downgrade():
    op.drop_table("scheduled_runs")
    op.drop_table("stored_file_chunks")
    op.drop_table("stored_files")
