"""The floor for the intake benchmark: the least a Flask endpoint can do with the same JSON.

POST /calls parses the same 10-field body the product's POST /api/v1/calls gets, checks that the required
fields are there and have the right JSON types, runs one SQLAlchemy Core ``INSERT … RETURNING id`` into a
plain table ``floor_calls`` and commits. No auth, no normalization, no lookups, no audit row: whatever the
product does beyond this is what its features cost.

Run: ``FLOOR_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/hotline_bench_floor \
gunicorn -w 4 --pythonpath bench 'floor_app:create_floor_app()'``
(``create_floor_tables(url)`` makes the table; bench/intake.py calls it.)
"""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask, jsonify, request
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    create_engine,
    insert,
)

metadata = MetaData()

floor_calls = Table(
    "floor_calls",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("request_type", String(20), nullable=False),
    Column("ip_type", String(20)),
    Column("region_code", String(6), nullable=False),
    Column("caller_name", String(100)),
    Column("caller_phone", String(40)),
    Column("anonymous", Boolean, nullable=False, default=False),
    Column("accused_party", String(200)),
    Column("patent_number", String(40)),
    Column("summary", String(500), nullable=False),
)

#: field -> (accepted JSON types, required)
FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "received_at": ((str,), True),
    "channel": ((str,), True),
    "request_type": ((str,), True),
    "ip_type": ((str, type(None)), False),
    "region_code": ((str,), True),
    "caller_name": ((str, type(None)), False),
    "caller_phone": ((str, type(None)), False),
    "anonymous": ((bool,), False),
    "accused_party": ((str, type(None)), False),
    "patent_number": ((str, type(None)), False),
    "summary": ((str,), True),
}


def _url(url: str | None) -> str:
    url = url or os.environ.get("FLOOR_DATABASE_URL")
    if not url:
        raise RuntimeError("Set FLOOR_DATABASE_URL (postgresql+psycopg://…).")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_floor_tables(url: str | None = None) -> None:
    engine = create_engine(_url(url))
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def create_floor_app(url: str | None = None) -> Flask:
    app = Flask(__name__)
    # The same pool settings the product gets from Flask-SQLAlchemy (QueuePool, pre-ping).
    engine = create_engine(_url(url), pool_pre_ping=True)
    app.extensions["floor_engine"] = engine

    @app.post("/calls")
    def create_call():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return jsonify(errors={"body": ["A JSON object is required."]}), 422
        errors: dict[str, list[str]] = {}
        unknown = set(data) - FIELDS.keys()
        for name in sorted(unknown):
            errors[name] = ["Unknown field."]
        for name, (types, required) in FIELDS.items():
            if name not in data:
                if required:
                    errors[name] = ["Required."]
            elif not isinstance(data[name], types) or (bool not in types and isinstance(data[name], bool)):
                errors[name] = ["Wrong type."]
        received_at = None
        if "received_at" not in errors:
            try:
                received_at = datetime.fromisoformat(data["received_at"])
            except ValueError:
                errors["received_at"] = ["Not an ISO 8601 time."]
            else:
                if received_at.tzinfo is None:
                    errors["received_at"] = ["Give the UTC offset."]
        if errors:
            return jsonify(errors=errors), 422
        values = {name: data.get(name) for name in FIELDS}
        values["received_at"] = received_at
        values["anonymous"] = bool(data.get("anonymous", False))
        with engine.begin() as conn:
            new_id = conn.execute(insert(floor_calls).values(**values).returning(floor_calls.c.id)).scalar_one()
        return jsonify(id=new_id, status="open"), 201

    return app
