"""Hot-path statements straight through psycopg, in the session's transaction (PostgreSQL only).

The intake runs two statements per call (the token check and the write). Through SQLAlchemy each costs about
0.2–0.3 ms of Python beyond psycopg's own work (execution context, result metadata, per-column processors),
which is most of what separates the intake from the bare-INSERT floor (bench/PROFILE.md). ``run`` sends a
statement built once with SQLAlchemy (so it is still written, quoted and reviewed as Core or ``text()``) on the
same connection and transaction the session holds, as a psycopg prepared statement, and gives back plain tuples:

- JSON parameters (``json_params``) are sent as JSONB documents (``None`` as JSON null, as SQLAlchemy's JSON type
  does); every other parameter is psycopg's own adaptation (aware datetimes, dates, lists as arrays);
- ``timestamptz`` results come back as aware UTC datetimes, as ``UTCDateTime`` gives them;
- errors are raised as SQLAlchemy raises them (``IntegrityError`` …; a lost connection is invalidated);
- SQLAlchemy's ``before_cursor_execute``/``after_cursor_execute`` events fire as for any statement, so whatever
  watches the engine (statement counts in tests, tracing) sees these too.

Anything else goes through the ORM or Core as usual; only statements whose results are ids, text, numbers,
booleans, dates and ``timestamptz`` belong here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy.sql.elements import ClauseElement

from hotline.extensions import db


class FastStatement:
    """A statement compiled once for psycopg (pyformat parameters), run by ``run``."""

    __slots__ = ("_clause", "_json", "_sql")

    def __init__(self, clause: ClauseElement, *, json_params: tuple[str, ...] = ()):
        self._clause = clause
        self._json = json_params
        self._sql: str | None = None

    def sql(self, dialect) -> str:
        if self._sql is None:
            compiled = self._clause.compile(dialect=dialect)
            if "POSTCOMPILE" in compiled.string:  # expanding IN: the text changes with the values
                raise ValueError("FastStatement: expanding parameters are not supported; use = ANY(:param)")
            self._sql = compiled.string
        return self._sql

    def run(self, params: dict[str, Any]) -> list[tuple]:
        """The rows of the statement, run in the session's transaction (the session begins one if needed)."""
        connection = db.session.connection()
        if connection.dialect.driver != "psycopg":  # another driver (postgresql+psycopg2://): the usual way
            return [tuple(row) for row in connection.execute(self._clause, params)]
        sql = self.sql(connection.dialect)
        for name in self._json:
            params[name] = Jsonb(params[name])
        dispatch = connection.dispatch
        with connection.connection.driver_connection.cursor() as cursor:
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(connection, cursor, sql, params, None, False)
            try:
                cursor.execute(sql, params, prepare=True)
                rows = cursor.fetchall()  # every fast statement returns rows (its description costs a list)
            except Exception as exc:  # noqa: BLE001 (re-raised)
                # As SQLAlchemy raises it (IntegrityError, OperationalError …), a lost connection invalidated.
                connection._handle_dbapi_exception(exc, sql, params, cursor, None)
                raise
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(connection, cursor, sql, params, None, False)
        return [tuple(v.astimezone(UTC) if type(v) is datetime and v.tzinfo is not None else v for v in row)
                for row in rows]
