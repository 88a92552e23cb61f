"""Demo data: calls, callers and cases drawn with a seeded random generator, loaded through bulk paths.

The rows follow the product's own rules: reference numbers from the per-year counters, acceptance and case
deadlines from the deadline engine (one WorkCalendar for the whole run), call decisions, transfers and
feedback as the call operations record them, case statuses consistent with the CHECK constraints, one
``create`` audit event per call and case. Everything demo-made is marked by its creator, the ``demo-data``
user (calls' operator, cases' creator), so a later run can refuse or replace it.

Bulk paths: PostgreSQL gets binary ``COPY`` (psycopg; each value in its column's binary form, the search
document as the binary tsvector of the same bigram tokens intake stores, jsonb as its binary form), so neither
Python nor the server formats or parses text; SQLite gets Core ``insert()`` executemany in chunks. All in one
transaction.

Work on both cores (PostgreSQL): the COPYs run on a writer thread that owns the session's connection (see
:class:`Writer`), so the server takes in one chunk while the generator draws the next; the calls' and callers'
indexes, keys and statistics (and the audit log's indexes) are built there while the cases are drawn. A big load
also forks one worker process that turns each chunk's texts into search documents (the bigram tokenizing is
pure Python; there it no longer delays the drawing). Only the drawing itself stays sequential: the caller pool,
reference numbers and the calls that cases are opened from run across months, and the same seed must give the
same rows whichever path wrote them. Draws use :class:`Rng` (one ``random()`` per choice).

A big load on PostgreSQL (``bulk``: by default from ``BULK_ROWS`` planned calls and cases on) drops the secondary
indexes of the tables it fills (not primary keys, not unique indexes, which keep checking every row) and their
foreign keys inside its transaction, and builds the indexes again and adds the keys back (each checked over every
row in one query), with a larger ``maintenance_work_mem`` and ``synchronous_commit`` off for its commit: building
an index once is far cheaper than keeping twenty of them up to date row by row. Without foreign keys during the
load the new callers are written after the calls, each with its last call already known (no UPDATE). The
tables are locked for the run (an intake waits until the commit).

Measured with ``bench/profile_demo.py`` (2015, 658,843 rows): its docstring says how the CPU of every process is
counted and what "rows/s if both cores were free" means.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import itertools
import json
import math
import queue
import random
import secrets
import string
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from psycopg import pq
from psycopg.adapt import Dumper
from sqlalchemy import and_, func, or_, select, text

from hotline.accounts.models import User
from hotline.calls.models import Call, Caller
from hotline.cases.models import Case, CaseEvent, CaseExtension, CaseSuspension, case_officers
from hotline.core.audit import record_event
from hotline.core.clock import local_today
from hotline.core.errors import DomainError
from hotline.core.models import AuditEvent, RefCounter
from hotline.core.patents import check_character
from hotline.core.permissions import province_code
from hotline.core.text import bigram_tokens, match_key
from hotline.deadlines.calendar import CalendarMissing, WorkCalendar
from hotline.deadlines.data import DISCOVERED_SOURCES
from hotline.deadlines.engine import call_accept_deadline, case_deadlines, compute, find_rule, rule_set_for
from hotline.deadlines.models import CalendarDay
from hotline.demo import vocabulary as V
from hotline.extensions import db
from hotline.reference.data import PREFECTURES
from hotline.reference.queries import default_area_code as _default_area_code
from hotline.stats.compute import Month

DEMO_USERNAME = "demo-data"
CHUNK_ROWS = 20_000
#: Planned calls + cases from which a PostgreSQL load drops and rebuilds secondary indexes (``bulk=None``).
BULK_ROWS = 200_000
#: A bulk load holds back at most this many new callers (written once their last call is known) before it
#: writes them and updates their last call at the end instead.
DEFERRED_CALLERS = 500_000
#: The tables the generator fills (their secondary indexes are rebuilt after a bulk load).
FILLED_TABLES = ("calls", "callers", "cases", "audit_events", "case_events", "case_officers", "case_suspensions",
                 "case_extensions")
TZ = ZoneInfo("Asia/Shanghai")


class DemoDataError(DomainError):
    """The demo data cannot be generated as asked (existing demo rows, bad options, missing calendar)."""


@dataclass
class DemoOptions:
    years: list[int]
    scale: float = 1.0
    seed: int = 42
    #: 市州 codes to generate for; None = all 14 (and calls logged against the province itself).
    regions: list[str] | None = None
    #: Only these months of ``years`` (None = every begun month).
    months: list[Month] | None = None
    #: Exact numbers per month instead of the scaled yearly figures (benchmarks): all calls, and filed cases.
    calls_per_month: int | None = None
    cases_per_month: int | None = None
    replace: bool = False
    build_stats: bool = True
    #: Store the full-text search document (bigram tsvector / token text), as intake does.
    search: bool = True
    progress: Callable[[str], None] = print
    #: The Beijing day the data is drawn up to (None = today; tests pin it). Nothing happens after it.
    today: date | None = None
    #: PostgreSQL: drop the secondary indexes for the load and build them after (None = from BULK_ROWS on).
    bulk: bool | None = None


@dataclass
class MonthPlan:
    month: Month
    calls: int
    filed: dict[str, int]
    rejected: dict[str, int]


@dataclass
class DemoResult:
    counts: dict[str, int] = field(default_factory=dict)
    months: list[Month] = field(default_factory=list)
    seconds: float = 0.0
    replaced: dict[str, int] = field(default_factory=dict)


# Small helpers --------------------------------------------------------------------------------------------

def apportion(total: int, weights: dict[Any, float]) -> dict[Any, int]:
    """Split ``total`` by ``weights`` into whole numbers that add up exactly (largest remainder)."""
    keys = list(weights)
    wsum = sum(weights.values())
    if total <= 0 or wsum <= 0:
        return dict.fromkeys(keys, 0)
    raw = {k: total * weights[k] / wsum for k in keys}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(keys, key=lambda k: (-(raw[k] - out[k]), keys.index(k)))[:rest]:
        out[k] += 1
    return out


class Picker:
    """Weighted choice by bisection over cumulative weights (cheaper than random.choices per draw)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, weights: dict[Any, float]):
        self.values = [k for k, w in weights.items() if w > 0]
        self.cum = list(itertools.accumulate(weights[k] for k in self.values))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


def parse_years(text_value: str) -> list[int]:
    """``2014-2015`` / ``2015`` / ``2014,2015`` → sorted years."""
    years: set[int] = set()
    try:
        for part in text_value.split(","):
            part = part.strip()
            if "-" in part:
                first, last = (int(p) for p in part.split("-", 1))
                if last < first or last - first > 20:
                    raise ValueError
                years.update(range(first, last + 1))
            elif part:
                years.add(int(part))
    except ValueError as exc:
        raise DemoDataError(f"Not a year range: {text_value!r} (expected e.g. 2014-2015).") from exc
    if not years or min(years) < 2004 or max(years) > 2100:
        raise DemoDataError(f"Not a year range: {text_value!r} (expected e.g. 2014-2015).")
    return sorted(years)


def yearly_base(year: int) -> dict[str, float]:
    """The scale-1 figures of a year: the known years as published, others grown from the nearest one."""
    if year in V.BASE_YEARS:
        return dict(V.BASE_YEARS[year])
    anchor = min(V.BASE_YEARS, key=lambda y: abs(y - year))
    factor = (1 + V.OTHER_YEARS_GROWTH) ** (year - anchor)
    return {k: v * factor for k, v in V.BASE_YEARS[anchor].items()}


@functools.lru_cache(maxsize=10_000)
def _midnight(day: date) -> datetime:
    """The UTC instant of a Beijing midnight."""
    return datetime(day.year, day.month, day.day, tzinfo=TZ).astimezone(UTC)


def _local(day: date, seconds: float) -> datetime:
    """The UTC instant ``seconds`` after a Beijing midnight (China has kept UTC+8 all year since 1991)."""
    return _midnight(day) + timedelta(seconds=seconds)


class Rng(random.Random):
    """random.Random with ``choice``, ``randint`` and ``randrange`` drawn from one ``random()`` each (the stdlib's
    loop over ``getrandbits`` was a fifth of the generator's time). Uniform to within 2**-53 relative bias;
    ``sample`` and ``shuffle`` are the stdlib's."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))


def tsvector_literal(tokens: str | None) -> str | None:
    """The text form of ``to_tsvector('simple', tokens)`` for bigram_tokens output (unique lower-case tokens of
    letters and digits, no quotes): each token at its position. Parsing this is far cheaper than to_tsvector."""
    if tokens is None:
        return None
    words = tokens.split()
    return " ".join(map("'{}':{}".format, words, range(1, len(words) + 1)))


#: PostgreSQL's binary form of a tsvector entry's end: NUL, then one position (weight D) 1, 2, … 16383.
_POSITIONS = [b"\0\0\1" + i.to_bytes(2, "big") for i in range(1, 1 << 14)]


class _Tsvector(bytes):
    """A tsvector in PostgreSQL's binary COPY form."""


class _Jsonb(bytes):
    """A jsonb value in PostgreSQL's binary COPY form (version byte 1, then the JSON text)."""


