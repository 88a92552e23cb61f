"""Regions are a tree of three levels: counties (县/市/区) below the 市州; offices number their cases from data.

- ``regions.level`` may be ``county`` (the check constraint is widened; SQLite rebuilds ``regions`` with foreign
  keys off, as env.py runs every SQLite migration).
- ``regions.case_number_format``: the 案号 pattern of an office that numbers its own cases. The province's row gets
  the pattern the installation numbered with until now (``HOTLINE_CASE_NUMBER_FORMAT`` when set, else Hunan's
  湘知执字〔{year}〕第{number}号), so the next 案号 continues the same sequence.
- The province's ``area_code`` becomes the hotline's default area code (``HOTLINE_DEFAULT_AREA_CODE`` when set,
  else 0731, the value used until now).

The county rows themselves are loaded by ``flask seed`` from the shipped GB/T 2260 data (hotline/reference/
divisions.json) for ``HOTLINE_PROVINCE``. No existing row changes its code or parent: every user keeps exactly
the regions they saw, and sees their counties' records once those exist.

Revision ID: a1f3c5e7b920
Revises: b5f1c8e2a406
Create Date: 2026-12-07 19:00:00

"""
import os

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f3c5e7b920'
down_revision = "b5f1c8e2a406"
branch_labels = None
depends_on = None

HUNAN_FORMAT = '湘知执字〔{year}〕第{number}号'


def _set_level_check(levels: str) -> None:
    condition = f"level IN ({levels})"
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_regions_level'), 'regions', type_='check')
        op.create_check_constraint(op.f('ck_regions_level'), 'regions', condition)
    else:
        with op.batch_alter_table('regions', recreate='always') as batch_op:
            batch_op.drop_constraint(op.f('ck_regions_level'), type_='check')
            batch_op.create_check_constraint(op.f('ck_regions_level'), condition)


def upgrade():
    op.add_column('regions', sa.Column('case_number_format', sa.String(length=60), nullable=True))
    _set_level_check("'province', 'prefecture', 'county'")
    regions = sa.table('regions', sa.column('code', sa.String), sa.column('level', sa.String),
                       sa.column('area_code', sa.String), sa.column('case_number_format', sa.String))
    province = regions.c.level == 'province'
    op.execute(regions.update().where(province)
               .values(case_number_format=os.environ.get('HOTLINE_CASE_NUMBER_FORMAT') or HUNAN_FORMAT))
    op.execute(regions.update().where(province, regions.c.area_code.is_(None))
               .values(area_code=os.environ.get('HOTLINE_DEFAULT_AREA_CODE') or '0731'))


def downgrade():
    regions = sa.table('regions', sa.column('code', sa.String), sa.column('level', sa.String),
                       sa.column('area_code', sa.String))
    # Counties go only if nothing refers to them any more (a downgrade that would lose records fails instead).
    op.execute(regions.delete().where(regions.c.level == 'county'))
    op.execute(regions.update().where(regions.c.level == 'province').values(area_code=None))
    _set_level_check("'province', 'prefecture'")
    op.execute('ALTER TABLE regions DROP COLUMN case_number_format')
