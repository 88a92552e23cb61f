"""Regions name their deciding authority; locked months keep the records behind their figures.

- ``regions.authority_name``: the office that decides a region's cases, printed on its decisions and public
  pages (长沙市知识产权局, not always the province). Existing regions are filled: the province 湖南省知识产权局,
  each 市州 "<its name>知识产权局".
- ``monthly_snapshots.records``, ``snapshot_revisions.records`` and ``snapshot_revisions.changes``: the calls
  and cases behind locked figures, so a revision says which records caused it. Months locked before stay
  without (their revisions say that the records are not known).

Revision ID: c4d9e2a7b136
Revises: 5e2a9c1d7b34
Create Date: 2026-12-07 16:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'c4d9e2a7b136'
down_revision = "5e2a9c1d7b34"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade():
    # A plain ADD COLUMN (NOT NULL with a default, then filled): SQLite must not rebuild ``regions``, which every
    # user, call and case refers to.
    op.add_column('regions', sa.Column('authority_name', sa.String(length=60), nullable=False, server_default=''))
    regions = sa.table('regions', sa.column('code', sa.String), sa.column('name', sa.String),
                       sa.column('authority_name', sa.String))
    op.execute(regions.update().where(regions.c.code == '430000').values(authority_name='湖南省知识产权局'))
    op.execute(regions.update().where(regions.c.authority_name == '')
               .values(authority_name=regions.c.name + '知识产权局'))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('regions', 'authority_name', server_default=None)

    with op.batch_alter_table('monthly_snapshots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('records', JSON, nullable=True))
    with op.batch_alter_table('snapshot_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('records', JSON, nullable=True))
        batch_op.add_column(sa.Column('changes', JSON, nullable=True))


def downgrade():
    with op.batch_alter_table('snapshot_revisions', schema=None) as batch_op:
        batch_op.drop_column('changes')
        batch_op.drop_column('records')
    with op.batch_alter_table('monthly_snapshots', schema=None) as batch_op:
        batch_op.drop_column('records')
    # SQLite 3.35+ drops a column in place (no rebuild of the referenced table).
    op.execute('ALTER TABLE regions DROP COLUMN authority_name')
