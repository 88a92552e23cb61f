"""Cases: the respondent's legal representative (法定代表人).

The 2014 意见 publishes a penalized organization's name with its 法定代表人; the public decision page shows it.

Revision ID: ba4fbdf75191
Revises: 022d969eec24
Create Date: 2026-11-25 18:50:20.638368

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ba4fbdf75191'
down_revision = '022d969eec24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respondent_legal_rep', sa.String(length=50), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('respondent_legal_rep')

