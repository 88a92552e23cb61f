"""Calls keep their decision (answered / transferred / case_opened / not_accepted) and its Beijing date.

Revision ID: f7eac33cc1c9
Revises: 977a205a572c
Create Date: 2026-11-25 12:41:53.547275

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7eac33cc1c9'
down_revision = '977a205a572c'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('calls', sa.Column('decision', sa.String(length=20), nullable=True))
    op.add_column('calls', sa.Column('decided_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('decided_on')
        batch_op.drop_column('decision')
