"""Cases (officers, suspensions, extensions, events, attachments, overdue records), the working-day calendar
and deadline rule sets; calls get their acceptance deadline and decision time.

Revision ID: 02adb52bf2f1
Revises: 779a2a71e967
Create Date: 2026-11-25 12:28:14.609637

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '02adb52bf2f1'
down_revision = '779a2a71e967'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('workday', 'weekend', 'holiday', 'makeup_workday')", name=op.f('ck_calendar_days_kind')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days'))
    )
    op.create_table('overdue_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('detected_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overdue_records')),
    sa.UniqueConstraint('object_type', 'object_id', 'kind', 'due_on', name='uq_overdue_records_once')
    )
    op.create_index(op.f('ix_overdue_records_region_code'), 'overdue_records', ['region_code'], unique=False)
    op.create_table('rule_sets',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_rule_sets')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_rule_sets_effective_from'))
    )
    op.create_table('deadline_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_set_code', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('applies_to', sa.String(length=30), nullable=False),
    sa.Column('source_group', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('from_event', sa.String(length=16), nullable=False),
    sa.Column('extension_amount', sa.Integer(), nullable=True),
    sa.Column('extension_unit', sa.String(length=16), nullable=True),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('article', sa.String(length=300), nullable=False),
    sa.CheckConstraint("extension_unit IS NULL OR extension_unit IN ('working_days', 'days', 'months')", name=op.f('ck_deadline_rules_extension_unit')),
    sa.CheckConstraint("unit IN ('working_days', 'days', 'months')", name=op.f('ck_deadline_rules_unit')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_deadline_rules_amount_positive')),
    sa.ForeignKeyConstraint(['rule_set_code'], ['rule_sets.code'], name=op.f('fk_deadline_rules_rule_set_code_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_rules')),
    sa.UniqueConstraint('rule_set_code', 'kind', 'applies_to', 'source_group', name='uq_deadline_rules_rule')
    )
    op.create_index(op.f('ix_deadline_rules_rule_set_code'), 'deadline_rules', ['rule_set_code'], unique=False)
    op.create_table('cases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=60), nullable=True),
    sa.Column('case_type', sa.String(length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('rule_set_code', sa.String(length=20), nullable=False),
    sa.Column('requester_name', sa.String(length=200), nullable=True),
    sa.Column('respondent_name', sa.String(length=200), nullable=True),
    sa.Column('respondent_kind', sa.String(length=20), nullable=False),
    sa.Column('patent_number', sa.String(length=20), nullable=True),
    sa.Column('patent_type', sa.String(length=20), nullable=True),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('amount_involved', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('fine_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('confiscated_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('is_major', sa.Boolean(), nullable=False),
    sa.Column('is_exhibition', sa.Boolean(), nullable=False),
    sa.Column('is_ecommerce', sa.Boolean(), nullable=False),
    sa.Column('foreign_related', sa.Boolean(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('rejected_on', sa.Date(), nullable=True),
    sa.Column('reject_reason', sa.String(length=1000), nullable=True),
    sa.Column('suspended_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('judicial_confirmation', sa.Boolean(), nullable=False),
    sa.Column('transferred_judicial', sa.Boolean(), nullable=False),
    sa.Column('close_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('violation_facts', sa.Text(), nullable=True),
    sa.Column('penalty_basis', sa.String(length=500), nullable=True),
    sa.Column('penalty_terms', sa.String(length=500), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('publication_url', sa.String(length=500), nullable=True),
    sa.Column('publish_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('file_due_on', sa.Date(), nullable=True),
    sa.Column('close_due_on', sa.Date(), nullable=True),
    sa.Column('publish_due_on', sa.Date(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL AND outcome IS NOT NULL)", name=op.f('ck_cases_closed_iff')),
    sa.CheckConstraint("case_type IN ('infringement_dispute', 'other_dispute', 'counterfeit')", name=op.f('ck_cases_case_type')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('infringement_found', 'request_dismissed', 'mediated', 'withdrawn', 'revoked', 'penalized', 'exempted', 'transferred_police')", name=op.f('ck_cases_outcome')),
    sa.CheckConstraint("patent_type IS NULL OR patent_type IN ('invention', 'utility_model', 'design')", name=op.f('ck_cases_patent_type')),
    sa.CheckConstraint("source IN ('hotline_call', 'request', 'inspection', 'referral', 'exhibition', 'ecommerce')", name=op.f('ck_cases_source')),
    sa.CheckConstraint("status IN ('received', 'filed', 'not_accepted', 'suspended', 'closed')", name=op.f('ck_cases_status')),
    sa.CheckConstraint("status IN ('received', 'not_accepted') OR filed_on IS NOT NULL", name=op.f('ck_cases_filed_on_set')),
    sa.CheckConstraint('amount_involved IS NULL OR amount_involved >= 0', name=op.f('ck_cases_amount_non_negative')),
    sa.CheckConstraint('confiscated_amount IS NULL OR confiscated_amount >= 0', name=op.f('ck_cases_confiscated_non_negative')),
    sa.CheckConstraint('fine_amount IS NULL OR fine_amount >= 0', name=op.f('ck_cases_fine_non_negative')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_cases_call_id_calls')),
    sa.ForeignKeyConstraint(['close_approved_by_id'], ['users.id'], name=op.f('fk_cases_close_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cases_created_by_id_users')),
    sa.ForeignKeyConstraint(['publish_approved_by_id'], ['users.id'], name=op.f('fk_cases_publish_approved_by_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_cases_region_code_regions')),
    sa.ForeignKeyConstraint(['rule_set_code'], ['rule_sets.code'], name=op.f('fk_cases_rule_set_code_rule_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_number', name=op.f('uq_cases_case_number'))
    )
    op.create_index(op.f('ix_cases_call_id'), 'cases', ['call_id'], unique=False)
    op.create_index(op.f('ix_cases_case_type'), 'cases', ['case_type'], unique=False)
    op.create_index('ix_cases_closed_on', 'cases', ['closed_on'], unique=False)
    op.create_index('ix_cases_filed_on', 'cases', ['filed_on'], unique=False)
    op.create_index('ix_cases_next_due_on', 'cases', ['next_due_on'], unique=False)
    op.create_index(op.f('ix_cases_patent_number'), 'cases', ['patent_number'], unique=False)
    op.create_index('ix_cases_region_status', 'cases', ['region_code', 'status'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_cases_search_vector', 'cases', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_table('attachments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_attachments_case_id_cases')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachments_stored_name'))
    )
    op.create_index(op.f('ix_attachments_case_id'), 'attachments', ['case_id'], unique=False)
    op.create_table('case_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('served', 'defence_received', 'hearing', 'evidence_saved', 'decision', 'penalty_served', 'fine_paid', 'transfer_judicial', 'publication', 'note', 'filed', 'rejected', 'suspended', 'resumed', 'extended', 'closed')", name=op.f('ck_case_events_kind')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_events_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    op.create_index(op.f('ix_case_events_case_id'), 'case_events', ['case_id'], unique=False)
    op.create_table('case_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=True),
    sa.CheckConstraint('months >= 0 AND days >= 0 AND months + days > 0', name=op.f('ck_case_extensions_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_case_extensions_approved_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_extensions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_extensions'))
    )
    op.create_index(op.f('ix_case_extensions_case_id'), 'case_extensions', ['case_id'], unique=False)
    op.create_table('case_officers',
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_case_officers_case_id_cases'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_case_officers_user_id_users'),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_officers'))
    )
    op.create_index(op.f('ix_case_officers_user_id'), 'case_officers', ['user_id'], unique=False)
    op.create_table('case_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('suspended_on', sa.Date(), nullable=False),
    sa.Column('resumed_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.CheckConstraint('resumed_on IS NULL OR resumed_on >= suspended_on', name=op.f('ck_case_suspensions_order')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_suspensions_case_id_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_suspensions'))
    )
    op.create_index(op.f('ix_case_suspensions_case_id'), 'case_suspensions', ['case_id'], unique=False)
    op.add_column('calls', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('calls', sa.Column('accept_due_on', sa.Date(), nullable=True))
    op.create_index(op.f('ix_calls_accept_due_on'), 'calls', ['accept_due_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_calls_accept_due_on'), table_name='calls')
    with op.batch_alter_table('calls') as batch_op:
        batch_op.drop_column('accept_due_on')
        batch_op.drop_column('decided_at')
    op.drop_index(op.f('ix_case_suspensions_case_id'), table_name='case_suspensions')
    op.drop_table('case_suspensions')
    op.drop_index(op.f('ix_case_officers_user_id'), table_name='case_officers')
    op.drop_table('case_officers')
    op.drop_index(op.f('ix_case_extensions_case_id'), table_name='case_extensions')
    op.drop_table('case_extensions')
    op.drop_index(op.f('ix_case_events_case_id'), table_name='case_events')
    op.drop_table('case_events')
    op.drop_index(op.f('ix_attachments_case_id'), table_name='attachments')
    op.drop_table('attachments')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_cases_search_vector', table_name='cases', postgresql_using='gin')
    op.drop_index('ix_cases_region_status', table_name='cases')
    op.drop_index(op.f('ix_cases_patent_number'), table_name='cases')
    op.drop_index('ix_cases_next_due_on', table_name='cases')
    op.drop_index('ix_cases_filed_on', table_name='cases')
    op.drop_index('ix_cases_closed_on', table_name='cases')
    op.drop_index(op.f('ix_cases_case_type'), table_name='cases')
    op.drop_index(op.f('ix_cases_call_id'), table_name='cases')
    op.drop_table('cases')
    op.drop_index(op.f('ix_deadline_rules_rule_set_code'), table_name='deadline_rules')
    op.drop_table('deadline_rules')
    op.drop_table('rule_sets')
    op.drop_index(op.f('ix_overdue_records_region_code'), table_name='overdue_records')
    op.drop_table('overdue_records')
    op.drop_table('calendar_days')