def tsvector_binary(tokens: str) -> _Tsvector:
    """The binary form of ``to_tsvector('simple', tokens)`` for bigram_tokens output (unique tokens, each at its
    position): the entry count, then each lexeme NUL-terminated with its one position. The lexemes go in the
    tsvector's own order (bytes, a prefix first: Python's order of bytes), so ``tsvector_recv`` has nothing to
    sort. The same value :func:`tsvector_literal` gives, without the server parsing or sorting text."""
    words = tokens.encode().split()
    positions = _POSITIONS
    if len(words) > len(positions):  # to_tsvector keeps the last position for the rest
        positions = positions + positions[-1:] * (len(words) - len(positions))
    entries = sorted(map(bytes.__add__, words, positions))  # a lexeme holds no NUL: sorted by the lexeme
    return _Tsvector(len(words).to_bytes(4, "big") + b"".join(entries))


@functools.lru_cache(maxsize=200_000)
def _search_binary(*texts: str | None) -> _Tsvector:
    """The stored search document of ``texts`` for binary COPY, remembered (summaries and names come back)."""
    return tsvector_binary(bigram_tokens(*texts))


def _search_documents(texts: list[tuple[str | None, ...] | None]) -> list[bytes | None]:
    """The binary search documents of a chunk's rows (run in the search worker process)."""
    return [None if t is None else _search_binary(*t) for t in texts]


@functools.lru_cache(maxsize=200_000)
def _search_tokens(*texts: str | None) -> str:
    """bigram_tokens, remembered (SQLite stores the token text)."""
    return bigram_tokens(*texts)


#: match_key, remembered (the same parties come back).
_match_key = functools.lru_cache(maxsize=100_000)(match_key)


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


# Writers --------------------------------------------------------------------------------------------------

#: Seconds the writer waits for a chunk's search documents before giving up (the worker process died).
_WORKER_TIMEOUT = 600


class _PassDumper(Dumper):
    """Sends a value already in binary form as it is."""

    format = pq.Format.BINARY

    def dump(self, obj: bytes) -> bytes:
        return obj


class _TsvectorDumper(_PassDumper):
    oid = 3614  # tsvector (a built-in type: fixed oid)


class _JsonbDumper(_PassDumper):
    oid = 3802  # jsonb


