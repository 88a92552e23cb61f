"""Notifications, e-mail preferences, users' e-mail; inbox indexes.

Each user's notifications (one per event: unique user + key) and which kinds they also want by e-mail; the
users' e-mail address (empty for everyone until they set it). Two indexes serve the inbox: an office's cases
by next deadline, and an operator's calls still waiting for a decision (partial: undecided calls only).

Revision ID: f86ce6b6c886
Revises: ca2161ae067d
Create Date: 2026-12-07 16:07:07.754350

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f86ce6b6c886'
down_revision = "ca2161ae067d"
branch_labels = None
depends_on = None

#: Literal copy of hotline.cases.models.DEADLINE_MISSING_SQL (migrations never import the app's models).
DEADLINE_MISSING = (
    "(status = 'received' AND file_due_on IS NULL) OR (status = 'filed' AND close_due_on IS NULL) OR "
    "(status = 'closed' AND case_type = 'counterfeit' AND outcome = 'penalized' AND published_on IS NULL "
    "AND publish_due_on IS NULL)")
KINDS = "kind IN ('new_item', 'due_tomorrow', 'overdue', 'approval_decided', 'digest')"


def upgrade():
    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.CheckConstraint(KINDS, name=op.f('ck_notification_preferences_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('object_type', sa.String(length=20), nullable=True),
    sa.Column('object_id', sa.BigInteger(), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(KINDS, name=op.f('ck_notifications_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key')
    )
    op.create_index('ix_notifications_user_id_id', 'notifications', ['user_id', 'id'], unique=False)
    op.create_index('ix_notifications_user_read_at', 'notifications', ['user_id', 'read_at'], unique=False)
    op.create_index('ix_calls_operator_undecided_due', 'calls', ['operator_id', 'accept_due_on'], unique=False,
                    postgresql_where=sa.text('decided_at IS NULL'), sqlite_where=sa.text('decided_at IS NULL'))
    op.create_index('ix_cases_region_next_due_on', 'cases', ['region_code', 'next_due_on'], unique=False)
    op.drop_index('ix_cases_next_due_on', table_name='cases')
    op.create_index('ix_cases_next_due_on_id', 'cases', ['next_due_on', 'id'], unique=False)
    op.create_index('ix_case_officers_user_id_case_id', 'case_officers', ['user_id', 'case_id'], unique=False)
    op.create_index('ix_cases_deadline_missing', 'cases', ['region_code', 'id'], unique=False,
                    postgresql_where=sa.text(DEADLINE_MISSING), sqlite_where=sa.text(DEADLINE_MISSING))
    op.add_column('users', sa.Column('email', sa.String(length=254), nullable=True))


def downgrade():
    op.drop_column('users', 'email')
    op.drop_index('ix_cases_deadline_missing', table_name='cases')
    op.drop_index('ix_case_officers_user_id_case_id', table_name='case_officers')
    op.drop_index('ix_cases_next_due_on_id', table_name='cases')
    op.create_index('ix_cases_next_due_on', 'cases', ['next_due_on'], unique=False)
    op.drop_index('ix_cases_region_next_due_on', table_name='cases')
    op.drop_index('ix_calls_operator_undecided_due', table_name='calls',
                  postgresql_where=sa.text('decided_at IS NULL'), sqlite_where=sa.text('decided_at IS NULL'))
    op.drop_index('ix_notifications_user_read_at', table_name='notifications')
    op.drop_index('ix_notifications_user_id_id', table_name='notifications')
    op.drop_table('notifications')
    op.drop_table('notification_preferences')
