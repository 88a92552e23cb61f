"""Initial schema: reference data, users, login sessions, API tokens, calls, callers, audit log.

Revision ID: 779a2a71e967
Revises: 
Create Date: 2026-11-25 12:19:25.390758

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '779a2a71e967'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('callers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone_key', sa.String(length=20), nullable=False),
    sa.Column('number_type', sa.String(length=24), nullable=False),
    sa.Column('area_code', sa.String(length=5), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callers')),
    sa.UniqueConstraint('phone_key', name=op.f('uq_callers_phone_key'))
    )
    op.create_table('channels',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_channels'))
    )
    op.create_table('ip_types',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_ip_types'))
    )
    op.create_table('login_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    op.create_index('ix_login_failures_address_at', 'login_failures', ['address', 'occurred_at'], unique=False)
    op.create_index('ix_login_failures_username_at', 'login_failures', ['username', 'occurred_at'], unique=False)
    op.create_table('ref_counters',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('value', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_ref_counters'))
    )
    op.create_table('regions',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('short_name', sa.String(length=20), nullable=False),
    sa.Column('stat_label', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('parent_code', sa.String(length=6), nullable=True),
    sa.Column('area_code', sa.String(length=5), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("level IN ('province', 'prefecture')", name=op.f('ck_regions_level')),
    sa.ForeignKeyConstraint(['parent_code'], ['regions.code'], name=op.f('fk_regions_parent_code_regions')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_regions'))
    )
    op.create_table('request_types',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name_zh', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_request_types'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('operator', 'officer', 'supervisor', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_users_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_index(op.f('ix_users_region_code'), 'users', ['region_code'], unique=False)
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    op.create_index(op.f('ix_audit_events_actor_id'), 'audit_events', ['actor_id'], unique=False)
    op.create_index('ix_audit_events_object', 'audit_events', ['object_type', 'object_id', 'id'], unique=False)
    op.create_index(op.f('ix_audit_events_region_code'), 'audit_events', ['region_code'], unique=False)
    op.create_table('calls',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('request_type', sa.String(length=32), nullable=False),
    sa.Column('ip_type', sa.String(length=32), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('caller_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('caller_phone_raw', sa.String(length=40), nullable=True),
    sa.Column('caller_name', sa.String(length=100), nullable=True),
    sa.Column('is_anonymous', sa.Boolean(), nullable=False),
    sa.Column('accused_party', sa.String(length=200), nullable=True),
    sa.Column('accused_party_key', sa.String(length=200), nullable=True),
    sa.Column('patent_number', sa.String(length=20), nullable=True),
    sa.Column('patent_number_raw', sa.String(length=40), nullable=True),
    sa.Column('product', sa.String(length=200), nullable=True),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('exhibition_name', sa.String(length=200), nullable=True),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('transferred_to_region_code', sa.String(length=6), nullable=True),
    sa.Column('transferred_to_agency', sa.String(length=200), nullable=True),
    sa.Column('transferred_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('transfer_note', sa.String(length=2000), nullable=True),
    sa.Column('not_accepted_reason', sa.String(length=500), nullable=True),
    sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('feedback_method', sa.String(length=20), nullable=True),
    sa.Column('feedback_note', sa.String(length=2000), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_calls_closed_at_iff_closed')),
    sa.CheckConstraint("status IN ('open', 'answered', 'transferred', 'case_opened', 'not_accepted', 'closed')", name=op.f('ck_calls_status')),
    sa.CheckConstraint('NOT (is_anonymous AND caller_id IS NOT NULL)', name=op.f('ck_calls_anonymous_has_no_caller')),
    sa.CheckConstraint('duration_seconds IS NULL OR duration_seconds >= 0', name=op.f('ck_calls_duration_non_negative')),
    sa.ForeignKeyConstraint(['caller_id'], ['callers.id'], name=op.f('fk_calls_caller_id_callers')),
    sa.ForeignKeyConstraint(['channel'], ['channels.code'], name=op.f('fk_calls_channel_channels')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['calls.id'], name=op.f('fk_calls_duplicate_of_id_calls')),
    sa.ForeignKeyConstraint(['ip_type'], ['ip_types.code'], name=op.f('fk_calls_ip_type_ip_types')),
    sa.ForeignKeyConstraint(['operator_id'], ['users.id'], name=op.f('fk_calls_operator_id_users')),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_calls_region_code_regions')),
    sa.ForeignKeyConstraint(['request_type'], ['request_types.code'], name=op.f('fk_calls_request_type_request_types')),
    sa.ForeignKeyConstraint(['transferred_to_region_code'], ['regions.code'], name=op.f('fk_calls_transferred_to_region_code_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calls')),
    sa.UniqueConstraint('ref', name=op.f('uq_calls_ref'))
    )
    op.create_index('ix_calls_accused_key_received_at', 'calls', ['accused_party_key', 'received_at'], unique=False)
    op.create_index('ix_calls_caller_received_at', 'calls', ['caller_id', 'received_at'], unique=False)
    op.create_index(op.f('ix_calls_channel'), 'calls', ['channel'], unique=False)
    op.create_index(op.f('ix_calls_duplicate_of_id'), 'calls', ['duplicate_of_id'], unique=False)
    op.create_index(op.f('ix_calls_ip_type'), 'calls', ['ip_type'], unique=False)
    op.create_index(op.f('ix_calls_operator_id'), 'calls', ['operator_id'], unique=False)
    op.create_index('ix_calls_patent_received_at', 'calls', ['patent_number', 'received_at'], unique=False)
    op.create_index('ix_calls_received_at_id', 'calls', ['received_at', 'id'], unique=False)
    op.create_index('ix_calls_region_received_at_id', 'calls', ['region_code', 'received_at', 'id'], unique=False)
    op.create_index(op.f('ix_calls_request_type'), 'calls', ['request_type'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_calls_search_vector', 'calls', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index(op.f('ix_calls_status'), 'calls', ['status'], unique=False)
    op.create_table('user_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    op.create_index(op.f('ix_user_sessions_user_id'), 'user_sessions', ['user_id'], unique=False)
    _create_audit_guard()


def downgrade():
    _drop_audit_guard()
    op.drop_index(op.f('ix_user_sessions_user_id'), table_name='user_sessions')
    op.drop_table('user_sessions')
    op.drop_index(op.f('ix_calls_status'), table_name='calls')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_calls_search_vector', table_name='calls', postgresql_using='gin')
    op.drop_index(op.f('ix_calls_request_type'), table_name='calls')
    op.drop_index('ix_calls_region_received_at_id', table_name='calls')
    op.drop_index('ix_calls_received_at_id', table_name='calls')
    op.drop_index('ix_calls_patent_received_at', table_name='calls')
    op.drop_index(op.f('ix_calls_operator_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_ip_type'), table_name='calls')
    op.drop_index(op.f('ix_calls_duplicate_of_id'), table_name='calls')
    op.drop_index(op.f('ix_calls_channel'), table_name='calls')
    op.drop_index('ix_calls_caller_received_at', table_name='calls')
    op.drop_index('ix_calls_accused_key_received_at', table_name='calls')
    op.drop_table('calls')
    op.drop_index(op.f('ix_audit_events_region_code'), table_name='audit_events')
    op.drop_index('ix_audit_events_object', table_name='audit_events')
    op.drop_index(op.f('ix_audit_events_actor_id'), table_name='audit_events')
    op.drop_table('audit_events')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_index(op.f('ix_users_region_code'), table_name='users')
    op.drop_table('users')
    op.drop_table('request_types')
    op.drop_table('regions')
    op.drop_table('ref_counters')
    op.drop_index('ix_login_failures_username_at', table_name='login_failures')
    op.drop_index('ix_login_failures_address_at', table_name='login_failures')
    op.drop_table('login_failures')
    op.drop_table('ip_types')
    op.drop_table('channels')
    op.drop_table('callers')


def _create_audit_guard():
    """The audit log is append-only: the database itself refuses UPDATE and DELETE on it."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP;
            END $$;
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
        """)
    else:
        for verb in ('UPDATE', 'DELETE'):
            op.execute(f"""
                CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only ({verb} refused)'); END
            """)


def _drop_audit_guard():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_update')
        op.execute('DROP TRIGGER IF EXISTS audit_events_no_delete')
