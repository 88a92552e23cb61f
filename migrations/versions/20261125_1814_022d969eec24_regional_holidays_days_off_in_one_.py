"""Regional holidays: days off in one region only.

An autonomous prefecture (湘西州) may set ethnic holidays for its own offices (全国年节及纪念日放假办法 §4). The
deadlines of that region's cases skip them; the national calendar (calendar_days) is unchanged.

Revision ID: 022d969eec24
Revises: b3c1d2e4f5a6
Create Date: 2026-11-25 18:14:41.602048

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '022d969eec24'
down_revision = 'b3c1d2e4f5a6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_holidays',
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_region_holidays_region_code_regions')),
    sa.PrimaryKeyConstraint('region_code', 'day', name=op.f('pk_region_holidays'))
    )


def downgrade():
    op.drop_table('region_holidays')