class Writer:
    """Bulk inserts into the session's transaction: binary COPY on PostgreSQL, Core executemany elsewhere.

    On PostgreSQL the COPYs (and any statement given to :meth:`submit`) run on a background thread that owns the
    session's connection while the generator draws the next rows: the server takes in one chunk while Python
    makes the next (psycopg waits for the server with the GIL released). :meth:`drain` waits for that work and
    must come before the session is used again; :meth:`close` ends the thread.
    """

    def __init__(self) -> None:
        self.postgres = db.engine.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self._types: dict[str, dict[str, int]] = {}
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._closing = False
        self._conn = None
        #: Chunks of rows handed over and not yet written: the generator waits when there are this many.
        self._pending = threading.BoundedSemaphore(8)
        #: Held by the thread while it runs a job; :meth:`paused` takes it to use the session in between.
        self._busy = threading.Lock()
        self._resume = threading.Event()
        self._resume.set()
        #: The process that makes the search documents (PostgreSQL, ``search_worker``).
        self._pool = None

    # The background thread -----------------------------------------------------------------------------------

    def start(self, tables: Sequence[str] = (), search_worker: bool = False) -> None:
        """PostgreSQL: start the thread that writes (at most a few chunks wait for it: memory stays bounded),
        with the column types of ``tables`` read first; with ``search_worker`` also a process (forked before the
        thread starts) that turns the texts of a chunk into its search documents while this one draws rows."""
        if not self.postgres or self._thread is not None:
            return
        for name in tables:
            self._column_oids(name)
        if search_worker:
            import multiprocessing

            try:
                self._pool = multiprocessing.get_context("fork").Pool(1)
            except (AssertionError, OSError, ValueError):
                # No fork here (a daemonic Celery worker, another platform): the documents are made in-process.
                self._pool = None
        self._conn = self._raw()
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="demo-data-copy", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._resume.wait()
                with self._busy:
                    job()
            finally:
                self._queue.task_done()

    @contextlib.contextmanager
    def paused(self):
        """Use the session between two jobs of the thread (waiting for the one it runs, not for the queue)."""
        if self._thread is None:
            yield
            return
        self._resume.clear()
        try:
            with self._busy:
                yield
        finally:
            self._resume.set()

    def _run(self, job: Callable[..., None], args: tuple, release: bool) -> None:
        try:
            if self._error is None and not self._closing:  # after a failure the rest is skipped
                job(*args)
        except BaseException as exc:  # noqa: BLE001 - raised in the generator's thread by drain()
            self._error = exc
        finally:
            if release:
                self._pending.release()

    def submit(self, job: Callable[..., None], *args: Any, release: bool = False) -> None:
        """Run ``job(*args)`` (which uses :meth:`_raw_conn`, never the session) after the work before it."""
        if self._thread is None:
            job(*args)
            return
        self._check()
        self._queue.put(functools.partial(self._run, job, args, release))

    def drain(self) -> None:
        """Wait until everything submitted is done (and raise what failed)."""
        if self._thread is not None:
            self._queue.join()
        self._check()

    def close(self) -> None:
        """End the thread, skipping what was not drained (the run failed: its transaction is rolled back)."""
        if self._thread is None:
            return
        self._closing = True
        self._queue.put(None)
        self._thread.join()
        self._thread = self._queue = self._conn = None
        self._closing = False
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def _check(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _raw_conn(self):
        return self._conn if self._conn is not None else self._raw()

    # Writing ---------------------------------------------------------------------------------------------------

    def write(self, table, columns: Sequence[str], rows: list[tuple]) -> None:
        """Write ``rows`` (the list is handed over: the caller makes a new one). A ``search_vector`` column comes
        last, its value from :meth:`search_document`."""
        if not rows:
            return
        name = table.name
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        if self.postgres:
            types = [self._column_oids(name)[c] for c in columns]
            documents = None
            if self._pool is not None and columns[-1] == "search_vector":
                documents = self._pool.apply_async(_search_documents, ([row[-1] for row in rows],))
            if self._thread is None:
                self._copy(name, columns, types, rows, documents)
                return
            self._check()
            self._pending.acquire()
            self.submit(self._copy, name, columns, types, rows, documents, release=True)
            return
        stmt = table.insert()
        for start in range(0, len(rows), 5000):
            db.session.execute(stmt, [dict(zip(columns, row, strict=True)) for row in rows[start:start + 5000]])

    def _copy(self, name: str, columns: Sequence[str], types: list[int], rows: list[tuple], documents=None) -> None:
        if documents is not None:
            rows = map(lambda row, document: (*row[:-1], document), rows, documents.get(timeout=_WORKER_TIMEOUT))
        with self._raw_conn().cursor() as cur:
            cur.adapters.register_dumper(_Tsvector, _TsvectorDumper)
            cur.adapters.register_dumper(_Jsonb, _JsonbDumper)
            with cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)

    def _column_oids(self, name: str) -> dict[str, int]:
        """{column: type oid} of a table (binary COPY sends each value in its column's own form)."""
        found = self._types.get(name)
        if found is None:
            found = self._types[name] = dict(db.session.execute(text(
                "SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                "AND attnum > 0 AND NOT attisdropped"), {"t": name}).all())
        return found

    def search_document(self, *texts: str | None):
        """What ``search_vector`` gets for these texts: the binary tsvector (PostgreSQL), the token text
        (SQLite), as intake stores them; with a search worker the texts, which it turns into the tsvector."""
        if self._pool is not None:
            return texts
        return _search_binary(*texts) if self.postgres else _search_tokens(*texts)

    def json(self, value: Any):
        """A jsonb value as the writer sends it: binary form (PostgreSQL), the document (Core)."""
        return _Jsonb(b"\x01" + json.dumps(value).encode()) if self.postgres else value

    def execute(self, sql: str) -> None:
        """Run a statement after the writes before it (on the writer's thread on PostgreSQL)."""
        if self.postgres:
            self.submit(self._execute, sql)
        else:
            db.session.execute(text(sql))

    def _execute(self, sql: str) -> None:
        with self._raw_conn().cursor() as cur:
            cur.execute(sql)

    def _raw(self):
        return db.session.connection().connection.driver_connection

    def drop_secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """Drop the indexes of ``tables`` that are neither a constraint's nor unique; returns (table, name,
        definition) to build them again with :meth:`create_indexes` (same transaction: nobody sees the tables
        without them)."""
        found = db.session.execute(text(
            "SELECT t.relname, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND NOT i.indisunique "
            "AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 2"), {"tables": list(tables)}).all()
        for _table, name, _definition in found:
            db.session.execute(text(f'DROP INDEX "{name}"'))
        return [(table, name, definition) for table, name, definition in found]

    def create_indexes(self, indexes: Sequence[tuple[str, str, str]]) -> None:
        """Build ``indexes`` again (queued after the writes: see :meth:`execute`)."""
        for _table, _name, definition in indexes:
            self.execute(definition)

    def drop_foreign_keys(self, tables: Sequence[str]) -> list[tuple[str, str, str]]:
        """Drop the foreign keys of ``tables`` (checked row by row on COPY); returns (table, name, definition)
        for :meth:`add_foreign_keys`, which checks every row again in one query per key."""
        found = db.session.execute(text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND c.contype = 'f' ORDER BY 1, 2"),
            {"tables": list(tables)}).all()
        for table, name, _definition in found:
            db.session.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
        return [(table, name, definition) for table, name, definition in found]

    def add_foreign_keys(self, keys: Sequence[tuple[str, str, str]]) -> None:
        """Add ``keys`` again, each checked over every row (queued after the writes)."""
        for table, name, definition in keys:
            self.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


# The generator --------------------------------------------------------------------------------------------

CALL_COLUMNS = (
    "id", "ref", "version", "received_at", "channel", "request_type", "ip_type", "region_code", "status",
    "caller_id", "caller_phone_raw", "caller_name", "is_anonymous", "accused_party", "accused_party_key",
    "patent_number", "patent_number_raw", "product", "place", "summary", "description", "duration_seconds",
    "exhibition_name", "operator_id", "transferred_to_region_code", "transferred_to_agency", "transferred_at",
    "transfer_note", "not_accepted_reason", "feedback_at", "feedback_method", "feedback_note", "closed_at",
    "decided_at", "decision", "decided_on", "accept_due_on", "created_at", "updated_at",
)
CASE_COLUMNS = (
    "id", "version", "case_number", "case_type", "source", "region_code", "status", "call_id", "received_on",
    "rule_set_code", "requester_name", "respondent_name", "respondent_kind", "respondent_legal_rep", "patent_number",
    "patent_type", "summary", "amount_involved", "fine_amount", "confiscated_amount", "is_major", "is_exhibition",
    "is_ecommerce", "foreign_related", "filed_on", "rejected_on", "reject_reason", "suspended_on", "closed_on",
    "outcome", "judicial_confirmation", "transferred_judicial", "close_approved_by_id", "violation_facts",
    "penalty_basis", "penalty_terms", "published_on", "publication_url", "publish_approved_by_id", "file_due_on",
    "close_due_on", "publish_due_on", "next_due_on", "created_by_id", "created_at", "updated_at",
)
CALLER_COLUMNS = ("id", "phone_key", "number_type", "area_code", "first_seen_at", "last_seen_at")
AUDIT_COLUMNS = ("occurred_at", "actor_id", "actor_name", "object_type", "object_id", "action", "changes",
                 "region_code", "note")
EVENT_COLUMNS = ("case_id", "kind", "occurred_on", "note", "author_id", "created_at")
EXTENSION_REASON = "案情复杂，需延长办案期限"
SUSPENSION_COLUMNS = ("case_id", "suspended_on", "resumed_on", "reason")
EXTENSION_COLUMNS = ("case_id", "months", "days", "approved_by_id", "approved_on", "reason")


class DemoGenerator:
    def __init__(self, options: DemoOptions):
        self.o = options
        self.say = options.progress
        self.today = options.today or local_today()
        # The last instant of the data: now, or the end of the pinned day.
        self.now = datetime.now(UTC) if options.today is None else _local(options.today + timedelta(days=1), 0) \
            - timedelta(microseconds=1)
        self.cal = WorkCalendar()
        self.writer = Writer()
        self.region_names = {code: (name, short, area) for code, name, short, _label, area in PREFECTURES}
        codes = options.regions or list(V.REGION_WEIGHTS)
        unknown = [c for c in codes if c not in V.REGION_WEIGHTS]
        if unknown:
            raise DemoDataError(f"Unknown 市州 code(s): {', '.join(unknown)} (use 6-digit codes such as 430100).")
        self.regions = codes
        self.region_share = sum(V.REGION_WEIGHTS[c] for c in codes) / sum(V.REGION_WEIGHTS.values())
        call_weights = {c: float(V.REGION_WEIGHTS[c]) for c in codes}
        if options.regions is None:
            call_weights[province_code()] = sum(call_weights.values()) * V.PROVINCE_CALL_SHARE
        self.province = province_code()
        self.pick_call_region = Picker(call_weights)
        self.pick_case_region = Picker({c: float(V.REGION_WEIGHTS[c]) for c in codes})
        self.ip_pickers = {rt: Picker(mix) for rt, mix in V.IP_TYPE_MIX.items()}
        self.decision_pickers = {rt: Picker(mix) for rt, mix in V.DECISION_MIX.items()}
        self.source_pickers = {t: Picker(mix) for t, mix in V.CASE_SOURCE_MIX.items()}
        self.outcome_pickers = {t: Picker(mix) for t, mix in V.OUTCOME_MIX.items()}
        self.patent_type_picker = Picker(V.PATENT_TYPE_MIX)
        self.hour_picker = Picker(V.HOUR_WEIGHTS)
        self._accept_due: dict[date, date | None] = {}
        self._template_fields: dict[str, frozenset[str]] = {}
        self._day_kind: dict[date, str] = {}
        self._working: dict[Month, list[date]] = {}
        self._is_working: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}
        self.used_phone_keys: set[str] = set()
        self.callers: list[int] = []
        self.caller_last_seen: dict[int, datetime] = {}
        self.case_opened_calls: dict[str, list[tuple[date, int]]] = {}
        #: Bulk load (no foreign keys during the load): the new callers are written after the calls.
        self.defer_callers = False
        self.callers_written_upto: int | None = None
        # Binary COPY takes jsonb's binary form; Core executemany takes the document.
        changes = {"source": [None, "demo-data"]}
        self.audit_changes: Any = self.writer.json(changes)

    # Plan ---------------------------------------------------------------------------------------------------

    def day_kind(self, day: date) -> str:
        kind = self._day_kind.get(day)
        if kind is None:
            kind = self._day_kind[day] = self.cal.kind(day)
        return kind

    def months(self) -> list[Month]:
        current = Month.of(self.today)
        months = [Month(y, m) for y in self.o.years for m in range(1, 13) if Month(y, m) <= current]
        if self.o.months is not None:
            wanted = set(self.o.months)
            months = [m for m in months if m in wanted]
        if not months:
            raise DemoDataError("No month to generate: the years asked for have not begun.")
        return months

    def _days(self, month: Month) -> list[date]:
        last = min(month.last_day, self.today)
        return [month.first_day + timedelta(days=i) for i in range((last - month.first_day).days + 1)]

    def _working_days(self, month: Month) -> list[date]:
        found = self._working.get(month)
        if found is None:
            found = self._working[month] = [d for d in self._days(month) if self.is_working(d)]
        return found

    def is_working(self, day: date) -> bool:
        """The calendar's answer, remembered (the same days are asked about many times)."""
        found = self._is_working.get(day)
        if found is None:
            found = self._is_working[day] = self.cal.is_working(day)
        return found

    def plan(self) -> list[MonthPlan]:
        months = self.months()
        plans: list[MonthPlan] = []
        for year in sorted({m.year for m in months}):
            in_year = [m for m in months if m.year == year]
            base = yearly_base(year)
            factor = self.o.scale * self.region_share
            # Every begun month of the year carries its share, so a partial year keeps monthly rates.
            all_months = [Month(year, m) for m in range(1, 13) if Month(year, m) <= Month.of(self.today)]
            call_weight = {m: sum(V.DAY_WEIGHTS[self.day_kind(d)] for d in self._days(m)) for m in all_months}
            case_weight = {m: float(len(self._working_days(m))) for m in all_months}
            phone_year = base["phone_per_month"] * factor * len(all_months)
            calls = apportion(round(phone_year * 100 / V.CHANNEL_MIX["phone"]), call_weight)
            disputes = round(base["disputes"] * factor * len(all_months) / 12)
            counterfeit = round(base["counterfeit"] * factor * len(all_months) / 12)
            infringement = round(disputes * V.INFRINGEMENT_SHARE)
            by_type = {"infringement_dispute": apportion(infringement, case_weight),
                       "other_dispute": apportion(disputes - infringement, case_weight),
                       "counterfeit": apportion(counterfeit, case_weight)}
            for month in in_year:
                filed = {t: by_type[t][month] for t in by_type}
                n_calls = calls[month]
                if self.o.calls_per_month is not None:
                    n_calls = self.o.calls_per_month
                if self.o.cases_per_month is not None:
                    filed = apportion(self.o.cases_per_month, {
                        "infringement_dispute": base["disputes"] * V.INFRINGEMENT_SHARE,
                        "other_dispute": base["disputes"] * (1 - V.INFRINGEMENT_SHARE),
                        "counterfeit": base["counterfeit"]})
                rejected = {t: round(n * V.REJECTED_PER_FILED[t]) for t, n in filed.items()}
                plans.append(MonthPlan(month, n_calls, filed, rejected))
        return plans

    # Users and existing data --------------------------------------------------------------------------------

    def _ensure_user(self, username: str, role: str, region_code: str, display_name: str) -> User:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            # Unusable password: no argon2 string matches it, so nobody can log in as a demo user.
            user = User(username=username, display_name=display_name, role=role, region_code=region_code,
                        password_hash="!demo-unusable-" + secrets.token_hex(16), is_active=True)
            db.session.add(user)
            db.session.flush()
            record_event(user, "create", None, {"username": (None, username), "role": (None, role),
                                                "region_code": (None, region_code)}, note="demo-data")
        return user

    def ensure_users(self) -> None:
        self.demo_user = self._ensure_user(DEMO_USERNAME, "operator", province_code(), "演示数据")
        self.demo_id = self.demo_user.id
        self.officers: dict[str, list[int]] = {}
        self.supervisors: dict[str, int] = {}
        for code in self.regions:
            short = self.region_names[code][1]
            self.officers[code] = [
                self._ensure_user(f"demo-officer-{code}-{i}", "officer", code, f"{short}执法员{i}（演示）").id
                for i in range(1, 6)]
            self.supervisors[code] = self._ensure_user(f"demo-supervisor-{code}", "supervisor", code,
                                                       f"{short}负责人（演示）").id

    def _bounds(self) -> tuple[datetime, datetime, date, date]:
        """The span of the months generated: UTC instants and Beijing dates."""
        months = self.months()
        first, last = months[0].first_day, months[-1].last_day
        start = datetime(first.year, first.month, 1, tzinfo=TZ).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), TZ).astimezone(UTC)
        return start, end, first, last

    def _demo_predicates(self, user_id: int):
        start, end, first, last = self._bounds()
        calls = and_(Call.operator_id == user_id, Call.received_at >= start, Call.received_at < end)
        # The month a case was drawn for: its filing date, or its receipt date when it was never filed.
        case_day = func.coalesce(Case.filed_on, Case.received_on)
        cases = and_(Case.created_by_id == user_id, case_day >= first, case_day <= last)
        return calls, cases

    def existing(self) -> tuple[int, int]:
        user_id = db.session.scalar(select(User.id).where(User.username == DEMO_USERNAME))
        if user_id is None:
            return 0, 0
        calls, cases = self._demo_predicates(user_id)
        return (db.session.scalar(select(func.count()).select_from(Call).where(calls)) or 0,
                db.session.scalar(select(func.count()).select_from(Case).where(cases)) or 0)

    def delete_existing(self) -> dict[str, int]:
        """--replace: remove the demo calls and cases of these years (audit rows stay: the log is append-only)."""
        from hotline.cases.models import Attachment, OverdueRecord
        from hotline.review.models import CaseReview
        from hotline.transfers.models import Transfer

        user_id = db.session.scalar(select(User.id).where(User.username == DEMO_USERNAME))
        if user_id is None:
            return {}
        calls_pred, cases_pred = self._demo_predicates(user_id)
        call_ids = select(Call.id).where(calls_pred).scalar_subquery()
        case_ids = select(Case.id).where(cases_pred).scalar_subquery()
        blockers = {
            "cases (not demo) opened from demo calls": select(func.count()).select_from(Case).where(
                Case.call_id.in_(call_ids), or_(Case.created_by_id.is_(None), Case.created_by_id != user_id)),
            "calls (not demo) marked duplicates of demo calls": select(func.count()).select_from(Call).where(
                Call.duplicate_of_id.in_(call_ids), or_(Call.operator_id.is_(None), Call.operator_id != user_id)),
            "attachments on demo cases": select(func.count()).select_from(Attachment).where(
                Attachment.case_id.in_(case_ids)),
            "case-file reviews of demo cases": select(func.count()).select_from(CaseReview).where(
                CaseReview.case_id.in_(case_ids)),
        }
        found = {what: n for what, stmt in blockers.items() if (n := db.session.scalar(stmt))}
        if found:
            raise DemoDataError("Demo rows are in use and were not deleted: " + "; ".join(
                f"{n} {what}" for what, n in found.items()) + ". Remove those first.")
        caller_ids = set(db.session.scalars(select(Call.caller_id).where(calls_pred, Call.caller_id.is_not(None))))
        deleted: dict[str, int] = {}
        for table, column in ((case_officers, case_officers.c.case_id), (CaseEvent.__table__, CaseEvent.case_id),
                              (CaseSuspension.__table__, CaseSuspension.case_id),
                              (CaseExtension.__table__, CaseExtension.case_id)):
            deleted[table.name] = db.session.execute(table.delete().where(column.in_(case_ids))).rowcount
        # Transfers of demo calls (made by hand on the demo data) go with their calls.
        transfer_ids = select(Transfer.id).where(Transfer.call_id.in_(call_ids)).scalar_subquery()
        deleted["overdue_records"] = db.session.execute(OverdueRecord.__table__.delete().where(or_(
            and_(OverdueRecord.object_type == "case", OverdueRecord.object_id.in_(case_ids)),
            and_(OverdueRecord.object_type == "call", OverdueRecord.object_id.in_(call_ids)),
            and_(OverdueRecord.object_type == "transfer", OverdueRecord.object_id.in_(transfer_ids))))).rowcount
        deleted["transfers"] = db.session.execute(Transfer.__table__.delete().where(
            or_(Transfer.call_id.in_(call_ids), Transfer.case_id.in_(case_ids)))).rowcount
        deleted["cases"] = db.session.execute(Case.__table__.delete().where(cases_pred)).rowcount
        deleted["calls"] = db.session.execute(Call.__table__.delete().where(calls_pred)).rowcount
        removed = 0
        ids = sorted(caller_ids)
        for start in range(0, len(ids), 5000):
            chunk = ids[start:start + 5000]
            still = select(Call.id).where(Call.caller_id == Caller.id).exists()
            removed += db.session.execute(Caller.__table__.delete().where(Caller.id.in_(chunk), ~still)).rowcount
        deleted["callers"] = removed
        return deleted

    # Ids, reference numbers ---------------------------------------------------------------------------------

    def reserve_ids(self, table, n: int) -> int:
        """First id of a block of ``n`` ids nobody else will take (the sequence moves past the block)."""
        current = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
        if self.writer.postgres:
            seq = db.session.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
            last = db.session.scalar(text(f"SELECT last_value FROM {seq}"))
            current = max(current, last or 0)
            db.session.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": current + max(n, 1)})
        return current + 1

    def take_numbers(self, kind: str, year: int, n: int) -> int:
        """Reserve ``n`` numbers of a per-year counter in this transaction (the row stays locked until
        commit, so an intake waiting for it continues after the demo numbers). Returns the first.

        On PostgreSQL intake numbers come from a per-year sequence (hotline.core.models): the block is taken
        from that sequence, so later intakes continue after it."""
        if self.writer.postgres:
            from hotline.core.models import _ensure_sequence

            name = _ensure_sequence(kind, year)
            first = db.session.scalar(text(f"SELECT nextval('\"{name}\"')"))
            if n > 1:
                db.session.execute(text(f"SELECT setval('\"{name}\"', :last, true)"), {"last": first + n - 1})
            return first
        current = db.session.scalar(select(RefCounter.value).where(RefCounter.kind == kind, RefCounter.year == year)
                                    .with_for_update())
        if current is None:
            db.session.add(RefCounter(kind=kind, year=year, value=n))
            db.session.flush()
            return 1
        db.session.execute(RefCounter.__table__.update().where(RefCounter.kind == kind, RefCounter.year == year)
                           .values(value=current + n))
        return current + 1

    # Calls --------------------------------------------------------------------------------------------------

    def accept_due(self, day: date) -> date | None:
        if day not in self._accept_due:
            try:
                found = call_accept_deadline(day, self.cal)
            except DomainError:
                found = None
            self._accept_due[day] = found[0] if found else None
        return self._accept_due[day]

    def add_working_days(self, day: date, n: int) -> date:
        if not n:
            return day
        found = self._added.get((day, n))
        if found is None:
            found = self._added[(day, n)] = self.cal.add_working_days(day, n)
        return found

    def try_add_working_days(self, day: date, n: int) -> date | None:
        """``add_working_days``, or None when it runs into a year the calendar does not have yet (near the end
        of the current year, the next year's arrangement may not be published): that step has not happened."""
        try:
            return self.add_working_days(day, n)
        except CalendarMissing:
            return None

    def _phone(self, rng: random.Random, region_code: str) -> tuple[str, str, str, str | None]:
        """A new valid number: (raw as typed, E.164 key, number type, area code)."""
        while True:
            if rng.random() < 0.75:
                digits = rng.choice(V.MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
                key = "+86" + digits
                if key in self.used_phone_keys:
                    continue
                style = rng.random()
                raw = digits if style < 0.8 else f"{digits[:3]} {digits[3:7]} {digits[7:]}"
                return raw, key, "mobile", None
            area = (self.region_names.get(region_code) or ("", "", "0731"))[2]
            length = 8 if area == "0731" else 7
            local = str(rng.randint(2, 8)) + f"{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
            key = "+86" + area[1:] + local
            if key in self.used_phone_keys:
                continue
            style = rng.random()
            raw = f"{area}-{local}" if style < 0.6 else (f"({area}){local}" if style < 0.8 else local)
            if raw == local and area != _default_area_code():
                raw = f"{area}{local}"
            return raw, key, "fixed_line", area

    def patent_number(self, rng: random.Random, year: int, patent_type: str | None = None) -> tuple[str, str]:
        """A valid application number (check character computed) and its type: ``201510123456.7``."""
        patent_type = patent_type or self.patent_type_picker(rng)
        filed_year = rng.randint(max(2005, year - 8), year)
        digits = f"{filed_year}{V.PATENT_TYPE_DIGIT[patent_type]}{rng.randrange(10 ** 7):07d}"
        return f"{digits}.{check_character(digits)}", patent_type

    def company(self, rng: random.Random, region_code: str) -> str:
        short = (self.region_names.get(region_code) or ("湖南", "湖南", ""))[1]
        return f"{short}{rng.choice(V.BRANDS)}{rng.choice(V.INDUSTRIES)}{rng.choice(V.COMPANY_FORMS)}"

    def person(self, rng: random.Random) -> str:
        return rng.choice(V.SURNAMES) + rng.choice(V.GIVEN_NAMES)

    def place(self, rng: random.Random, region_code: str) -> str:
        name = (self.region_names.get(region_code) or ("湖南省",))[0]
        return name + rng.choice(V.MARKETS)

    def _fields(self, template: str) -> frozenset[str]:
        fields = self._template_fields.get(template)
        if fields is None:
            fields = self._template_fields[template] = frozenset(
                name for _, name, _, _ in string.Formatter().parse(template) if name)
        return fields

    def _time_of_day(self, rng: random.Random, channel: str) -> float:
        if rng.random() < V.OFF_HOURS_SHARE.get(channel, 0.0):
            return rng.random() * 86400
        return self.hour_picker(rng) * 3600 + rng.random() * 3600

    def _decided(self, rng: random.Random, received_at: datetime, received_on: date, channel: str,
                 decision: str, duration: int | None) -> datetime | None:
        """When the decision was taken; None when that day lies in a year without calendar data (so after
        today: the call is still undecided)."""
        if decision == "answered" and channel in ("phone", "visit", "exhibition"):
            return received_at + timedelta(seconds=(duration or 120) + rng.randint(5, 120))
        roll = rng.random()
        if roll < 0.35:
            return received_at + timedelta(minutes=rng.randint(10, 240))
        k = rng.randint(1, 5) if roll < 0.97 else rng.randint(6, 10)
        day = self.try_add_working_days(received_on, k)
        at = 8.5 * 3600 + rng.random() * 9 * 3600
        return None if day is None else _local(day, at)

    def make_call(self, rng: random.Random, day: date, received_at: datetime, channel: str, request_type: str,
                  call_id: int, ref: str) -> tuple[tuple, list[tuple], str, str]:
        """One call row (+ the caller row when the number is new); returns (row, new_callers, region, kind)."""
        region = self.pick_call_region(rng)
        origin_region = region
        ip_type = self.ip_pickers[request_type](rng)
        year = day.year
        # Caller
        new_callers: list[tuple] = []
        caller_id = phone_raw = caller_name = None
        anonymous = rng.random() < 0.08
        if not anonymous:
            if rng.random() < 0.87:
                if self.callers and rng.random() < 0.25:
                    caller_id = self.callers[int(rng.random() ** 2 * len(self.callers))]
                    phone_raw = self.caller_raw[caller_id]
                    self.caller_last_seen[caller_id] = received_at
                else:
                    phone_raw, key, number_type, area = self._phone(rng, region)
                    caller_id = self.next_caller_id
                    self.next_caller_id += 1
                    self.used_phone_keys.add(key)
                    self.callers.append(caller_id)
                    self.caller_raw[caller_id] = phone_raw
                    new_callers.append((caller_id, key, number_type, area, received_at, received_at))
            if rng.random() < 0.7:
                caller_name = rng.choice(V.SURNAMES) + ("先生" if rng.random() < 0.6 else "女士")
        # What it is about: draw only what the template names.
        accused = product = place = patent = patent_raw = exhibition = description = None
        if request_type == "other":
            template = rng.choice(V.OTHER_REQUESTS)
        elif request_type == "consultation":
            template = rng.choice(V.CONSULTATIONS.get(ip_type) or V.CONSULTATIONS[None])
        else:
            table = {"report": V.REPORTS, "complaint": V.COMPLAINTS, "aid_request": V.AID_REQUESTS}[request_type]
            template = rng.choice(table.get(ip_type) or table["other"])
        needed = self._fields(template)
        values: dict[str, str] = {}
        if "party" in needed:
            values["party"] = self.company(rng, region if region != self.province else "430100") \
                if rng.random() < 0.85 else "个体户" + rng.choice(V.SURNAMES) + "某"
        if "place" in needed:
            values["place"] = self.place(rng, region)
        if "product" in needed:
            values["product"] = rng.choice(V.PRODUCTS)
        if "pn" in needed or "ptype" in needed:
            pn, ptype = self.patent_number(rng, year)
            values["pn"], values["ptype"] = "ZL" + pn, V.PATENT_TYPE_ZH[ptype]
        if "geo" in needed:
            values["geo"] = rng.choice(V.GEO_PRODUCTS)
        summary = template.format(**values) if needed else template
        if "pn" in needed:
            patent = pn
        if request_type not in ("consultation", "other"):
            accused, product, place = values.get("party"), values.get("product"), values.get("place")
            if rng.random() < 0.3:
                description = rng.choice(V.DESCRIPTIONS)
        if patent is not None:
            style = rng.random()
            patent_raw = ("ZL" + pn) if style < 0.5 else (pn if style < 0.8 else f"ZL {pn[:4]} {pn[4]} {pn[5:]}")
        if channel == "exhibition":
            exhibition = rng.choice(V.EXHIBITIONS)
        duration = None
        if channel == "phone":
            duration = max(20, min(3600, int(rng.lognormvariate(5.4, 0.6))))
        elif channel == "visit":
            duration = rng.randint(600, 2400)
        # Decision, transfer, feedback
        decision: str | None = self.decision_pickers[request_type](rng)
        if rng.random() < V.UNDECIDED_SHARE:
            decision = None
        received_on = day
        accept_due_on = self.accept_due(received_on)
        created_at = received_at + timedelta(seconds=min(duration or 180, 900))
        status, version, updated_at = "open", 1, created_at
        decided_at = decided_on = transferred_at = None
        transferred_region = agency = transfer_note = not_accepted_reason = None
        feedback_at = feedback_method = feedback_note = closed_at = None
        if decision is not None:
            decided_at = self._decided(rng, received_at, received_on, channel, decision, duration)
            decided_at = None if decided_at is None else max(decided_at, created_at)
            if decided_at is None or decided_at > self.now:
                decision, decided_at = None, None
        if decision is not None:
            decided_on = decided_at.astimezone(TZ).date()
            status, version, updated_at = decision, 2, decided_at
            if decision == "transferred":
                transferred_at = decided_at
                if ip_type == "patent" or (ip_type is None and request_type != "other"):
                    if region == self.province:
                        region = self.pick_case_region(rng)
                    transferred_region = region
                    transfer_note = f"转{self.region_names[region][0]}知识产权局处理"
                else:
                    city = self.region_names.get(region, ("湖南省",))[0]
                    if ip_type in V.AGENCY_BY_IP_TYPE:
                        agency = city + V.AGENCY_BY_IP_TYPE[ip_type]
                    else:
                        agency = "12345政务服务便民热线" if rng.random() < 0.5 else "12315消费者投诉举报热线"
                    transfer_note = f"转{agency}处理"
            elif decision == "not_accepted":
                not_accepted_reason = rng.choice(V.NOT_ACCEPTED_REASONS)
            elif decision == "case_opened" and region == self.province:
                region = self.pick_case_region(rng)
            if rng.random() < V.FEEDBACK_SHARE[decision]:
                if decision == "answered":
                    given = decided_at
                elif decision == "not_accepted":
                    given = decided_at + timedelta(hours=rng.randint(0, 48))
                else:
                    given = decided_at + timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 8))
                if given <= self.now:
                    feedback_at = closed_at = given
                    feedback_method = V.FEEDBACK_METHOD_BY_CHANNEL[channel]
                    feedback_note = rng.choice(V.FEEDBACK_NOTES[decision])
                    status, version, updated_at = "closed", 3, given
        tokens = self.writer.search_document(summary, accused, caller_name) if self.o.search else None
        row = (call_id, ref, version, received_at, channel, request_type, ip_type, region, status,
               caller_id, phone_raw, caller_name, anonymous, accused, _match_key(accused), patent, patent_raw,
               product, place, summary, description, duration, exhibition, self.demo_id, transferred_region,
               agency, transferred_at, transfer_note, not_accepted_reason, feedback_at, feedback_method,
               feedback_note, closed_at, decided_at, decision, decided_on, accept_due_on, created_at, updated_at,
               tokens)
        if decision == "case_opened":
            self.case_opened_calls.setdefault(region, []).append((received_on, call_id))
        return row, new_callers, origin_region, status

    def generate_calls(self, plans: list[MonthPlan], result: DemoResult) -> None:
        total = sum(p.calls for p in plans)
        if not total:
            return
        first_id = self.reserve_ids(Call.__table__, total)
        self.next_caller_id = self.reserve_ids(Caller.__table__, total)
        self.caller_raw: dict[int, str] = {}
        existing_keys = db.session.scalars(select(Caller.phone_key))
        self.used_phone_keys.update(existing_keys)
        by_year: dict[int, int] = {}
        for p in plans:
            by_year[p.month.year] = by_year.get(p.month.year, 0) + p.calls
        next_number = {y: self.take_numbers("call", y, n) for y, n in by_year.items()}
        prefix = current_app.config["CALL_REF_PREFIX"]
        call_id = first_id
        calls: list[tuple] = []
        callers: list[tuple] = []
        audit: list[tuple] = []
        done, started = 0, time.monotonic()

        def write_callers(rows: list[tuple]) -> None:
            seen = self.caller_last_seen
            self.writer.write(Caller.__table__, CALLER_COLUMNS,
                              [(*c[:5], max(c[5], seen.get(c[0], c[5]))) for c in rows])

        def flush() -> None:
            # The lists go to the writer (its thread may still be sending them): new ones for the next chunk.
            nonlocal callers, calls, audit
            if not self.defer_callers:
                self.writer.write(Caller.__table__, CALLER_COLUMNS, callers)
                callers = []
            elif len(callers) >= DEFERRED_CALLERS:
                # Memory stays bounded: these go now, and their later calls update them at the end.
                write_callers(callers)
                self.callers_written_upto = callers[-1][0]
                callers = []
            self.writer.write(Call.__table__, (*CALL_COLUMNS, "search_vector"), calls)
            self.writer.write(AuditEvent.__table__, AUDIT_COLUMNS, audit)
            calls, audit = [], []

        for p in plans:
            rng = Rng(f"{self.o.seed}:calls:{p.month}")
            channels = [ch for ch, n in apportion(p.calls, V.CHANNEL_MIX).items() for _ in range(n)]
            request_types = [rt for rt, n in apportion(p.calls, V.REQUEST_TYPE_MIX).items() for _ in range(n)]
            rng.shuffle(channels)
            rng.shuffle(request_types)
            days = self._days(p.month)
            per_day = apportion(p.calls, {d: V.DAY_WEIGHTS[self.day_kind(d)] for d in days})
            index = 0
            for day in days:
                n = per_day[day]
                moments = sorted((self._time_of_day(rng, channels[index + i]), index + i) for i in range(n))
                midnight = _local(day, 0)
                for seconds, i in moments:
                    moment = midnight + timedelta(seconds=seconds)
                    if moment > self.now:
                        continue
                    year = day.year
                    number = next_number[year]
                    next_number[year] += 1
                    ref = f"{prefix}-{year}-{number:06d}"
                    row, new_callers, origin_region, _ = self.make_call(rng, day, moment, channels[i],
                                                                        request_types[i], call_id, ref)
                    callers.extend(new_callers)
                    calls.append(row)
                    audit.append((row[-3], self.demo_id, DEMO_USERNAME, "call", call_id, "create",
                                  self.audit_changes, origin_region, None))
                    call_id += 1
                    if len(calls) >= CHUNK_ROWS:
                        done += len(calls)
                        flush()
                        self.say(f"  calls {done:,}/{total:,} ({time.monotonic() - started:.0f} s)")
                index += n
        done += len(calls)
        flush()
        if self.defer_callers:
            # Without foreign keys the callers can come last, each with its last call already known (no UPDATE
            # but for those written early).
            write_callers(callers)
            if self.callers_written_upto is not None:
                self.writer.drain()
                self._update_last_seen(self.callers_written_upto)
        else:
            self.writer.drain()
            self._update_last_seen()
        self._fix_ref_counters(next_number, by_year)
        result.counts["calls"] = done

    def _update_last_seen(self, upto: int | None = None) -> None:
        """Set the callers' last_seen_at to their last call (those up to id ``upto``)."""
        changed = [(cid, seen) for cid, seen in self.caller_last_seen.items() if upto is None or cid <= upto]
        if not changed:
            return
        table = Caller.__table__
        if self.writer.postgres:
            db.session.execute(text("CREATE TEMP TABLE demo_last_seen (id bigint, seen timestamptz) ON COMMIT DROP"))
            with self.writer._raw().cursor() as cur, cur.copy("COPY demo_last_seen (id, seen) FROM STDIN") as copy:
                for row in changed:
                    copy.write_row(row)
            db.session.execute(text("UPDATE callers SET last_seen_at = s.seen FROM demo_last_seen s "
                                    "WHERE callers.id = s.id AND s.seen > callers.last_seen_at"))
            return
        from sqlalchemy import bindparam

        stmt = table.update().where(table.c.id == bindparam("cid")).values(last_seen_at=bindparam("seen"))
        for start in range(0, len(changed), 5000):
            db.session.execute(stmt, [{"cid": c, "seen": s} for c, s in changed[start:start + 5000]])

    def _fix_ref_counters(self, next_number: dict[int, int], by_year: dict[int, int]) -> None:
        """Numbers reserved for calls that were not made (future moments) are given back when nobody took
        numbers after them; otherwise they stay a gap, as a rolled-back intake leaves one."""
        if self.writer.postgres:
            return  # numbers came from the sequence; unused ones stay a gap
        for year, nxt in next_number.items():
            db.session.execute(RefCounter.__table__.update().where(
                RefCounter.kind == "call", RefCounter.year == year).values(value=nxt - 1))

    # Cases --------------------------------------------------------------------------------------------------

    def back_working_days(self, day: date, n: int) -> date:
        while n > 0:
            day -= timedelta(days=1)
            if self.is_working(day):
                n -= 1
        return day

    def _link_call(self, rng: random.Random, region: str, received_on: date) -> int | None:
        pool = self.case_opened_calls.get(region)
        if not pool:
            return None
        hi = bisect.bisect_right(pool, (received_on, float("inf")))
        lo = bisect.bisect_left(pool, (received_on - timedelta(days=20), -1))
        if hi <= lo:
            return None
        return pool.pop(rng.randrange(lo, hi))[1]

    def make_case(self, rng: random.Random, case_type: str, filed_on: date | None, month: Month,
                  rejected: bool) -> dict[str, Any]:
        dispute = case_type != "counterfeit"
        region = self.pick_case_region(rng)
        source = self.source_pickers[case_type](rng)
        group = "discovered" if source in DISCOVERED_SOURCES else "reported"
        c: dict[str, Any] = {"case_type": case_type, "source": source, "region_code": region}
        if rejected:
            days = self._working_days(month)
            received_on = rng.choice(days)
            rejected_on = self.try_add_working_days(received_on, rng.randint(1, 5))
            if rejected_on is not None and rejected_on <= self.today:
                c.update(rejected_on=rejected_on, reject_reason=rng.choice(V.REJECT_REASONS), status="not_accepted")
            else:
                c["status"] = "received"
        else:
            limit_rule = find_rule(rule_set_for(filed_on).code, "file", case_type, group)
            limit = limit_rule.amount if limit_rule else 5
            k = rng.randint(0, limit) if rng.random() < 0.96 else rng.randint(limit + 1, limit + 6)
            received_on = self.back_working_days(filed_on, k)
            c["filed_on"] = filed_on
        c["received_on"] = received_on
        c["rule_set_code"] = rule_set_for(received_on).code
        year = received_on.year
        patent, ptype = self.patent_number(rng, year)
        c["patent_number"], c["patent_type"] = patent, ptype
        product = rng.choice(V.PRODUCTS)
        respondent_is_person = rng.random() < 0.15
        respondent = ("个体工商户" + self.person(rng)) if respondent_is_person else self.company(rng, region)
        c["respondent_name"], c["respondent_kind"] = respondent, "person" if respondent_is_person else "organization"
        # An organization's 法定代表人: the same for the same company, drawn from a generator seeded by its name so
        # the rest of the data stays as it was.
        c["respondent_legal_rep"] = None if respondent_is_person else self.person(Rng(respondent))
        place = self.place(rng, region)
        if dispute:
            requester = self.company(rng, self.pick_case_region(rng)) if rng.random() < 0.7 else self.person(rng)
            c["requester_name"] = requester
            if case_type == "infringement_dispute":
                c["summary"] = (f"请求人{requester}认为被请求人{respondent}制造、销售的{product}落入其"
                                f"{V.PATENT_TYPE_ZH[ptype]}专利（专利号ZL{patent}）的保护范围，请求责令停止侵权")
            else:
                subject = rng.choice(V.OTHER_DISPUTE_SUBJECTS)
                c["summary"] = f"{requester}与{respondent}就专利ZL{patent}的{subject}发生纠纷，请求处理"
            c["amount_involved"] = _money(round(min(5e6, max(1e4, rng.lognormvariate(12.0, 1.0))), -2))
        else:
            c["requester_name"] = self.person(rng) if source in ("request", "hotline_call") else None
            how = rng.choice(("标注已终止的专利号", "标注不存在的专利号", "将专利申请称为专利",
                              "标注他人的专利号"))
            c["summary"] = f"{respondent}在{place}销售的{product}{how}ZL{patent}，涉嫌假冒专利"
            c["amount_involved"] = _money(round(min(5e5, max(200, rng.lognormvariate(8.8, 1.1))), 0))
        c["is_exhibition"] = source == "exhibition" or rng.random() < 0.02
        c["is_ecommerce"] = source == "ecommerce" or rng.random() < 0.04
        c["is_major"] = rng.random() < 0.02
        c["foreign_related"] = rng.random() < (0.08 if dispute else 0.02)
        c["call_id"] = None
        if source == "hotline_call":
            c["call_id"] = self._link_call(rng, region, received_on)
            if c["call_id"] is None:
                c["source"] = source = "request"
        if not rejected:
            self._workflow(rng, c)
        else:
            self._deadlines(c)
        return c

    def _workflow(self, rng: random.Random, c: dict[str, Any]) -> None:
        """Filing → (suspension, extension) → closing → publication, each only when its date has come."""
        case_type, filed_on = c["case_type"], c["filed_on"]
        dispute = case_type != "counterfeit"
        region = c["region_code"]
        c["status"] = "filed"
        officers = self.officers[region]
        c["officers"] = rng.sample(officers, 3 if dispute or rng.random() < 0.2 else 2)
        c["suspensions"], c["extensions"] = [], []
        close_rule = find_rule(c["rule_set_code"], "close", case_type)
        if rng.random() < (0.08 if dispute else 0.01):
            suspended_on = filed_on + timedelta(days=rng.randint(5, 30 if dispute else 12))
            resumed_on = suspended_on + timedelta(days=rng.randint(10, 60))
            if suspended_on <= self.today:
                c["suspensions"].append(SimpleNamespace(
                    suspended_on=suspended_on, resumed_on=resumed_on if resumed_on <= self.today else None,
                    reason=rng.choice(V.SUSPEND_REASONS)))
        if close_rule and close_rule.extension_amount and rng.random() < (0.06 if dispute else 0.05):
            approved_on = filed_on + timedelta(days=rng.randint(15, 25) if not dispute else rng.randint(40, 80))
            if approved_on <= self.today:
                months = close_rule.extension_amount if close_rule.extension_unit == "months" else 0
                days = 0 if months else close_rule.extension_amount
                c["extensions"].append(SimpleNamespace(months=months, days=days, approved_on=approved_on))
        suspended = sum((s.resumed_on - s.suspended_on).days for s in c["suspensions"] if s.resumed_on)
        ongoing = any(s.resumed_on is None for s in c["suspensions"])
        try:
            due = compute(self.cal, close_rule, filed_on, suspended_days=suspended,
                          extension_months=sum(e.months for e in c["extensions"]),
                          extension_days=sum(e.days for e in c["extensions"])).due_on if close_rule else None
        except CalendarMissing:
            # The deadline falls in a year without calendar data (after today): the case is still running, its
            # closing deadline stays empty until an administrator loads that year.
            due = None
        if ongoing:
            c["status"], c["suspended_on"] = "suspended", c["suspensions"][-1].suspended_on
        elif due is not None:
            earliest = max([filed_on + timedelta(days=1)] + [s.resumed_on for s in c["suspensions"]])
            span = max((due - earliest).days, 0)
            try:
                if rng.random() < 0.95:
                    closed_on = earliest + timedelta(days=int(span * rng.uniform(0.25 if dispute else 0.2, 1.0)))
                    closed_on = min(self.cal.roll_forward(closed_on), due)
                else:
                    closed_on = self.cal.roll_forward(due + timedelta(days=rng.randint(1, 30)))
            except CalendarMissing:
                closed_on = None  # in a year the calendar does not have: after today, so not closed yet
            if closed_on is not None and closed_on <= self.today:
                self._close(rng, c, closed_on)
        self._deadlines(c)

    def _close(self, rng: random.Random, c: dict[str, Any], closed_on: date) -> None:
        outcome = self.outcome_pickers[c["case_type"]](rng)
        c.update(status="closed", closed_on=closed_on, outcome=outcome, judicial_confirmation=False,
                 transferred_judicial=outcome == "transferred_police")
        if outcome == "mediated" and rng.random() < 0.2:
            c["judicial_confirmation"] = True
        if outcome == "penalized":
            c["fine_amount"] = _money(min(200000, max(500, round(rng.lognormvariate(8.0, 0.9), -2))))
            if rng.random() < 0.4:
                c["confiscated_amount"] = _money(max(50, round(rng.lognormvariate(7.0, 1.0), 0)))
            c["close_approved_by_id"] = self.supervisors[c["region_code"]]
            c["violation_facts"] = c["summary"] + "，事实清楚，证据确凿。"
            c["penalty_basis"] = V.PENALTY_BASIS
            c["penalty_terms"] = rng.choice(V.PENALTY_TERMS)
            roll = rng.random()
            if roll < 0.97:
                k = rng.randint(1, 7) if roll < 0.72 else (rng.randint(8, 20) if roll < 0.95 else rng.randint(21, 30))
                published_on = self.try_add_working_days(closed_on, k)
                if published_on is not None and published_on <= self.today:
                    c["published_on"] = published_on
                    c["publish_approved_by_id"] = c["close_approved_by_id"]

    def _deadlines(self, c: dict[str, Any]) -> None:
        """The stored deadline columns, exactly as recompute_deadlines sets them."""
        ns = SimpleNamespace(region_code=c["region_code"], case_type=c["case_type"], source=c["source"],
                             rule_set_code=c["rule_set_code"], received_on=c["received_on"], filed_on=c.get("filed_on"),
                             rejected_on=c.get("rejected_on"), closed_on=c.get("closed_on"),
                             outcome=c.get("outcome"), published_on=c.get("published_on"),
                             suspensions=[SimpleNamespace(suspended_on=s.suspended_on, resumed_on=s.resumed_on,
                                                          days=(s.resumed_on - s.suspended_on).days
                                                          if s.resumed_on else None)
                                          for s in c.get("suspensions", [])],
                             extensions=c.get("extensions", []))
        pending = []
        for d in case_deadlines(ns, self.cal, today=self.today):
            if d.kind in ("file", "close", "publish"):
                c[f"{d.kind}_due_on"] = d.due_on
            if d.met_on is None and not d.paused and not d.is_target and d.due_on:
                pending.append(d.due_on)
        c["next_due_on"] = min(pending) if pending else None

    # Live work ----------------------------------------------------------------------------------------------
    # Data that runs up to today is for trying the product: every region's inbox must have work in it, however
    # small the scale. Where the draw left a region without it, its most recent finished item is taken back to
    # where it stood before it was finished (the data stays what the rules allow).

    def ensure_overdue_work(self, cases: list[dict[str, Any]]) -> None:
        """Each region gets a running case past its closing deadline: where none is, the case of the region that
        was closed (not penalized, so nothing was published) with the latest deadline already past is still
        running instead."""
        for region in self.regions:
            mine = [c for c in cases if c["region_code"] == region]
            if any(c["status"] in ("filed", "suspended") and c.get("next_due_on") and c["next_due_on"] < self.today
                   for c in mine):
                continue
            candidates = [c for c in mine if c["status"] == "closed" and c["outcome"] != "penalized"
                          and c.get("close_due_on") and c["close_due_on"] < self.today]
            if not candidates:
                continue
            c = max(candidates, key=lambda c: (c["close_due_on"], c["received_on"]))
            for key in ("closed_on", "outcome"):
                c.pop(key, None)
            c.update(status="filed", judicial_confirmation=False, transferred_judicial=False)
            self._deadlines(c)

    def ensure_open_calls(self) -> None:
        """Each region gets an open call: where none is, its most recent call answered or not accepted within the
        last five working days is still undecided (its decision, feedback and closing undone)."""
        since = _local(self.back_working_days(self.today, 5), 0)
        demo = self.demo_user.id
        for region in [*self.regions, *([province_code()] if self.o.regions is None else [])]:
            mine = and_(Call.operator_id == demo, Call.region_code == region, Call.received_at >= since)
            if db.session.scalar(select(func.count()).select_from(Call).where(mine, Call.status == "open")):
                continue
            call_id = db.session.scalar(select(Call.id).where(mine, Call.decision.in_(("answered", "not_accepted")))
                                        .order_by(Call.received_at.desc(), Call.id.desc()).limit(1))
            if call_id is None:
                continue
            db.session.execute(Call.__table__.update().where(Call.id == call_id).values(
                status="open", version=1, decision=None, decided_at=None, decided_on=None,
                not_accepted_reason=None, feedback_at=None, feedback_method=None, feedback_note=None, closed_at=None,
                updated_at=Call.created_at))

    def generate_cases(self, plans: list[MonthPlan], result: DemoResult) -> None:
        specs: list[tuple[Month, list[dict[str, Any]]]] = []
        started = time.monotonic()
        for p in plans:
            rng = Rng(f"{self.o.seed}:cases:{p.month}")
            working = self._working_days(p.month)
            if not working:
                continue
            month_cases = []
            for case_type in ("infringement_dispute", "other_dispute", "counterfeit"):
                for _ in range(p.filed[case_type]):
                    month_cases.append(self.make_case(rng, case_type, rng.choice(working), p.month, False))
                for _ in range(p.rejected[case_type]):
                    month_cases.append(self.make_case(rng, case_type, None, p.month, True))
            # A request still being examined (not filed, not yet rejected) sorts by its receipt.
            month_cases.sort(key=lambda c: (c.get("filed_on") or c.get("rejected_on") or c["received_on"],
                                            c["received_on"]))
            specs.append((p.month, month_cases))
        if any(p.month == Month.of(self.today) for p in plans):
            self.ensure_overdue_work([c for _, cases in specs for c in cases])
        total = sum(len(cs) for _, cs in specs)
        if not total:
            return
        self.say(f"  cases drawn: {total:,} ({time.monotonic() - started:.0f} s)")
        from hotline.cases.operations import case_numbering

        # The writer's thread may be building the calls' indexes: the session is used between two of its jobs.
        with self.writer.paused():
            case_id = self.reserve_ids(Case.__table__, total)
            numbering = {code: case_numbering(code) for code in {c["region_code"] for _, cs in specs for c in cs}}
            needed: dict[tuple[str, int], int] = {}
            for _, cases in specs:
                for c in cases:
                    if c.get("filed_on"):
                        key = (numbering[c["region_code"]][1], c["filed_on"].year)
                        needed[key] = needed.get(key, 0) + 1
            numbers = {key: self.take_numbers(key[0], key[1], n) for key, n in sorted(needed.items())}
        rows: list[tuple] = []
        audit: list[tuple] = []
        officers: list[tuple] = []
        events: list[tuple] = []
        suspensions: list[tuple] = []
        extensions: list[tuple] = []
        demo_id = self.demo_user.id

        def flush() -> None:
            # The lists go to the writer (its thread may still be sending them): new ones for the next chunk.
            nonlocal rows, audit, officers, events, suspensions, extensions
            self.writer.write(Case.__table__, (*CASE_COLUMNS, "search_vector"), rows)
            self.writer.write(case_officers, ("case_id", "user_id"), officers)
            self.writer.write(CaseSuspension.__table__, SUSPENSION_COLUMNS, suspensions)
            self.writer.write(CaseExtension.__table__, EXTENSION_COLUMNS, extensions)
            self.writer.write(CaseEvent.__table__, EVENT_COLUMNS, events)
            self.writer.write(AuditEvent.__table__, AUDIT_COLUMNS, audit)
            rows, audit, officers, events, suspensions, extensions = [], [], [], [], [], []

        for month, cases in specs:
            rng = Rng(f"{self.o.seed}:case-times:{month}")
            for c in cases:
                c["id"] = case_id
                if c.get("filed_on"):
                    pattern, counter, region = numbering[c["region_code"]]
                    key = (counter, c["filed_on"].year)
                    number = numbers[key]
                    numbers[key] += 1
                    c["case_number"] = pattern.format(year=c["filed_on"].year, number=number, region=region)
                author = c["officers"][0] if c.get("officers") else None
                steps: list[tuple[str, date, str | None, int | None]] = []
                if c.get("filed_on"):
                    steps.append(("filed", c["filed_on"], None, author))
                if c.get("rejected_on"):
                    steps.append(("rejected", c["rejected_on"], c["reject_reason"], None))
                for s in c.get("suspensions", []):
                    steps.append(("suspended", s.suspended_on, s.reason, author))
                    if s.resumed_on:
                        steps.append(("resumed", s.resumed_on, None, author))
                    suspensions.append((case_id, s.suspended_on, s.resumed_on, s.reason))
                for e in c.get("extensions", []):
                    supervisor = self.supervisors[c["region_code"]]
                    short = self.region_names[c["region_code"]][1]
                    note = f"+{e.months} month(s) +{e.days} day(s); approved by {short}负责人（演示）"
                    steps.append(("extended", e.approved_on, note, author))
                    extensions.append((case_id, e.months, e.days, supervisor, e.approved_on, EXTENSION_REASON))
                if c.get("closed_on"):
                    steps.append(("closed", c["closed_on"], c["outcome"], author))
                if c.get("published_on"):
                    steps.append(("publication", c["published_on"], None, author))
                for kind, on, note, who in steps:
                    events.append((case_id, kind, on, note, who, _local(on, 16 * 3600 + rng.random() * 3600)))
                for officer in c.get("officers", []):
                    officers.append((case_id, officer))
                created_at = _local(c["received_on"], 9 * 3600 + rng.random() * 8 * 3600)
                last_day = max(s[1] for s in steps) if steps else c["received_on"]
                updated_at = max(created_at, _local(last_day, 17 * 3600))
                tokens = self.writer.search_document(c["summary"], c["respondent_name"], c.get("requester_name")) \
                    if self.o.search else None
                rows.append((
                    case_id, 1 + len(steps), c.get("case_number"), c["case_type"], c["source"], c["region_code"],
                    c["status"], c["call_id"], c["received_on"], c["rule_set_code"], c.get("requester_name"),
                    c["respondent_name"], c["respondent_kind"], c.get("respondent_legal_rep"), c["patent_number"],
                    c["patent_type"], c["summary"],
                    c["amount_involved"], c.get("fine_amount"), c.get("confiscated_amount"), c["is_major"],
                    c["is_exhibition"], c["is_ecommerce"], c["foreign_related"], c.get("filed_on"),
                    c.get("rejected_on"), c.get("reject_reason"), c.get("suspended_on"), c.get("closed_on"),
                    c.get("outcome"), c.get("judicial_confirmation", False), c.get("transferred_judicial", False),
                    c.get("close_approved_by_id"), c.get("violation_facts"), c.get("penalty_basis"),
                    c.get("penalty_terms"), c.get("published_on"), None, c.get("publish_approved_by_id"),
                    c.get("file_due_on"), c.get("close_due_on"), c.get("publish_due_on"), c.get("next_due_on"),
                    demo_id, created_at, updated_at, tokens))
                audit.append((created_at, demo_id, DEMO_USERNAME, "case", case_id, "create", self.audit_changes,
                              c["region_code"], None))
                case_id += 1
                if len(rows) >= CHUNK_ROWS:
                    flush()
        flush()
        result.counts["cases"] = total

    # Run ----------------------------------------------------------------------------------------------------

    def check_calendar(self, months: Iterable[Month]) -> None:
        years = {m.year for m in months}
        years |= {y - 1 for y in years} | {y + 1 for y in years if y + 1 <= self.today.year}
        have = set()
        for year in years:
            n = db.session.scalar(select(func.count()).select_from(CalendarDay).where(
                CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)))
            if n and n >= 365:
                have.add(year)
        missing = sorted({m.year for m in months} - have)
        if missing:
            raise DemoDataError(f"The working-day calendar has no data for {', '.join(map(str, missing))}; "
                                "run `flask seed` (or load the year's arrangement) first.")

    def _warm_up(self, months: list[Month]) -> None:
        """Read what drawing the rows needs from the database (calendar years, regional holidays, deadline rules)
        before the writer's thread takes the connection."""
        years = {m.year for m in months}
        for year in range(min(years) - 1, max(years) + 2):
            for code in (None, *self.regions):
                view = self.cal.for_region(code)
                # A year without calendar data is reported by check_calendar, not here.
                with contextlib.suppress(CalendarMissing):
                    view.is_working(date(year, 1, 1))
                    view.regional_holidays(year)
        rule_set_for(months[0].first_day)

    def run(self) -> DemoResult:
        started = time.monotonic()
        result = DemoResult()
        if self.writer.postgres:
            # One demo-data run at a time; intakes wait for the counters until this transaction commits.
            db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('hotline.demo-data'))"))
        months = self.months()
        self.check_calendar(months)
        calls, cases = self.existing()
        if calls or cases:
            if not self.o.replace:
                years = f"{min(self.o.years)}–{max(self.o.years)}" if len(self.o.years) > 1 else str(self.o.years[0])
                raise DemoDataError(
                    f"This database already has demo data for {years} ({calls:,} calls, {cases:,} cases made by "
                    f"the '{DEMO_USERNAME}' user). Run again with --replace to delete it and generate anew.")
            result.replaced = self.delete_existing()
            self.say("Deleted the previous demo rows: " + ", ".join(f"{t} {n:,}" for t, n in result.replaced.items()))
        self.ensure_users()
        if result.replaced:
            record_event(SimpleNamespace(id=0, __tablename__="demo_data", region_code=province_code()), "replace",
                         self.demo_user, {k: (v, 0) for k, v in result.replaced.items()},
                         note=f"demo-data --replace {min(self.o.years)}-{max(self.o.years)}")
        plans = self.plan()
        self.say(f"Plan: {len(plans)} month(s), {sum(p.calls for p in plans):,} calls, "
                 f"{sum(sum(p.filed.values()) for p in plans):,} filed cases, "
                 f"{sum(sum(p.rejected.values()) for p in plans):,} requests not accepted (seed {self.o.seed}, "
                 f"scale {self.o.scale:g})")
        planned = sum(p.calls + sum(p.filed.values()) + sum(p.rejected.values()) for p in plans)
        bulk = self.writer.postgres and (self.o.bulk if self.o.bulk is not None else planned >= BULK_ROWS)
        dropped: list[tuple[str, str, str]] = []
        keys: list[tuple[str, str, str]] = []
        if bulk:
            db.session.execute(text("SET LOCAL synchronous_commit = off"))
            db.session.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
            dropped = self.writer.drop_secondary_indexes(FILLED_TABLES)
            keys = self.writer.drop_foreign_keys(FILLED_TABLES)
            self.say(f"Bulk load: {len(dropped)} secondary indexes and {len(keys)} foreign keys dropped for the load")
        self.defer_callers = bulk
        self._warm_up(months)
        self.writer.start(FILLED_TABLES, search_worker=bulk and self.o.search)
        try:
            t0 = time.monotonic()
            self.generate_calls(plans, result)
            if any(p.month == Month.of(self.today) for p in plans):
                self.writer.drain()
                self.ensure_open_calls()
            self.say(f"Calls drawn: {result.counts.get('calls', 0):,} in {time.monotonic() - t0:.1f} s")
            # The calls and callers are complete: their indexes, keys and statistics are made on the server while
            # the cases are drawn here. So are the audit log's indexes: the cases add a tenth to its rows, which
            # cost less to index one by one than the whole log does to index again at the end.
            first = ("calls", "callers")
            self.writer.create_indexes([i for i in dropped if i[0] in (*first, "audit_events")])
            self.writer.add_foreign_keys([k for k in keys if k[0] in first])
            if self.writer.postgres:
                for table in first:
                    self.writer.execute(f"ANALYZE {table}")
            t0 = time.monotonic()
            self.generate_cases(plans, result)
            self.say(f"Cases drawn: {result.counts.get('cases', 0):,} in {time.monotonic() - t0:.1f} s")
            self.writer.create_indexes([i for i in dropped if i[0] not in (*first, "audit_events")])
            self.writer.add_foreign_keys([k for k in keys if k[0] not in first])
            if self.writer.postgres:
                for table in ("cases", "audit_events", "case_events"):
                    self.writer.execute(f"ANALYZE {table}")
            t0 = time.monotonic()
            self.writer.drain()
            waited = f"{time.monotonic() - t0:.1f} s waited for the server after the last row"
            if dropped or keys:
                self.say(f"Indexes built again: {len(dropped)}, foreign keys checked and added again: {len(keys)} "
                         f"(the calls' while the cases were drawn); {waited}")
            elif self.writer.postgres:
                self.say(f"Written: {waited}")
        finally:
            self.writer.close()
        result.counts = {**self.writer.counts}
        result.months = [p.month for p in plans]
        db.session.flush()
        result.seconds = time.monotonic() - started
        return result


def generate(options: DemoOptions) -> DemoResult:
    """Generate and commit the demo data, then build the monthly snapshots of the generated months.

    :raises DemoDataError: existing demo data without ``replace``, unknown regions, no calendar for a year.
    """
    started = time.monotonic()
    generator = DemoGenerator(options)
    try:
        result = generator.run()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if result.months:
        from hotline.stats.operations import build_month, mark_stale

        if options.build_stats:
            t0 = time.monotonic()
            for month in result.months:
                build_month(month)
                db.session.commit()
            options.progress(f"Monthly snapshots built: {len(result.months)} month(s) in {time.monotonic() - t0:.1f} s")
        else:
            mark_stale(*(m.first_day for m in result.months))
            db.session.commit()
    result.seconds = time.monotonic() - started
    return result
