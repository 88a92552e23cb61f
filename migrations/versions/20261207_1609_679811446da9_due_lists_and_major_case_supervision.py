"""Due lists that can be worked from, and major-case supervision (重大案件督办) as a flow.

- supervisions / supervision_reports: a higher office designates a case with instructions and report-back dates;
  the handling office's reports are case events too (new event kinds supervision_designated, supervision_report,
  supervision_closed in ck_case_events_kind);
- ix_calls_status_accept_due_on: open calls by acceptance deadline (the due lists at 1M calls);
- ix_cases_unpublished_penalties (partial): penalty decisions without a recorded publication, for the
  "to complete" (待补录) list and the publication deadlines the calendar could not compute.

Existing rows are untouched. Downgrade turns the supervision events into notes (their text kept) before the
event-kind check goes back to the old list.

Revision ID: 679811446da9
Revises: af82e4687df0
Create Date: 2026-12-07 16:09:00.585640

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '679811446da9'
down_revision = "af82e4687df0"
branch_labels = None
depends_on = None

EVENT_KINDS = ('served', 'defence_received', 'hearing', 'evidence_saved', 'decision', 'penalty_served', 'fine_paid',
               'transfer_judicial', 'publication', 'note', 'filed', 'rejected', 'suspended', 'resumed', 'extended',
               'closed')
SUPERVISION_EVENT_KINDS = ('supervision_designated', 'supervision_report', 'supervision_closed')


def _kinds(kinds):
    return ", ".join(f"'{k}'" for k in kinds)


def upgrade():
    op.create_table('supervisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('supervising_region_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('instructions', sa.Text(), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('close_note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name=op.f('ck_supervisions_closed_on_iff_closed')),
    sa.CheckConstraint("status IN ('active', 'closed')", name=op.f('ck_supervisions_status')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_supervisions_case_id_cases')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_supervisions_closed_by_id_users')),
    sa.ForeignKeyConstraint(['designated_by_id'], ['users.id'], name=op.f('fk_supervisions_designated_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_supervisions_region_code_regions')),
    sa.ForeignKeyConstraint(['supervising_region_code'], ['regions.code'], name=op.f('fk_supervisions_supervising_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions'))
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_closed_by_id'), ['closed_by_id'], unique=False)
        batch_op.create_index('ix_supervisions_closed_on', ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervisions_designated_by_id'), ['designated_by_id'], unique=False)
        batch_op.create_index('ix_supervisions_designated_on', ['designated_on'], unique=False)
        batch_op.create_index('ix_supervisions_region_status', ['region_code', 'status'], unique=False)
        batch_op.create_index('ix_supervisions_supervising_region_status', ['supervising_region_code', 'status'], unique=False)

    op.create_table('supervision_reports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('supervision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('case_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("kind IN ('progress', 'final')", name=op.f('ck_supervision_reports_kind')),
    sa.CheckConstraint('(submitted_on IS NULL) = (submitted_by_id IS NULL)', name=op.f('ck_supervision_reports_submitted_by_iff_on')),
    sa.ForeignKeyConstraint(['case_event_id'], ['case_events.id'], name=op.f('fk_supervision_reports_case_event_id_case_events')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_supervision_reports_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['supervision_id'], ['supervisions.id'], name=op.f('fk_supervision_reports_supervision_id_supervisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_reports')),
    sa.UniqueConstraint('supervision_id', 'kind', 'due_on', name='uq_supervision_reports_once')
    )
    with op.batch_alter_table('supervision_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervision_reports_case_event_id'), ['case_event_id'], unique=False)
        batch_op.create_index('ix_supervision_reports_pending_due_on', ['submitted_on', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_reports_submitted_by_id'), ['submitted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supervision_reports_supervision_id'), ['supervision_id'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_status_accept_due_on', ['status', 'accept_due_on'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_unpublished_penalties', ['publish_due_on'], unique=False, postgresql_where=sa.text("status = 'closed' AND outcome = 'penalized' AND published_on IS NULL"), sqlite_where=sa.text("status = 'closed' AND outcome = 'penalized' AND published_on IS NULL"))

    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint('kind', type_='check')
        batch_op.create_check_constraint('kind', f"kind IN ({_kinds(EVENT_KINDS + SUPERVISION_EVENT_KINDS)})")


def downgrade():
    op.execute(sa.text("UPDATE case_events SET kind = 'note' WHERE kind IN "
                       f"({_kinds(SUPERVISION_EVENT_KINDS)})"))
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_constraint('kind', type_='check')
        batch_op.create_check_constraint('kind', f"kind IN ({_kinds(EVENT_KINDS)})")

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unpublished_penalties', postgresql_where=sa.text("status = 'closed' AND outcome = 'penalized' AND published_on IS NULL"), sqlite_where=sa.text("status = 'closed' AND outcome = 'penalized' AND published_on IS NULL"))

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_status_accept_due_on')

    with op.batch_alter_table('supervision_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervision_reports_supervision_id'))
        batch_op.drop_index(batch_op.f('ix_supervision_reports_submitted_by_id'))
        batch_op.drop_index('ix_supervision_reports_pending_due_on')
        batch_op.drop_index(batch_op.f('ix_supervision_reports_case_event_id'))

    op.drop_table('supervision_reports')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index('ix_supervisions_supervising_region_status')
        batch_op.drop_index('ix_supervisions_region_status')
        batch_op.drop_index('ix_supervisions_designated_on')
        batch_op.drop_index(batch_op.f('ix_supervisions_designated_by_id'))
        batch_op.drop_index('ix_supervisions_closed_on')
        batch_op.drop_index(batch_op.f('ix_supervisions_closed_by_id'))
        batch_op.drop_index(batch_op.f('ix_supervisions_case_id'))

    op.drop_table('supervisions')
