"""Index the public penalty decisions by publication date and region (the yearly report's 公开决定书 count, the
public page), in place of ix_cases_published_on.

At 2,000,000 cases the count read 75,000 rows of the table through ix_cases_published_on (137 ms of the yearly
summary's 167 ms, bench/RESULTS.md "National scale"); with the region in a partial index over the decisions still
public, it is an index-only scan. ix_cases_published_on (every published case) has no reader left: the public
page's newest-first order reads the new index too. No row changes.

Revision ID: e5b1c9d7a2f4
Revises: d4a8e2c61b97
Create Date: 2026-12-08 03:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e5b1c9d7a2f4"
down_revision = "d4a8e2c61b97"
branch_labels = None
depends_on = None

PUBLISHED_DECISION = ("case_type = 'counterfeit' AND status = 'closed' AND outcome = 'penalized' "
                      "AND publication_withdrawn_on IS NULL")


def upgrade():
    op.create_index("ix_cases_published_decisions", "cases", ["published_on", "region_code"],
                    postgresql_where=sa.text(PUBLISHED_DECISION), sqlite_where=sa.text(PUBLISHED_DECISION))
    op.drop_index("ix_cases_published_on", table_name="cases")


def downgrade():
    op.create_index("ix_cases_published_on", "cases", ["published_on"],
                    postgresql_where=sa.text("published_on IS NOT NULL"),
                    sqlite_where=sa.text("published_on IS NOT NULL"))
    op.drop_index("ix_cases_published_decisions", table_name="cases")
