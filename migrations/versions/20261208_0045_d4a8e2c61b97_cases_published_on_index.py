"""Index the publication date of cases (the yearly report's published penalty decisions).

At 2,000,000 cases the yearly summary's count of decisions published in the year read the whole table (1.1 s of
its 1.2 s, bench/RESULTS.md "National scale"). A partial index over published cases only. No row changes.

Revision ID: d4a8e2c61b97
Revises: c7d2e9a4f183
Create Date: 2026-12-08 00:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d4a8e2c61b97"
down_revision = "c7d2e9a4f183"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_published_on", "cases", ["published_on"],
                    postgresql_where=sa.text("published_on IS NOT NULL"),
                    sqlite_where=sa.text("published_on IS NOT NULL"))


def downgrade():
    op.drop_index("ix_cases_published_on", table_name="cases")
