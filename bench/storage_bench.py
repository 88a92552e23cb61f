"""Evidence storage throughput: write and read back (SHA-256 checked) a file through each backend.

    .venv/bin/python bench/storage_bench.py [--mib 20] [--files 5] [--pg postgresql://postgres@127.0.0.1:5432]

Backends: the local folder, the database (SQLite file and PostgreSQL, a database ``storage_bench`` created and
dropped here) and moto's S3 server (started on 127.0.0.1 for the run). Prints MiB/s and the peak Python memory of
one write and one read (tracemalloc), which stays a few chunks whatever the file size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _pieces(data: bytes, size: int = 256 * 1024):
    for start in range(0, len(data), size):
        yield data[start:start + size]


def _app(db_url: str, upload_dir: Path):
    import flask_migrate

    from config import TestingConfig
    from hotline import create_app

    app = create_app(type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": db_url,
                                                            "HOTLINE_UPLOAD_DIR": str(upload_dir)}))
    with app.app_context():
        flask_migrate.upgrade()
    return app


def measure(app, url: str, data: bytes, files: int) -> dict:
    from hotline.extensions import db
    from hotline.storage import from_url

    with app.app_context():
        storage = from_url(url)
        storage.put("warmup", [b"x"])  # the S3 client loads its service model once; not part of a file's cost
        storage.delete("warmup")
        db.session.commit()
        start = time.perf_counter()
        tracemalloc.start()
        stored = [storage.put(f"bench{i}", _pieces(data)) for i in range(files)]
        db.session.commit()
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        written = time.perf_counter()
        for s in stored:
            for _chunk in storage.stream(s.key, s.sha256):
                pass
        _, read_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        done = time.perf_counter()
        for s in stored:
            storage.delete(s.key)
        db.session.commit()
    mib = len(data) * files / 2**20
    return {"write": mib / (written - start), "read": mib / (done - written), "write_peak": write_peak / 2**20,
            "read_peak": read_peak / 2**20}


def _moto():
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    number = port.getsockname()[1]
    port.close()
    binary = shutil.which("moto_server") or str(Path(sys.executable).parent / "moto_server")
    process = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(number)], stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{number}"
    for _ in range(150):
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1).close()  # noqa: S310 - local server
            break
        except OSError:
            time.sleep(0.2)
    return process, endpoint


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=20)
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    data = os.urandom(args.mib * 2**20)
    work = Path(tempfile.mkdtemp(prefix="storage-bench-"))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    moto, endpoint = _moto()
    from config import database_url

    admin = sa.create_engine(database_url(args.pg + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "storage_bench"'))
        conn.execute(sa.text('CREATE DATABASE "storage_bench"'))
    try:
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="bench")
        sqlite_app = _app(f"sqlite:///{work / 'bench.sqlite3'}", work / "uploads")
        pg_app = _app(database_url(args.pg + "/storage_bench"), work / "uploads")
        rows = [("file: (local folder)", sqlite_app, f"file:{work / 'folder'}"),
                ("db: on SQLite", sqlite_app, "db:"),
                ("db: on PostgreSQL", pg_app, "db:"),
                ("s3:// (moto server)", sqlite_app, f"s3://bench?endpoint={endpoint}&region=us-east-1")]
        print(f"{args.files} files of {args.mib} MiB each, written from 256 KiB pieces, read back with SHA-256 check")
        print("| backend | write MiB/s | read MiB/s | peak Python memory write / read |")
        print("| --- | ---: | ---: | --- |")
        for label, app, url in rows:
            r = measure(app, url, data, args.files)
            peaks = f"{r['write_peak']:.1f} / {r['read_peak']:.1f} MiB"
            print(f"| {label} | {r['write']:.0f} | {r['read']:.0f} | {peaks} |")
    finally:
        moto.terminate()
        shutil.rmtree(work, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS "storage_bench" WITH (FORCE)'))


if __name__ == "__main__":
    main()
