"""Extension singletons, bound to the app in create_app()."""

from __future__ import annotations

import os
from contextvars import ContextVar

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: SQLite: transactions opened while this is set take the write lock when they begin (``BEGIN IMMEDIATE``), as a
#: web request's do: the embedded scheduler's jobs run beside the requests of several processes (hotline/__init__.py).
sqlite_write_lock_first: ContextVar[bool] = ContextVar("sqlite_write_lock_first", default=False)


def _release_outer_sqlite_transaction() -> None:
    """Embedded mode: a task runs in-process, with its own session, inside the request that queued it. On SQLite
    a request's transactions hold the write lock (``BEGIN IMMEDIATE``), so a transaction the request reopened after its
    commit (reading an expired attribute, say) would make the task wait for the lock until it gives up. Tasks are
    queued only after the records they work on are committed, so what such a transaction holds is committed now.
    """
    from flask import has_app_context

    if has_app_context() and db.engine.dialect.name == "sqlite":
        outer = db.session()
        if outer.in_transaction():
            outer.commit()


def celery_init_app(app):
    """Create the Celery app from ``app.config`` (Flask's documented pattern): every task runs in an app context.

    With ``REDIS_URL`` unset (embedded mode) tasks run in-process (``task_always_eager``).
    """
    from celery import Celery, Task

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            if self.request.is_eager:
                _release_outer_sqlite_transaction()
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    redis_url = app.config.get("REDIS_URL")
    # Seconds before Redis hands a task that a worker took but never acknowledged (a killed worker) to another.
    # Longer than any countdown/ETA we use, or Redis would redeliver scheduled tasks early; tests shorten it.
    visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT") or 6 * 3600)
    settings = {
        "broker_url": redis_url or "memory://",
        "result_backend": redis_url or "cache+memory://",
        "task_always_eager": not redis_url,
        "task_eager_propagates": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "enable_utc": True,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": visibility_timeout, "socket_timeout": 2,
                                     "socket_connect_timeout": 2},
        "redis_socket_timeout": 2,
        "redis_socket_connect_timeout": 2,
        "include": ["workers.tasks.maintenance", "workers.tasks.stats", "workers.tasks.cases",
                    "workers.tasks.notifications"],
    }
    from workers.schedule import BEAT_SCHEDULE

    settings["beat_schedule"] = BEAT_SCHEDULE
    settings.update(app.config.get("CELERY") or {})
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
