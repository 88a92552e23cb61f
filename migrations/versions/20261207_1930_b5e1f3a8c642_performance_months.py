"""Statistics: the performance indicators of each month and region (绩效考核), beside the monthly snapshots

Revision ID: b5e1f3a8c642
Revises: a5c1d3e7f920
Create Date: 2026-12-07 19:30:00

A new table only: the workers fill it when they build a month (a rebuild of past months fills their rows).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "b5e1f3a8c642"
down_revision = "a5c1d3e7f920"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('performance_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_performance_months_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_months')),
    sa.UniqueConstraint('month', 'region_code', name='uq_performance_months_month_region')
    )
    op.create_index(op.f('ix_performance_months_month'), 'performance_months', ['month'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_performance_months_month'), table_name='performance_months')
    op.drop_table('performance_months')
