"""Campaigns (专项行动) and trade fairs (展会) as records; cases link to campaigns and a fair, calls to a fair.

The existing columns stay (``cases.is_exhibition``, source ``exhibition``, ``calls.exhibition_name``): the API keeps
them. A fair name the calls gave becomes a fair record when it is unambiguous — every call naming it belongs to one
region — dated by the calls (Beijing dates of the first and last), stationed when a call came through the fair
booth channel; those calls link to it, and so do the exhibition cases opened from them. Names found in several
regions are left as names.

Revision ID: b5f1c8e2a406
Revises: b5d8e1f3a627
Create Date: 2026-12-07 19:30:00.000000

"""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "b5f1c8e2a406"
down_revision = "b5d8e1f3a627"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BEIJING = ZoneInfo("Asia/Shanghai")


def _local_day(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).date()


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_campaigns_period")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_starts_on", "campaigns", ["starts_on"], unique=False)
    op.create_table(
        "campaign_regions",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name="fk_campaign_regions_campaign_id_campaigns"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_campaign_regions_region_code_regions"),
        sa.PrimaryKeyConstraint("campaign_id", "region_code", name=op.f("pk_campaign_regions")),
    )
    op.create_index(op.f("ix_campaign_regions_region_code"), "campaign_regions", ["region_code"], unique=False)
    op.create_table(
        "exhibitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("stationed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_exhibitions_period")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_exhibitions_created_by_id_users")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_exhibitions_region_code_regions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exhibitions")),
    )
    op.create_index("ix_exhibitions_region_starts_on", "exhibitions", ["region_code", "starts_on"], unique=False)
    op.create_index("ix_exhibitions_starts_on", "exhibitions", ["starts_on"], unique=False)
    op.create_table(
        "case_campaigns",
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], name="fk_case_campaigns_campaign_id_campaigns"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_campaigns_case_id_cases"),
        sa.PrimaryKeyConstraint("case_id", "campaign_id", name=op.f("pk_case_campaigns")),
    )
    op.create_index(op.f("ix_case_campaigns_campaign_id"), "case_campaigns", ["campaign_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exhibition_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_cases_exhibition_id_exhibitions"), "exhibitions",
                                    ["exhibition_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_cases_exhibition_id"), ["exhibition_id"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exhibition_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_calls_exhibition_id_exhibitions"), "exhibitions",
                                    ["exhibition_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_calls_exhibition_id"), ["exhibition_id"], unique=False)
    _fairs_from_call_names()


def _fairs_from_call_names():
    """Existing fair names → fair records where every call naming one belongs to one region."""
    conn = op.get_bind()
    calls = sa.table("calls", sa.column("id"), sa.column("exhibition_name", sa.String), sa.column("region_code"),
                     sa.column("received_at", sa.DateTime(timezone=True)), sa.column("channel"),
                     sa.column("exhibition_id"), sa.column("request_type"))
    exhibitions = sa.table("exhibitions", sa.column("id"), sa.column("name"), sa.column("venue"),
                           sa.column("starts_on"), sa.column("ends_on"), sa.column("region_code"),
                           sa.column("stationed"), sa.column("created_at"), sa.column("updated_at"))
    cases = sa.table("cases", sa.column("id"), sa.column("call_id"), sa.column("exhibition_id"),
                     sa.column("is_exhibition"))
    rows = conn.execute(
        sa.select(calls.c.exhibition_name, calls.c.region_code, sa.func.min(calls.c.received_at),
                  sa.func.max(calls.c.received_at),
                  sa.func.count().filter(calls.c.channel == "exhibition"))
        .where(calls.c.exhibition_name.is_not(None), calls.c.exhibition_name != "")
        .group_by(calls.c.exhibition_name, calls.c.region_code)).all()
    by_name: dict[str, list] = {}
    for row in rows:
        by_name.setdefault(row[0], []).append(row)
    now = datetime.now(UTC)
    for name, groups in sorted(by_name.items()):
        if len(groups) != 1:
            continue  # the same name in several regions: not known to be one fair
        _, region_code, first, last, booth_calls = groups[0]
        result = conn.execute(sa.insert(exhibitions).values(
            name=name[:200], venue=None, starts_on=_local_day(first), ends_on=_local_day(last),
            region_code=region_code, stationed=bool(booth_calls), created_at=now, updated_at=now)
            .returning(exhibitions.c.id))
        fair_id = result.scalar_one()
        conn.execute(sa.update(calls).where(calls.c.exhibition_name == name).values(exhibition_id=fair_id))
    linked_call = (sa.select(calls.c.exhibition_id).where(calls.c.id == cases.c.call_id)
                   .scalar_subquery())
    conn.execute(sa.update(cases).where(cases.c.call_id.is_not(None), cases.c.is_exhibition.is_(True),
                                        linked_call.is_not(None)).values(exhibition_id=linked_call))


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calls_exhibition_id"))
        batch_op.drop_constraint(batch_op.f("fk_calls_exhibition_id_exhibitions"), type_="foreignkey")
        batch_op.drop_column("exhibition_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_exhibition_id"))
        batch_op.drop_constraint(batch_op.f("fk_cases_exhibition_id_exhibitions"), type_="foreignkey")
        batch_op.drop_column("exhibition_id")
    op.drop_index(op.f("ix_case_campaigns_campaign_id"), table_name="case_campaigns")
    op.drop_table("case_campaigns")
    op.drop_index("ix_exhibitions_starts_on", table_name="exhibitions")
    op.drop_index("ix_exhibitions_region_starts_on", table_name="exhibitions")
    op.drop_table("exhibitions")
    op.drop_index(op.f("ix_campaign_regions_region_code"), table_name="campaign_regions")
    op.drop_table("campaign_regions")
    op.drop_index("ix_campaigns_starts_on", table_name="campaigns")
    op.drop_table("campaigns")
