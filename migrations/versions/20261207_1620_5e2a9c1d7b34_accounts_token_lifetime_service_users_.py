"""Accounts: tokens expire and say why they were revoked; service users; a password set by an admin must change.

``api_tokens.expires_at``: a token lives API_TOKEN_DAYS (180 by default); existing tokens get 180 days from
their creation. ``revoked_reason`` says why a token stopped (by hand, or its user's password, role, region or
active flag changed). ``users.is_service`` marks an integration's account (no web login, tokens issued by an
admin); ``users.must_change_password`` sends a user whose password an admin set to the change-password page.
Existing users keep working as before (both flags false).

Revision ID: 5e2a9c1d7b34
Revises: f6845ad3fbe8
Create Date: 2026-12-07 16:20:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2a9c1d7b34'
down_revision = "f6845ad3fbe8"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no table copy): other tables refer to users, and SQLite refuses to drop a referenced table.
    op.add_column('users', sa.Column('is_service', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('api_tokens', sa.Column('revoked_reason', sa.String(length=20), nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()),
                      sa.column('created_at', sa.DateTime(timezone=True)),
                      sa.column('expires_at', sa.DateTime(timezone=True)))
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        connection.execute(tokens.update().where(tokens.c.id == token_id)
                           .values(expires_at=created_at + timedelta(days=180)))
    op.execute("UPDATE api_tokens SET revoked_reason = 'revoked' WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('expires_at')
    # Plain DROP COLUMN (SQLite 3.35+), not a table copy: see upgrade().
    op.drop_column('users', 'must_change_password')
    op.drop_column('users', 'is_service')
