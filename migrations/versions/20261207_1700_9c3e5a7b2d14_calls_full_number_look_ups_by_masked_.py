"""Calls: full-number look-ups by users who see numbers masked are rate-limited per user.

An officer or supervisor who types a full number into the intake panel or the caller-history API learns which
calls it made; trying candidates would uncover a masked number. Each distinct number they look up is kept (as a
keyed hash) for the window, and beyond the limit the look-up answers 429.

Revision ID: 9c3e5a7b2d14
Revises: f86ce6b6c886
Create Date: 2026-12-07 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9c3e5a7b2d14'
down_revision = "f86ce6b6c886"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('number_lookups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number_hash', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_number_lookups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_number_lookups'))
    )
    op.create_index('ix_number_lookups_user_id_at', 'number_lookups', ['user_id', 'occurred_at'], unique=False)


def downgrade():
    op.drop_index('ix_number_lookups_user_id_at', table_name='number_lookups')
    op.drop_table('number_lookups')
