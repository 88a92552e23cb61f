#!/usr/bin/env bash
# `make run`: migrate, seed, make sure an admin exists, then serve on http://127.0.0.1:5000.
# Nothing configured → SQLite under instance/, evidence in instance/evidence, tasks and the beat schedule
# in-process (a scheduler thread in each gunicorn worker; hotline/core/scheduler.py).
# DATABASE_URL / REDIS_URL set → that PostgreSQL and Redis, with a Celery worker and beat beside gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export FLASK_APP=hotline
export HOTLINE_CONFIG="${HOTLINE_CONFIG:-development}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-5000}"

"$BIN/flask" db upgrade
"$BIN/flask" seed
"$BIN/flask" users ensure-admin

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if [[ -n "${REDIS_URL:-}" ]]; then
  echo "Redis configured: starting a Celery worker and beat."
  "$BIN/celery" -A workers.celery_app worker --loglevel=INFO --concurrency=2 &
  pids+=($!)
  "$BIN/celery" -A workers.celery_app beat --loglevel=INFO --schedule "${TMPDIR:-/tmp}/hotline-celerybeat-schedule" &
  pids+=($!)
  WORKERS="${WEB_CONCURRENCY:-4}"
else
  echo "No REDIS_URL: background tasks and the beat schedule run in-process (each job once per due time)."
  WORKERS="${WEB_CONCURRENCY:-2}"
fi
echo "Serving on http://$HOST:$PORT  (Ctrl+C stops)"
"$BIN/gunicorn" -c gunicorn.conf.py --workers "$WORKERS" --bind "$HOST:$PORT" --access-logfile - 'hotline:create_app()' &
pids+=($!)
wait -n "${pids[@]}"
