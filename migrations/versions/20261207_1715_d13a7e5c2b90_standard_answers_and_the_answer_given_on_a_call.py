"""Standard answers (知识库), versioned, and the answer given on a call.

A consultation is answered on the spot: the call keeps the text the caller was told and, when a standard answer
was inserted, which answer and which version of it. Existing calls keep everything (the new columns start empty).

Revision ID: d13a7e5c2b90
Revises: 9c3e5a7b2d14
Create Date: 2026-12-07 17:15:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'd13a7e5c2b90'
down_revision = "9c3e5a7b2d14"
branch_labels = None
depends_on = None

_SEARCH = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('standard_answers',
    sa.Column('id', _ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=500), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('seed_key', sa.String(length=40), nullable=True),
    sa.Column('search_vector', _SEARCH, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'retired')", name=op.f('ck_standard_answers_status')),
    sa.CheckConstraint("category IN ('patent_dispute', 'counterfeit', 'hotline', 'fees', 'time_limits', "
                       "'trademark', 'copyright', 'other')", name=op.f('ck_standard_answers_category')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_standard_answers_version_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_answers')),
    sa.UniqueConstraint('seed_key', name=op.f('uq_standard_answers_seed_key'))
    )
    op.create_index(op.f('ix_standard_answers_status'), 'standard_answers', ['status'], unique=False)
    op.create_index(op.f('ix_standard_answers_category'), 'standard_answers', ['category'], unique=False)
    op.create_index('ix_standard_answers_search_vector', 'standard_answers', ['search_vector'], unique=False,
                    postgresql_using='gin')
    op.create_table('standard_answer_versions',
    sa.Column('id', _ID, nullable=False),
    sa.Column('answer_id', _ID, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('basis', sa.String(length=500), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answer_id'], ['standard_answers.id'],
                            name=op.f('fk_standard_answer_versions_answer_id_standard_answers')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                            name=op.f('fk_standard_answer_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_answer_versions')),
    sa.UniqueConstraint('answer_id', 'version', name=op.f('uq_standard_answer_versions_answer_id'))
    )
    op.create_index(op.f('ix_standard_answer_versions_answer_id'), 'standard_answer_versions', ['answer_id'],
                    unique=False)
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_text', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_id', _ID, nullable=True))
        batch_op.add_column(sa.Column('answer_version', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_calls_answer_id_standard_answers'), 'standard_answers',
                                    ['answer_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_calls_answer_id'), ['answer_id'], unique=False)
        batch_op.create_check_constraint('answer_version_iff_answer', '(answer_id IS NULL) = (answer_version IS NULL)')


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_calls_answer_version_iff_answer'), type_='check')
        batch_op.drop_index(batch_op.f('ix_calls_answer_id'))
        batch_op.drop_constraint(batch_op.f('fk_calls_answer_id_standard_answers'), type_='foreignkey')
        batch_op.drop_column('answer_version')
        batch_op.drop_column('answer_id')
        batch_op.drop_column('answer_text')
    op.drop_index(op.f('ix_standard_answer_versions_answer_id'), table_name='standard_answer_versions')
    op.drop_table('standard_answer_versions')
    op.drop_index('ix_standard_answers_search_vector', table_name='standard_answers', postgresql_using='gin')
    op.drop_index(op.f('ix_standard_answers_category'), table_name='standard_answers')
    op.drop_index(op.f('ix_standard_answers_status'), table_name='standard_answers')
    op.drop_table('standard_answers')
