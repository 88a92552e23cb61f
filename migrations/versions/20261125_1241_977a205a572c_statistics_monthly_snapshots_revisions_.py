"""Statistics: monthly snapshots, pending revisions of locked months, the transactional outbox, task runs.

Revision ID: 977a205a572c
Revises: 82f68e1bd83e
Create Date: 2026-11-25 12:41:26.722957

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '977a205a572c'
down_revision = '82f68e1bd83e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_pending', 'outbox', ['processed_at', 'id'], unique=False)
    op.create_table('monthly_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('locked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_monthly_snapshots_locked_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_monthly_snapshots_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_snapshots')),
    sa.UniqueConstraint('month', 'region_code', name='uq_monthly_snapshots_month_region')
    )
    op.create_index(op.f('ix_monthly_snapshots_month'), 'monthly_snapshots', ['month'], unique=False)
    op.create_table('task_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('steps_total', sa.Integer(), nullable=False),
    sa.Column('steps_done', sa.Integer(), nullable=False),
    sa.CheckConstraint("state IN ('PENDING', 'STARTED', 'SUCCESS', 'FAILURE')", name=op.f('ck_task_runs_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_task_runs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_runs'))
    )
    op.create_table('snapshot_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'discarded')", name=op.f('ck_snapshot_revisions_status')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_snapshot_revisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['monthly_snapshots.id'], name=op.f('fk_snapshot_revisions_snapshot_id_monthly_snapshots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snapshot_revisions'))
    )
    op.create_index(op.f('ix_snapshot_revisions_snapshot_id'), 'snapshot_revisions', ['snapshot_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_snapshot_revisions_snapshot_id'), table_name='snapshot_revisions')
    op.drop_table('snapshot_revisions')
    op.drop_table('task_runs')
    op.drop_index(op.f('ix_monthly_snapshots_month'), table_name='monthly_snapshots')
    op.drop_table('monthly_snapshots')
    op.drop_index('ix_outbox_pending', table_name='outbox')
    op.drop_table('outbox')
