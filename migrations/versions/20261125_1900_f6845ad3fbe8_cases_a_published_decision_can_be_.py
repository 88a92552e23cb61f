"""Cases: a published decision can be withdrawn from the public page.

市场监督管理行政处罚信息公示规定 §11: a decision that is changed, revoked or annulled is withdrawn within 3 working
days. The day, the reason and the approving supervisor are kept on the case.

Revision ID: f6845ad3fbe8
Revises: ba4fbdf75191
Create Date: 2026-11-25 19:00:20.003958

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6845ad3fbe8'
down_revision = 'ba4fbdf75191'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_withdrawn_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('publication_withdrawal_reason', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('withdrawal_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cases_withdrawal_approved_by_id_users'), 'users', ['withdrawal_approved_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cases_withdrawal_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('withdrawal_approved_by_id')
        batch_op.drop_column('publication_withdrawal_reason')
        batch_op.drop_column('publication_withdrawn_on')

