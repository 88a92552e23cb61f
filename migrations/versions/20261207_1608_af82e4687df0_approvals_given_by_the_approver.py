"""Approvals (审批) given by the approver: an officer's request, a supervisor's decision.

A new table only. Existing cases keep the approvers recorded on them (close/publish/withdrawal_approved_by_id,
case_extensions.approved_by_id); no approval rows are made for that history: those approvals were never requested
nor decided here.

Revision ID: af82e4687df0
Revises: c4d9e2a7b136
Create Date: 2026-12-07 16:08:32.491396

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'af82e4687df0'
down_revision = "c4d9e2a7b136"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approvals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.String(length=1000), nullable=True),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name=op.f('ck_approvals_decided_at_iff')),
    sa.CheckConstraint("(status IN ('approved', 'rejected')) = (decided_by_id IS NOT NULL)", name=op.f('ck_approvals_decided_by_iff')),
    sa.CheckConstraint("action IN ('extend', 'close_penalized', 'publish', 'withdraw', 'file')", name=op.f('ck_approvals_action')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'cancelled', 'obsolete')", name=op.f('ck_approvals_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_approvals_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_approvals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_approvals_region_code_regions')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_approvals_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_approvals_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index('ix_approvals_status_region_due', ['status', 'region_code', 'due_on'], unique=False)



def downgrade():
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_approvals_status_region_due')
        batch_op.drop_index(batch_op.f('ix_approvals_requested_by_id'))
        batch_op.drop_index(batch_op.f('ix_approvals_decided_by_id'))
        batch_op.drop_index(batch_op.f('ix_approvals_case_id'))

    op.drop_table('approvals')
