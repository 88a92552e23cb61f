"""The embedded mode (`make run` with nothing configured: SQLite, gunicorn workers, tasks in-process) under
concurrent operators: every call is saved and answered 201, none is refused with "database is locked" (503).

Real processes: the product's gunicorn.conf.py serving two workers on one SQLite file, as scripts/run.sh does.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.faults.conftest import ROOT, _wait_port, free_port

OPERATORS = 6
CALLS_EACH = 25
READERS = 2


def _env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TEST_", "HOTLINE_")) and key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(FLASK_APP="hotline", HOTLINE_CONFIG="development", HOTLINE_INSTANCE_DIR=str(workdir),
               DATABASE_URL=f"sqlite:///{workdir / 'hotline.sqlite3'}", PYTHONUNBUFFERED="1")
    return env


def _flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def embedded_server(backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("the embedded mode is SQLite's (run with --db=sqlite)")
    env = _env(tmp_path)
    _flask(env, "db", "upgrade")
    _flask(env, "seed")
    # The operators' calls come through an integration (the telephony switch): a service account with their role.
    _flask(env, "users", "create", "op", "--role", "operator", "--region", "430100", "--service")
    token = _flask(env, "users", "token", "op").strip().splitlines()[-1]
    port = free_port()
    with open(tmp_path / "gunicorn.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "hotline:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_port(port, up=True, timeout=30)
        yield f"http://127.0.0.1:{port}", token, tmp_path / "hotline.sqlite3"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _request(url: str, token: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET", headers={  # noqa: S310
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - the test server on 127.0.0.1
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_concurrent_intake_on_sqlite_saves_every_call(embedded_server):
    base, token, database = embedded_server
    received = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(hours=1)).isoformat()
    statuses: list[int] = []
    reads: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(OPERATORS + READERS)
    writing = threading.Event()

    def operator(n: int) -> None:
        start.wait()
        for i in range(CALLS_EACH):
            status = _request(f"{base}/api/v1/calls", token, {
                "received_at": received, "channel": "phone", "request_type": "complaint", "ip_type": "patent",
                "region_code": "430100", "caller_name": "张三丰", "caller_phone": f"1381234{n:02d}{i:02d}",
                "summary": f"并发受理 {n}-{i}"})
            with lock:
                statuses.append(status)

    def reader() -> None:
        start.wait()
        while not writing.is_set():
            status = _request(f"{base}/api/v1/calls?page_size=20", token)
            with lock:
                reads.append(status)

    writers = [threading.Thread(target=operator, args=(n,)) for n in range(OPERATORS)]
    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    writing.set()
    for thread in readers:
        thread.join(timeout=60)

    assert sorted(set(statuses)) == [201], {s: statuses.count(s) for s in set(statuses)}
    assert len(statuses) == OPERATORS * CALLS_EACH
    assert reads and set(reads) == {200}
    time.sleep(0.2)
    with sqlite3.connect(database) as conn:
        saved = conn.execute("SELECT count(*), count(DISTINCT ref) FROM calls").fetchone()
    assert saved == (OPERATORS * CALLS_EACH, OPERATORS * CALLS_EACH)
