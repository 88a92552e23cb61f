"""User sessions remember their last request, for the inactivity timeout (ASVS 7.3.1).

``last_seen_at`` is written at most once a minute per session; a session idle longer than SESSION_IDLE_TIMEOUT
(30 minutes by default) is refused and deleted. Open sessions start from their creation time, so after this
upgrade a login older than the timeout has to log in again.

Revision ID: df68ecba4245
Revises: 06493c435050
Create Date: 2026-11-25 15:09:59.605400

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'df68ecba4245'
down_revision = '06493c435050'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_sessions', sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE user_sessions SET last_seen_at = created_at')
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.drop_column('last_seen_at')
