"""Configuration: everything comes from the environment; classes only set defaults per deployment kind."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HOTLINE_INSTANCE_DIR", BASE_DIR / "instance"))


def database_url(raw: str | None) -> str | None:
    """Accept the usual ``postgresql://user@host:port/db`` form and pick the driver the app ships with.

    ``postgres://`` (Heroku style) and ``postgresql://`` both become ``postgresql+psycopg://`` (psycopg 3);
    an explicit driver (``postgresql+psycopg2://``) and ``sqlite:///`` URLs pass through unchanged.
    """
    if not raw:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def _date(name: str) -> date | None:
    """A YYYY-MM-DD setting (None when unset or empty)."""
    value = os.environ.get(name, "").strip()
    return date.fromisoformat(value) if value else None


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: The performance indicators (绩效考核, hotline.stats.performance) and their default weights (they sum to 100).
PERFORMANCE_INDICATORS = ("filed_on_time", "closed_on_time", "closure_rate", "transfers_signed_on_time",
                          "transfers_answered_on_time", "satisfaction", "review_score", "overdue_end")
DEFAULT_PERFORMANCE_WEIGHTS = {"filed_on_time": 15, "closed_on_time": 15, "closure_rate": 20,
                               "transfers_signed_on_time": 10, "transfers_answered_on_time": 10, "satisfaction": 10,
                               "review_score": 10, "overdue_end": 10}


def performance_weights(raw: str | dict | None) -> dict[str, float]:
    """The indicators' weights from ``code=weight,code=weight`` (or a dict); indicators not named keep their
    default weight. Raises ValueError naming the fault: an unknown indicator, a weight that is not a number from 0
    to 100, or all weights zero."""
    weights: dict[str, float] = {k: float(v) for k, v in DEFAULT_PERFORMANCE_WEIGHTS.items()}
    if not raw:
        return weights
    items = raw.items() if isinstance(raw, dict) else (
        part.split("=", 1) if "=" in part else (part, "") for part in str(raw).split(",") if part.strip())
    for code, value in items:
        code = str(code).strip()
        if code not in PERFORMANCE_INDICATORS:
            raise ValueError(f"PERFORMANCE_WEIGHTS: unknown indicator {code!r} "
                             f"(known: {', '.join(PERFORMANCE_INDICATORS)}).")
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"PERFORMANCE_WEIGHTS: the weight of {code} is not a number: {value!r}.") from None
        if not 0 <= number <= 100 or number != number:
            raise ValueError(f"PERFORMANCE_WEIGHTS: the weight of {code} must be from 0 to 100, not {value!r}.")
        weights[code] = number
    if not any(weights.values()):
        raise ValueError("PERFORMANCE_WEIGHTS: at least one indicator needs a weight above 0.")
    return weights


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    #: hide_parameters: a failing statement's error (and so the log) shows the SQL without its values, which may be
    #: a password hash, a caller's name or number.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "hide_parameters": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None

    # Sessions: server-side revocable session ids live in the database; the cookie only carries the id.
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_LIFETIME_SECONDS", 8 * 3600))
    #: Inactivity timeout (ASVS 7.3.1): a session without a request for this many seconds ends.
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60))
    #: Touch user_sessions.last_seen_at at most this often per session (the check sits on every page request).
    SESSION_LAST_SEEN_RESOLUTION_SECONDS = 60
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the (server-side, revocable) session

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    HOTLINE_TIMEZONE = "Asia/Shanghai"

    #: argon2id parameters; defaults are above OWASP's minimum (m=19 MiB, t=2, p=1).
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 64 * 1024))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", 2))

    #: Login throttling by growing delays, never a lock: after the free failures (per account, per client address;
    #: counted over the window, for an account only since its last successful login) each further attempt waits
    #: LOGIN_DELAY_BASE_SECONDS, doubling with every further failure, at most LOGIN_DELAY_MAX_SECONDS.
    LOGIN_FREE_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ACCOUNT", 5))
    LOGIN_FREE_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FREE_FAILURES_PER_ADDRESS", 20))
    LOGIN_DELAY_BASE_SECONDS = int(os.environ.get("LOGIN_DELAY_BASE_SECONDS", 2))
    LOGIN_DELAY_MAX_SECONDS = int(os.environ.get("LOGIN_DELAY_MAX_SECONDS", 15 * 60))
    LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", 24 * 60 * 60))
    #: Failed logins are kept this long (the record of failures), then purged by the housekeeping task.
    LOGIN_FAILURE_KEEP_DAYS = int(os.environ.get("LOGIN_FAILURE_KEEP_DAYS", 90))
    #: An API token lives this many days (api.md, second release).
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 180))
    #: Full-number look-ups (intake panel, caller history) by a role that sees numbers masked: distinct numbers per
    #: user inside the window. Beyond it the look-up answers 429 (trying candidates against a masked number).
    NUMBER_LOOKUPS_PER_WINDOW = int(os.environ.get("NUMBER_LOOKUPS_PER_WINDOW", 30))
    NUMBER_LOOKUP_WINDOW_SECONDS = int(os.environ.get("NUMBER_LOOKUP_WINDOW_SECONDS", 15 * 60))
    #: Number of reverse proxies in front of the app whose X-Forwarded-For can be trusted.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))

    #: The province this installation serves (GB/T 2260 code): `flask seed` loads its 市州 and counties from the
    #: shipped data (hotline/reference/divisions.json); its users see everything.
    HOTLINE_PROVINCE = os.environ.get("HOTLINE_PROVINCE", "430000")
    #: Default area code for landlines given without one. Unset: the province's data (its capital's, e.g. 0731;
    #: edited on /admin/regions).
    DEFAULT_AREA_CODE = os.environ.get("HOTLINE_DEFAULT_AREA_CODE") or None
    CALL_REF_PREFIX = os.environ.get("HOTLINE_CALL_REF_PREFIX", "HL")
    #: 案号 formats are data (regions.case_number_format: the province's, and a 市州's that numbers its own; edited
    #: on /admin/regions). This setting only seeds the province's pattern at the migration that introduced them.
    CASE_NUMBER_FORMAT = os.environ.get("HOTLINE_CASE_NUMBER_FORMAT") or None
    #: The office running the hotline, shown on the public pages. Unset: the province's deciding authority.
    OFFICE_NAME = os.environ.get("HOTLINE_OFFICE_NAME") or None
    #: The local evidence folder (outside the static folder): ``instance/evidence``, or ``instance/uploads`` where
    #: an installation of the first release keeps its files there.
    HOTLINE_UPLOAD_DIR = os.environ.get("HOTLINE_UPLOAD_DIR") or str(
        INSTANCE_DIR / "uploads" if (INSTANCE_DIR / "uploads").is_dir() else INSTANCE_DIR / "evidence")
    #: Where evidence files are stored: ``db:`` (the database, in chunks), ``s3://bucket?endpoint=…&region=…``, or
    #: ``file:/folder`` (``file:`` alone: HOTLINE_UPLOAD_DIR). Unset: the database on PostgreSQL, the folder on
    #: SQLite (hotline/storage).
    STORAGE_URL = os.environ.get("STORAGE_URL") or None
    MAX_CONTENT_LENGTH = int(os.environ.get("HOTLINE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    DUPLICATE_WINDOW_DAYS = 90
    #: The due lists' "to complete" (待补录) list: penalty decisions closed before this day (YYYY-MM-DD, the day
    #: the office started recording in this system; unset: none), or whose publication deadline passed more than
    #: PUBLICATION_BACKLOG_DAYS calendar days ago, with no publication recorded, are listed there, not as overdue.
    HOTLINE_GO_LIVE_ON = _date("HOTLINE_GO_LIVE_ON")
    PUBLICATION_BACKLOG_DAYS = int(os.environ.get("HOTLINE_PUBLICATION_BACKLOG_DAYS", 180))
    #: Touch api_tokens.last_used_at at most this often per token (the check sits on every API request).
    TOKEN_LAST_USED_RESOLUTION_SECONDS = 60

    #: Approvals (审批): working days of the case's region a supervisor has to decide a request.
    APPROVAL_WORKING_DAYS = int(os.environ.get("APPROVAL_WORKING_DAYS", 2))
    #: The office's setting: filing a case (立案) needs a supervisor's approval too (off by default).
    FILING_NEEDS_APPROVAL = _bool("FILING_NEEDS_APPROVAL", False)
    #: Notification e-mail over SMTP; no MAIL_SERVER: no e-mail (notifications stay in the app).
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM") or "12330@localhost"
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT_SECONDS") or 30)
    #: The app's public address (``https://12330.example.gov.cn``): links in e-mail; unset, they are paths only.
    HOTLINE_BASE_URL = os.environ.get("HOTLINE_BASE_URL") or ""

    #: The weights of the performance indicators (绩效考核), e.g. ``closure_rate=30,review_score=0`` in
    #: HOTLINE_PERFORMANCE_WEIGHTS; unnamed ones keep their default (see DEFAULT_PERFORMANCE_WEIGHTS). Checked here:
    #: a wrong value stops the start with the reason.
    PERFORMANCE_WEIGHTS = performance_weights(os.environ.get("HOTLINE_PERFORMANCE_WEIGHTS"))

    CELERY: dict = {}
    #: Embedded mode (no REDIS_URL): each web worker runs the beat schedule in a thread (hotline/core/scheduler.py).
    EMBEDDED_SCHEDULER = _bool("EMBEDDED_SCHEDULER", True)
    SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS") or 20)


class DevelopmentConfig(Config):
    """Embedded default: SQLite under instance/, tasks in-process, plain http on localhost."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/secret_key by create_app
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'hotline.sqlite3'}"
    )
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    MAIL_SERVER = None  # tests that send e-mail start their own SMTP server and set it
    # Tests assert on the English msgids; the Chinese default is tested explicitly (tests/test_i18n.py).
    BABEL_DEFAULT_LOCALE = "en"
    # Cheap hashing keeps the suite fast; production parameters are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # The first login delay long enough that "the next attempt right away waits" holds on a slow, busy machine.
    LOGIN_DELAY_BASE_SECONDS = 60
    REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
    # The suite's evidence goes to its own folder (HOTLINE_UPLOAD_DIR) on both databases; tests/storage runs every
    # backend explicitly.
    STORAGE_URL = os.environ.get("TEST_STORAGE_URL") or "file:"


class ProductionConfig(Config):
    @classmethod
    def check(cls) -> None:
        missing = [name for name in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not getattr(cls, name)]
        if missing:
            names = ", ".join("DATABASE_URL" if m == "SQLALCHEMY_DATABASE_URI" else m for m in missing)
            raise RuntimeError(f"Production configuration needs {names} in the environment.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
