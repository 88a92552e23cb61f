"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.types import JSON, TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes: ``timestamptz`` on PostgreSQL, naive UTC text on SQLite.

    Binding a naive datetime is a programming error (we never guess a zone); results are always aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents: JSONB on PostgreSQL.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")

#: Full-text search document: a bigram tsvector on PostgreSQL, plain text (unused, LIKE is used) on SQLite.
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)
