"""Transfers: the transfer cycle (转办 → 签收 → 反馈 → 回访).

A transfer record per transfer of a call, with its own clock (sign within 15 working days, answer within 90 days,
120 when complex, call back within 5 working days of the answer: rows added to every existing rule set), and the
call's ``transfer_status``. Calls transferred before this keep their data and get one transfer each: ``closed``
when the caller had feedback (the call is closed), else ``answered`` (the old transfer was the hotline's final
step; the hotline now calls back). Nobody signed or answered them in the system: those columns stay null, and
they have no clock.

Revision ID: ca2161ae067d
Revises: 679811446da9
Create Date: 2026-12-07 16:07:57.097667

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ca2161ae067d'
down_revision = "679811446da9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('transfers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('from_region_code', sa.String(length=6), nullable=False),
    sa.Column('to_region_code', sa.String(length=6), nullable=True),
    sa.Column('to_agency', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('rule_set_code', sa.String(length=20), nullable=True),
    sa.Column('sign_due_on', sa.Date(), nullable=True),
    sa.Column('answer_due_on', sa.Date(), nullable=True),
    sa.Column('callback_due_on', sa.Date(), nullable=True),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_reason', sa.String(length=500), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('reached', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('callback_note', sa.String(length=2000), nullable=True),
    sa.Column('called_back_by_id', sa.Integer(), nullable=True),
    sa.Column('called_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('called_back_on', sa.Date(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('reopen_reason', sa.String(length=500), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_on', sa.Date(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_transfers_closed_at_iff_closed')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('case_opened', 'handled', 'no_violation', 'not_competent')", name=op.f('ck_transfers_outcome')),
    sa.CheckConstraint("satisfaction IS NULL OR satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')", name=op.f('ck_transfers_satisfaction')),
    sa.CheckConstraint("status IN ('pending', 'signed', 'returned', 'answered', 'called_back', 'reopened', 'closed')", name=op.f('ck_transfers_status')),
    sa.CheckConstraint('(to_region_code IS NULL) <> (to_agency IS NULL)', name=op.f('ck_transfers_region_or_agency')),
    sa.CheckConstraint('reopen_count >= 0 AND reopen_count <= 1', name=op.f('ck_transfers_reopened_once')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_transfers_answered_by_id_users')),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_transfers_call_id_calls')),
    sa.ForeignKeyConstraint(['called_back_by_id'], ['users.id'], name=op.f('fk_transfers_called_back_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_transfers_case_id_cases')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_transfers_created_by_id_users')),
    sa.ForeignKeyConstraint(['from_region_code'], ['regions.code'], name=op.f('fk_transfers_from_region_code_regions')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_transfers_returned_by_id_users')),
    sa.ForeignKeyConstraint(['rule_set_code'], ['rule_sets.code'], name=op.f('fk_transfers_rule_set_code_rule_sets')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_transfers_signed_by_id_users')),
    sa.ForeignKeyConstraint(['to_region_code'], ['regions.code'], name=op.f('fk_transfers_to_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_answer_due_on'), ['answer_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_answered_by_id'), ['answered_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_callback_due_on'), ['callback_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_called_back_by_id'), ['called_back_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index('ix_transfers_from_region_status', ['from_region_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_returned_by_id'), ['returned_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_sign_due_on'), ['sign_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_signed_by_id'), ['signed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_status'), ['status'], unique=False)
        batch_op.create_index('ix_transfers_to_region_status', ['to_region_code', 'status'], unique=False)

    # Plain ALTERs, not a batch rebuild: rebuilding calls on SQLite would drop a table that cases and transfers
    # reference. SQLite cannot add a CHECK to an existing table, so the status check exists on PostgreSQL only
    # (the operations are the only writers of transfer_status).
    op.add_column('calls', sa.Column('transfer_status', sa.String(length=20), nullable=True))
    op.create_index(op.f('ix_calls_transfer_status'), 'calls', ['transfer_status'], unique=False)
    if op.get_bind().dialect.name != 'sqlite':
        op.create_check_constraint(
            op.f('ck_calls_transfer_status'), 'calls',
            "transfer_status IS NULL OR transfer_status IN ('pending', 'signed', 'returned', 'answered', "
            "'called_back', 'reopened', 'closed')")

    _add_rules()
    _migrate_transferred_calls()


_RULES = [
    dict(kind="sign", applies_to="transfer", source_group="any", amount=15, unit="working_days",
         from_event="transferred", label="签收",
         article="粤知〔2011〕208号: 收到案件转办通知书之日起15个工作日内回执(签收或退回)"),
    dict(kind="answer", applies_to="transfer", source_group="any", amount=90, unit="days",
         from_event="transferred", label="反馈处理结果",
         article="粤知〔2011〕208号: 转办之日起90日内反馈处理结果"),
    dict(kind="answer", applies_to="transfer", source_group="complex", amount=120, unit="days",
         from_event="transferred", label="反馈处理结果(复杂)",
         article="粤知〔2011〕208号: 争议较大或案情复杂的, 转办之日起120日内反馈处理结果"),
    dict(kind="callback", applies_to="transfer", source_group="any", amount=5, unit="working_days",
         from_event="answered", label="回访",
         article="粤知〔2011〕208号: 收到处理结果之日起5个工作日内告知投诉举报人"),
]


def _add_rules():
    """The transfer clock in every rule set the database has (a fresh database gets them from the seed)."""
    bind = op.get_bind()
    rules = sa.table('deadline_rules', *(sa.column(c) for c in (
        'rule_set_code', 'kind', 'applies_to', 'source_group', 'amount', 'unit', 'from_event', 'extension_amount',
        'extension_unit', 'label', 'article')))
    codes = bind.execute(sa.text("SELECT code FROM rule_sets")).scalars().all()
    existing = set(bind.execute(sa.text(
        "SELECT rule_set_code, kind, applies_to, source_group FROM deadline_rules")).all())
    rows = [{"rule_set_code": code, "extension_amount": None, "extension_unit": None, **rule}
            for code in codes for rule in _RULES
            if (code, rule["kind"], rule["applies_to"], rule["source_group"]) not in existing]
    if rows:
        op.bulk_insert(rules, rows)


def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _migrate_transferred_calls():
    bind = op.get_bind()
    province = bind.execute(sa.text("SELECT code FROM regions WHERE level = 'province' ORDER BY code")).scalar()
    calls = bind.execute(sa.text(
        "SELECT id, status, transferred_at, transferred_to_region_code, transferred_to_agency, transfer_note, "
        "feedback_at, closed_at FROM calls WHERE transferred_at IS NOT NULL "
        "AND (transferred_to_region_code IS NOT NULL OR transferred_to_agency IS NOT NULL) ORDER BY id")).all()
    if not calls:
        return
    beijing = ZoneInfo("Asia/Shanghai")
    now = datetime.now(UTC)
    transfers = sa.table('transfers', *(sa.column(c) for c in (
        'version', 'call_id', 'from_region_code', 'to_region_code', 'to_agency', 'status', 'note', 'sent_on',
        'complex', 'reopen_count', 'closed_at', 'created_at', 'updated_at')))
    rows = []
    for call in calls:
        transferred_at = _aware(call.transferred_at)
        closed = call.status == 'closed' and call.closed_at is not None
        rows.append({
            "version": 1, "call_id": call.id, "from_region_code": province or call.transferred_to_region_code,
            "to_region_code": None if call.transferred_to_agency else call.transferred_to_region_code,
            "to_agency": call.transferred_to_agency, "status": "closed" if closed else "answered",
            "note": call.transfer_note, "sent_on": transferred_at.astimezone(beijing).date(), "complex": False,
            "reopen_count": 0, "closed_at": _aware(call.closed_at) if closed else None,
            "created_at": transferred_at, "updated_at": now,
        })
    op.bulk_insert(transfers, rows)
    bind.execute(sa.text(
        "UPDATE calls SET transfer_status = (SELECT t.status FROM transfers t WHERE t.call_id = calls.id) "
        "WHERE id IN (SELECT call_id FROM transfers)"))


def downgrade():
    # The transfer records go; the calls keep what they said before (status, target, note, feedback).
    op.execute("DELETE FROM deadline_rules WHERE applies_to = 'transfer'")
    op.drop_table('transfers')  # indexes go with it
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_calls_transfer_status'), 'calls', type_='check')
    op.drop_index(op.f('ix_calls_transfer_status'), table_name='calls')
    op.drop_column('calls', 'transfer_status')
