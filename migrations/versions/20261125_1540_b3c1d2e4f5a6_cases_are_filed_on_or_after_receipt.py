"""Cases are filed on or after their receipt: a check constraint.

The application always refused a filing date before the receipt date; the database now guarantees it, and the
case list relies on it: a filing-date filter also bounds received_on, so the list's (received_on, id) index range
starts at the end of the filter instead of walking every newer case.

Revision ID: b3c1d2e4f5a6
Revises: df68ecba4245
Create Date: 2026-11-25 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3c1d2e4f5a6'
down_revision = 'df68ecba4245'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.create_check_constraint('filed_after_received', 'filed_on IS NULL OR filed_on >= received_on')


def downgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint('filed_after_received', type_='check')
