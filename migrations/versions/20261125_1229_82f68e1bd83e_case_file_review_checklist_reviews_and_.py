"""Case-file review (案卷评查): checklist items, reviews of sampled cases and per-item scores.

Revision ID: 82f68e1bd83e
Revises: 02adb52bf2f1
Create Date: 2026-11-25 12:29:50.097359

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '82f68e1bd83e'
down_revision = '02adb52bf2f1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('deduction', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('auto_check', sa.String(length=40), nullable=True),
    sa.Column('applies_to', sa.String(length=20), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("category IN ('veto', 'form', 'content')", name=op.f('ck_review_items_category')),
    sa.CheckConstraint('deduction >= 0', name=op.f('ck_review_items_deduction_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('code', name=op.f('uq_review_items_code'))
    )
    op.create_table('case_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_label', sa.String(length=100), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('score', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('grade', sa.String(length=10), nullable=True),
    sa.Column('drawn_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'done')", name=op.f('ck_case_reviews_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_reviews_case_id_cases')),
    sa.ForeignKeyConstraint(['drawn_by_id'], ['users.id'], name=op.f('fk_case_reviews_drawn_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_case_reviews_region_code_regions')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_case_reviews_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_reviews')),
    sa.UniqueConstraint('case_id', 'sample_label', name='uq_case_reviews_once_per_sample')
    )
    op.create_index(op.f('ix_case_reviews_case_id'), 'case_reviews', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_reviews_region_code'), 'case_reviews', ['region_code'], unique=False)
    op.create_table('case_review_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('automatic', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['review_items.id'], name=op.f('fk_case_review_scores_item_id_review_items')),
    sa.ForeignKeyConstraint(['review_id'], ['case_reviews.id'], name=op.f('fk_case_review_scores_review_id_case_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_review_scores')),
    sa.UniqueConstraint('review_id', 'item_id', name='uq_case_review_scores_once')
    )
    op.create_index(op.f('ix_case_review_scores_review_id'), 'case_review_scores', ['review_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_case_review_scores_review_id'), table_name='case_review_scores')
    op.drop_table('case_review_scores')
    op.drop_index(op.f('ix_case_reviews_region_code'), table_name='case_reviews')
    op.drop_index(op.f('ix_case_reviews_case_id'), table_name='case_reviews')
    op.drop_table('case_reviews')
    op.drop_table('review_items')
