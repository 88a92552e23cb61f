"""gunicorn settings for hotline (``gunicorn -c gunicorn.conf.py 'hotline:create_app()'``; scripts/run.sh uses it).

gthread workers: a connection is handed to a thread only once its request has arrived, so clients that keep a
connection open between requests (browsers with keep-alive, a person reading a page) do not hold a worker. Sync
workers would wait on such a connection — with no buffering proxy in front, a handful of idle clients stall
every worker (bench/RESULTS.md, the users run of the mixed load).

Four threads per worker: a connection stays with the worker that accepted it, so a request waits there while
that worker's threads are busy even when another worker is idle; with two threads, single requests of the
mixed load's users waited 400-700 ms behind two slow ones (p99), with four less often (bench/RESULTS.md).
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", 4))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
keepalive = 5
timeout = 60


def post_worker_init(worker):
    """Take what the worker loaded at start (the app, SQLAlchemy's mappers, Babel's and phonenumbers' data: about
    150,000 objects) out of the garbage collector's sight with ``gc.freeze()`` (Python's documented tool for
    this). Otherwise every full collection scans them all again: a pause of ~75 ms of the whole worker, both
    threads' requests included, that shows up as the slowest requests under load (bench/RESULTS.md).
    """
    import gc

    gc.collect()
    gc.freeze()
    _start_embedded_scheduler(worker)


def _start_embedded_scheduler(worker):
    """Embedded mode (no REDIS_URL): this worker runs the beat schedule's jobs in-process; a ``scheduled_runs`` row
    per due time makes each run once across all workers (hotline/core/scheduler.py)."""
    from flask import Flask

    from hotline.core.scheduler import start_embedded

    app = worker.wsgi
    if isinstance(app, Flask):
        start_embedded(app)
