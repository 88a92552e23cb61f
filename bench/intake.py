#!/usr/bin/env python3
"""Intake throughput: POST /api/v1/calls (bearer token, gunicorn, PostgreSQL) against the floor (bench/floor_app.py).

    .venv/bin/python bench/intake.py [--duration 15] [--connections 16] [--rounds 3] [--workers 4] [--gthreads 4]
                                     [--output bench/RESULTS.md] [--keep]

What it does (see bench/README.md): two fresh databases on 127.0.0.1:5432 (dropped first if they exist),
`flask db upgrade` + `flask seed` + an operator and an API token for the product, `floor_calls` for the
floor; both apps under gunicorn with the product's own gunicorn.conf.py (gthread workers and threads, keep-alive,
gc.freeze after the worker starts; as scripts/run.sh serves it; the floor gets the same configuration, so the
comparison is fair), no access log, LOG_LEVEL=WARNING; one sanity request and a
warm-up each; then interleaved rounds (product, floor, product, floor …) with wrk and bench/post_call.lua,
or a Python load generator when wrk is missing. Medians across rounds, the ratio product/floor, the goals
(ratio >= 0.5, product p99 < 50 ms), row accounting (every 201 has its row and, for the product, its audit
event), then bench/RESULTS.md. Any socket error or any status other than 201 fails the run (exit 1) and
RESULTS.md is left alone. Every process started here is stopped at the end (process groups), the databases
are dropped unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import multiprocessing
import os
import platform
import random
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from array import array
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import bodies  # noqa: E402

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PRODUCT_PATH = "/api/v1/calls"
FLOOR_PATH = "/calls"
GOAL_RATIO = 0.5
GOAL_P99_MS = 50.0
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,50}$")


class BenchError(RuntimeError):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# Processes ------------------------------------------------------------------------------------------------

class Processes:
    """Every long-running process we start, each in its own process group; stop() ends them all."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], *, env: dict, log_path: Path) -> subprocess.Popen:
        fh = open(log_path, "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        fh.close()
        self.procs.append((name, proc))
        return proc

    def stop(self) -> None:
        for name, proc in reversed(self.procs):
            if proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop on SIGTERM; killing its process group")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.procs.clear()


def _raise_on_term(signum, frame):  # SIGTERM → the finally blocks run
    raise KeyboardInterrupt(f"signal {signum}")


# Databases ------------------------------------------------------------------------------------------------

def pg_url(dbname: str, driver: str = "postgresql") -> str:
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def pg_admin():
    import psycopg

    return psycopg.connect(pg_url("postgres"), autocommit=True, connect_timeout=5)


def recreate_database(name: str) -> None:
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query_one(dbname: str, sql: str):
    import psycopg

    with psycopg.connect(pg_url(dbname), connect_timeout=5) as conn:
        return conn.execute(sql).fetchone()[0]


# Setup ----------------------------------------------------------------------------------------------------

def venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found next to {sys.executable} nor on PATH; run `make install`.")
    return found


def run_cli(args: list[str], env: dict, *, stdin: str | None = None) -> str:
    cmd = [venv_bin("flask"), *args]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise BenchError(f"`flask {' '.join(args)}` failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(port: int, path: str, proc: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"server on port {port} exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers; the status does not matter here
        except OSError:
            time.sleep(0.2)
    raise BenchError(f"server on port {port} did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


def post_once(port: int, path: str, body: bytes, token: str | None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body, headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


# CPU accounting -------------------------------------------------------------------------------------------

_CLK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process (Linux /proc), or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                kids.append(int(entry.name))
    return kids


def machine_busy() -> float:
    """CPU seconds all CPUs spent busy since boot (user+nice+system+irq+softirq+steal)."""
    try:
        parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in parts[:8])
    except (OSError, ValueError):
        return 0.0
    return (user + nice + system + irq + softirq + steal) / _CLK


class CpuMeter:
    """CPU used during one run by the app's gunicorn workers, by the PostgreSQL backends connected to its
    database, by the load generator, and by everything else on the machine."""

    def __init__(self, master_pid: int, dbname: str) -> None:
        self.master_pid, self.dbname = master_pid, dbname

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(pg_url(self.dbname), autocommit=True, connect_timeout=5) as conn:
            return [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]

    def _snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        app = {p: c for p in children_of(self.master_pid) if (c := proc_cpu(p)) is not None}
        pg = {p: c for p in self._backends() if (c := proc_cpu(p)) is not None}
        return app, pg

    def start(self) -> None:
        self.app0, self.pg0 = self._snapshot()
        self.busy0 = machine_busy()
        ru = os.times()
        self.kids0 = ru.children_user + ru.children_system
        self.t0 = time.monotonic()

    def stop(self) -> dict:
        busy = machine_busy() - self.busy0
        elapsed = time.monotonic() - self.t0
        ru = os.times()
        loadgen = ru.children_user + ru.children_system - self.kids0
        app1, pg1 = self._snapshot()
        app = sum(c - self.app0.get(p, 0.0) for p, c in app1.items())
        pg = sum(c - self.pg0.get(p, 0.0) for p, c in pg1.items())
        ncpu = os.cpu_count() or 1
        return {"app_cpu_s": app, "pg_cpu_s": pg, "loadgen_cpu_s": loadgen, "machine_busy_s": busy,
                "other_cpu_s": max(0.0, busy - app - pg - loadgen), "elapsed_s": elapsed,
                "machine_busy_pct": 100 * busy / (elapsed * ncpu) if elapsed else 0.0}


# Load generation ------------------------------------------------------------------------------------------

def _result(system: str, label: str, *, requests: int, duration_s: float, latencies_us: dict, statuses: dict,
            socket_errors: dict, first_failure: str | None, tool: str) -> dict:
    ok = statuses.get(201, 0)
    return {
        "system": system, "label": label, "tool": tool, "requests": requests, "duration_s": duration_s,
        "rps": requests / duration_s if duration_s else 0.0,
        "p50_ms": latencies_us["p50"] / 1000, "p90_ms": latencies_us["p90"] / 1000,
        "p99_ms": latencies_us["p99"] / 1000, "max_ms": latencies_us["max"] / 1000,
        "statuses": statuses, "ok": ok, "not_201": sum(n for s, n in statuses.items() if s != 201),
        "socket_errors": socket_errors, "socket_error_total": sum(socket_errors.values()),
        "first_failure": first_failure,
    }


def run_wrk(system: str, label: str, url: str, token: str | None, *, duration: int, connections: int,
            threads: int, seed: int) -> tuple[dict, list[str]]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s",
           "-s", str(BENCH_DIR / "post_call.lua"), url]
    env = dict(os.environ, BENCH_TOKEN=token or "", BENCH_SEED=str(seed))
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    if proc.returncode != 0:
        raise BenchError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    head, fields, statuses, first_failure = parse_bench_lines(proc.stdout)
    if not head:
        raise BenchError(f"no BENCH lines in wrk's output (is bench/post_call.lua's done() intact?):\n{proc.stdout}")
    requests = int(head["requests"])
    duration_s = int(head["duration_us"]) / 1e6
    lat = {k: float(fields[f"latency_us.{k}"]) for k in ("p50", "p90", "p99", "max")}
    errors = {k: int(fields[f"errors.{k}"]) for k in ("connect", "read", "write", "timeout")}
    if sum(statuses.values()) != requests:
        raise BenchError(f"wrk status counts {statuses} do not add up to {requests} requests:\n{proc.stdout}")
    result = _result(system, label, requests=requests, duration_s=duration_s, latencies_us=lat, statuses=statuses,
                     socket_errors=errors, first_failure=first_failure, tool="wrk")
    return result, cmd


def parse_bench_lines(stdout: str) -> tuple[dict[str, str], dict[str, str], dict[int, int], str | None]:
    """The "BENCH " lines of wrk's output (bench/wrk_report.lua): the head (requests, duration, bytes), the other
    fields as "line.key" (errors.read, latency_us.p95 …), the status counts, the first unexpected answer."""
    fields: dict[str, str] = {}
    statuses: dict[int, int] = {}
    first_failure = None
    head: dict[str, str] = {}
    for line in stdout.splitlines():
        if not line.startswith("BENCH "):
            continue
        rest = line[len("BENCH "):]
        if rest.startswith("first_failure "):
            first_failure = first_failure or rest[len("first_failure "):]
        elif rest.startswith("statuses"):
            for part in rest.split()[1:]:
                code, n = part.split("=")
                statuses[int(code)] = int(n)
        elif rest.startswith("requests="):
            head = dict(p.split("=") for p in rest.split())
        else:
            name, *pairs = rest.split()
            for pair in pairs:
                k, v = pair.split("=")
                fields[f"{name}.{k}"] = v
    return head, fields, statuses, first_failure


def _python_load_worker(port, path, token, bodies_seed, n_threads, duration, queue):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    start_at = time.monotonic()
    deadline = start_at + duration
    lock = threading.Lock()
    latencies = array("q")
    statuses: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    first_failure: list[str] = []

    def client(i: int) -> None:
        pool = bodies.make_bodies(bodies_seed * 1000 + i, 500)
        k = random.Random(i).randrange(len(pool))
        local_lat = array("q")
        local_status: dict[int, int] = {}
        conn = None
        while time.monotonic() < deadline:
            body = pool[k]
            k = (k + 1) % len(pool)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    try:
                        conn.connect()
                    except OSError:
                        with lock:
                            errors["connect"] += 1
                        conn = None
                        time.sleep(0.01)
                        continue
                t0 = time.perf_counter_ns()
                conn.request("POST", path, body, headers)
                resp = conn.getresponse()
                text = resp.read()
                elapsed = (time.perf_counter_ns() - t0) // 1000
                if time.monotonic() > deadline:
                    break  # finished after the deadline: not counted (as wrk does)
                local_lat.append(elapsed)
                local_status[resp.status] = local_status.get(resp.status, 0) + 1
                if resp.status != 201 and not first_failure:
                    first_failure.append(f"{resp.status} {text[:300].decode(errors='replace')}")
                if resp.will_close:
                    conn.close()
                    conn = None
            except TimeoutError:
                with lock:
                    errors["timeout"] += 1
                conn = None
            except OSError:
                with lock:
                    errors["read"] += 1
                conn = None
        with lock:
            latencies.extend(local_lat)
            for s, n in local_status.items():
                statuses[s] = statuses.get(s, 0) + n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((latencies.tobytes(), statuses, errors, first_failure[0] if first_failure else None,
               time.monotonic() - start_at))


def run_python_load(system: str, label: str, port: int, path: str, token: str | None, *, duration: int,
                    connections: int, processes: int, seed: int) -> tuple[dict, list[str]]:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    per = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    procs = [ctx.Process(target=_python_load_worker, args=(port, path, token, seed * 10 + i, n, duration, queue))
             for i, n in enumerate(per) if n]
    for p in procs:
        p.start()
    try:
        parts = [queue.get(timeout=duration + 60) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
    latencies = array("q")
    statuses: dict[int, int] = {}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    first_failure = None
    elapsed = 0.0
    for raw, st, err, ff, el in parts:
        chunk = array("q")
        chunk.frombytes(raw)
        latencies.extend(chunk)
        for s, n in st.items():
            statuses[s] = statuses.get(s, 0) + n
        for k, n in err.items():
            errors[k] += n
        first_failure = first_failure or ff
        elapsed = max(elapsed, el)
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        if not ordered:
            return 0.0
        return float(ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))])

    lat = {"p50": pct(50), "p90": pct(90), "p99": pct(99), "max": float(ordered[-1]) if ordered else 0.0}
    result = _result(system, label, requests=len(ordered), duration_s=min(elapsed, float(duration)) or duration,
                     latencies_us=lat, statuses=statuses, socket_errors=errors, first_failure=first_failure,
                     tool="python")
    cmd = ["python-loadgen", f"--processes={processes}", f"-c{connections}", f"-d{duration}s",
           f"http://127.0.0.1:{port}{path}"]
    return result, cmd


# Report ---------------------------------------------------------------------------------------------------

def machine_info(admin_db: str) -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "python": platform.python_version()}
    try:
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal")))
        info["memory"] = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        info["memory"] = "unknown"
    info["postgresql"] = query_one(admin_db, "SHOW server_version")
    info["pg_settings"] = ", ".join(f"{name}={query_one(admin_db, f'SHOW {name}')}" for name in
                                    ("fsync", "synchronous_commit", "shared_buffers", "max_connections"))
    try:
        first = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
        info["wrk"] = first.split(" Copyright")[0].strip()
    except (OSError, IndexError):
        info["wrk"] = "not installed"
    try:
        info["gunicorn"] = subprocess.run([venv_bin("gunicorn"), "--version"], capture_output=True,
                                          text=True).stdout.strip()
    except OSError:
        info["gunicorn"] = "unknown"
    return info


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def fmt_ms(v: float) -> str:
    return f"{v:.1f} ms"


def summarize(rounds: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p90_ms": statistics.median(r["p90_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "app_ms_per_req": statistics.median(r["app_ms_per_req"] for r in rounds),
        "pg_ms_per_req": statistics.median(r["pg_ms_per_req"] for r in rounds),
        "other_pct": statistics.median(r["other_pct"] for r in rounds),
        "errors": sum(r["socket_error_total"] + r["not_201"] for r in rounds),
        "requests": sum(r["requests"] for r in rounds),
    }


def cpu_cost_ratio(med_p: dict, med_f: dict) -> float:
    product = med_p["app_ms_per_req"] + med_p["pg_ms_per_req"]
    floor = med_f["app_ms_per_req"] + med_f["pg_ms_per_req"]
    return floor / product if product else 0.0


def write_results(path: Path, *, args, command: str, load_cmds: dict, info: dict, product: list[dict],
                  floor: list[dict], med_p: dict, med_f: dict, ratio: float, accounting: list[str],
                  started: dt.datetime, git_rev: str, load_before: str, load_after: str) -> None:
    ratio_ok = ratio >= GOAL_RATIO
    p99_ok = med_p["p99_ms"] < GOAL_P99_MS
    lines = [
        "# Intake throughput: POST /api/v1/calls against the floor",
        "",
        "Written by `bench/intake.py` (see bench/README.md) — measured figures, not edited by hand.",
        "",
        f"- Date: {started.strftime('%Y-%m-%d %H:%M')} UTC; commit `{git_rev}`",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, Linux {info['kernel']}, "
        f"Python {info['python']}",
        f"- PostgreSQL {info['postgresql']} on {PG_HOST}:{PG_PORT} ({info['pg_settings']}); "
        "load generator, both servers and PostgreSQL share the machine",
        f"- Servers: {info['gunicorn']} with gunicorn.conf.py (both apps): {args.workers} gthread workers × "
        f"{args.gthreads} threads, access log off, log level WARNING; "
        f"load: {info['wrk'] if product[0]['tool'] == 'wrk' else 'Python load generator (wrk not installed)'}",
        f"- Load average (1, 5, 15 min) before the setup: {load_before}; after the last round: {load_after} "
        "(other work on the machine competes for the same CPUs; the interleaving spreads it over both systems)",
        f"- {args.connections} concurrent connections, {args.duration} s per run, {args.rounds} interleaved rounds "
        f"(product, floor, product, floor, …) after a {args.warmup} s warm-up of each",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Load generator per run:",
        "",
        "```",
        load_cmds["product"],
        load_cmds["floor"],
        "```",
        "",
        "The product: `POST /api/v1/calls` with `Authorization: Bearer …` (an operator token), the full intake "
        "(token auth, validation, phone and patent number normalization, caller upsert, reference number, "
        "duplicate check, audit event, commit). The floor: `bench/floor_app.py`, Flask + SQLAlchemy Core, the "
        "same JSON bodies, required fields and types checked, one `INSERT … RETURNING id`, commit. Bodies "
        "(bench/post_call.lua): 10 fields, 400 recurring callers, 80 accused parties, 200 patent numbers with "
        "valid check characters, Chinese names and summaries, received within the last 5 days (+08:00).",
        "",
        "CPU columns: CPU seconds used during the run by the app's gunicorn workers and by the PostgreSQL "
        "backends connected to its database (from /proc), divided by the requests answered; *others*: CPU "
        "used meanwhile by everything else on the machine (other processes, PostgreSQL's WAL writer and "
        "checkpointer, the kernel), as a share of all CPUs — the load generator's own CPU is not in it.",
        "",
    ]
    for title, rounds, med in (("Product: POST /api/v1/calls", product, med_p),
                               ("Floor: bench/floor_app.py", floor, med_f)):
        lines += [f"## {title}", "",
                  "| round | req/s | p50 | p90 | p99 | max | requests | errors | app CPU/req | PG CPU/req | others |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for i, r in enumerate(rounds, 1):
            lines.append(f"| {i} | {r['rps']:.0f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p90_ms'])} | "
                         f"{fmt_ms(r['p99_ms'])} | {fmt_ms(r['max_ms'])} | {r['requests']} | "
                         f"{r['socket_error_total'] + r['not_201']} | {r['app_ms_per_req']:.2f} ms | "
                         f"{r['pg_ms_per_req']:.2f} ms | {r['other_pct']:.0f}% |")
        lines.append(f"| **median** | **{med['rps']:.0f}** | **{fmt_ms(med['p50_ms'])}** | {fmt_ms(med['p90_ms'])} | "
                     f"**{fmt_ms(med['p99_ms'])}** | | {med['requests']} | {med['errors']} | "
                     f"{med['app_ms_per_req']:.2f} ms | {med['pg_ms_per_req']:.2f} ms | {med['other_pct']:.0f}% |")
        lines.append("")
    per_round = ", ".join(f"{p['rps'] / f['rps']:.2f}" for p, f in zip(product, floor, strict=True))
    cpu_ratio = cpu_cost_ratio(med_p, med_f)
    lines += [
        "## Result",
        "",
        f"- Ratio product/floor (median req/s): **{ratio:.2f}** (per round: {per_round}) — goal ≥ {GOAL_RATIO}: "
        f"**{'met' if ratio_ok else 'NOT met'}**",
        f"- Cross-check from CPU cost (floor's app+PG CPU per request ÷ the product's, medians): {cpu_ratio:.2f} — "
        "both systems are CPU-bound here, so throughput follows CPU per request; this figure is less sensitive "
        "to other load on the machine than req/s",
        f"- Product p99 (median of rounds): **{fmt_ms(med_p['p99_ms'])}** — goal < {GOAL_P99_MS:.0f} ms: "
        f"**{'met' if p99_ok else 'NOT met'}**",
        "- Errors: 0 socket errors, every response 201 (the script refuses to write this file otherwise)",
        "",
        "Row accounting after the run (sanity request + warm-up + rounds; a request still in flight when a run's "
        "time is up is committed by the server but not counted by the load generator, so rows may exceed the "
        "201s by at most the number of connections per run):",
        "",
        *[f"- {line}" for line in accounting],
        "",
    ]
    section = "\n".join([INTAKE_BEGIN, *lines, INTAKE_END]) + "\n"
    text = path.read_text() if path.exists() else ""
    if INTAKE_BEGIN in text and INTAKE_END in text:
        head, rest = text.split(INTAKE_BEGIN, 1)
        previous, tail = rest.split(INTAKE_END, 1)
        # The run this one replaces is kept below it, as history (the newest history first).
        previous = previous.strip("\n").replace(
            "# Intake throughput: POST /api/v1/calls against the floor",
            "# Intake throughput, an earlier run (kept for comparison; the current run is above)", 1)
        text = head + section + "\n" + previous + "\n" + tail
    else:
        # Other benchmarks write their own sections into the same file: append, never overwrite them.
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    path.write_text(text)


INTAKE_BEGIN = "<!-- intake.py: begin (written by bench/intake.py; edits here are overwritten) -->"
INTAKE_END = "<!-- intake.py: end -->"


# Main -----------------------------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=int, default=15, help="seconds per measured run (default 15, at least 15 "
                                                           "for a result that counts)")
    p.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds per system (default 3)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers per app (default 4, as gunicorn.conf.py)")
    p.add_argument("--gthreads", type=int, default=4, help="threads per gunicorn worker (default 4, as "
                                                           "gunicorn.conf.py)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up seconds per system (default 5)")
    p.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"), help="results file (default bench/RESULTS.md)")
    p.add_argument("--db-name", default="hotline_bench", help="product database (the floor gets NAME_floor); "
                                                               "dropped and recreated")
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto",
                   help="auto: wrk if installed, else the Python load generator")
    p.add_argument("--keep", action="store_true", help="keep the databases afterwards (for inspection)")
    p.add_argument("--no-write", action="store_true", help="print the figures, do not write the results file")
    p.add_argument("--strict-goals", action="store_true", help="exit 2 when a goal is missed")
    args = p.parse_args(argv)
    if not _IDENT.match(args.db_name):
        p.error("--db-name must be a lower-case SQL identifier")
    if args.rounds < 1 or args.duration < 1 or args.connections < 1 or args.workers < 1 or args.gthreads < 1:
        p.error("rounds, duration, connections and workers must be positive")
    return args


def git_revision() -> str:
    if os.environ.get("BENCH_GIT_REV"):  # a snapshot without .git (git archive) says what it is
        return os.environ["BENCH_GIT_REV"]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_term)
    started = dt.datetime.now(dt.UTC)
    load_before = loadavg()
    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
        if loadgen == "python":
            log("wrk is not installed (apt-get install wrk); falling back to the Python load generator, "
                "which needs CPU itself: its figures are lower than wrk's")
    elif loadgen == "wrk" and not shutil.which("wrk"):
        raise BenchError("wrk is not installed: apt-get install wrk (or use --loadgen python)")
    if args.duration < 15:
        log(f"note: --duration {args.duration} is below the 15 s the issue asks for; fine for a try, not for RESULTS")

    product_db, floor_db = args.db_name, f"{args.db_name}_floor"
    procs = Processes()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    created: list[str] = []
    clean = False  # keep the server logs when something went wrong
    try:
        import psycopg  # noqa: F401  (fail early with a clear message)
    except ImportError as exc:
        raise BenchError("psycopg is not installed in this Python; run with .venv/bin/python") from exc
    try:
        log(f"creating databases {product_db} and {floor_db} on {PG_HOST}:{PG_PORT}")
        for name in (product_db, floor_db):
            recreate_database(name)
            created.append(name)

        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL", "FLASK_DEBUG")}
        env.update(DATABASE_URL=pg_url(product_db), HOTLINE_CONFIG="production", SECRET_KEY=secrets.token_hex(32),
                   SESSION_COOKIE_SECURE="0", FLASK_APP="hotline", LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1",
                   HOTLINE_INSTANCE_DIR=str(workdir / "instance"))
        log("flask db upgrade, flask seed, operator and token")
        run_cli(["db", "upgrade"], env)
        run_cli(["seed"], env)
        # The intake comes through an integration (the telephony switch): a service account with the operator role.
        run_cli(["users", "create", "benchop", "--role", "operator", "--region", "430000", "--service"], env)
        token = run_cli(["users", "token", "benchop"], env).strip().splitlines()[-1].strip()
        if not token.startswith("hl_"):
            raise BenchError(f"unexpected output of `flask users token`: {token!r}")

        import floor_app

        floor_app.create_floor_tables(pg_url(floor_db))
        floor_env = dict(env, FLOOR_DATABASE_URL=pg_url(floor_db, "postgresql+psycopg"))
        floor_env.pop("DATABASE_URL")

        gunicorn = venv_bin("gunicorn")
        # Both apps with the product's own gunicorn.conf.py (gthread, as scripts/run.sh serves it), the same
        # worker and thread counts for both.
        common = ["-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(args.workers), "--threads",
                  str(args.gthreads), "--log-level", "warning"]
        product_port, floor_port = free_port(), free_port()
        while floor_port == product_port:
            floor_port = free_port()
        product_log, floor_log = workdir / "product.log", workdir / "floor.log"
        log(f"starting gunicorn: product on :{product_port}, floor on :{floor_port} ({args.workers} workers each)")
        product_proc = procs.start("product", [gunicorn, *common, "-b", f"127.0.0.1:{product_port}",
                                               "hotline:create_app()"], env=env, log_path=product_log)
        floor_proc = procs.start("floor", [gunicorn, *common, "-b", f"127.0.0.1:{floor_port}", "--pythonpath",
                                           str(BENCH_DIR), "floor_app:create_floor_app()"], env=floor_env,
                                 log_path=floor_log)
        wait_for_http(product_port, "/api/v1/health", product_proc, product_log)
        wait_for_http(floor_port, FLOOR_PATH, floor_proc, floor_log)

        sample = bodies.make_bodies(20260101, 1)[0]
        ok_total = {"product": 0, "floor": 0}
        runs_total = {"product": 0, "floor": 0}
        for system, port, path, tok in (("product", product_port, PRODUCT_PATH, token),
                                        ("floor", floor_port, FLOOR_PATH, None)):
            status, text = post_once(port, path, sample, tok)
            if status != 201:
                hint = (" — does the route POST /api/v1/calls exist yet?"
                        if system == "product" and status in (404, 405) else "")
                raise BenchError(f"sanity request to the {system} answered {status}{hint}:\n{text[:1000]}")
            ok_total[system] += 1
            runs_total[system] += 1
        log("sanity requests answered 201")

        meters = {"product": CpuMeter(product_proc.pid, product_db), "floor": CpuMeter(floor_proc.pid, floor_db)}

        def measure(system: str, label: str, duration: int, seed: int) -> tuple[dict, list[str]]:
            port, path, tok = ((product_port, PRODUCT_PATH, token) if system == "product"
                               else (floor_port, FLOOR_PATH, None))
            meters[system].start()
            if loadgen == "wrk":
                result, cmd = run_wrk(system, label, f"http://127.0.0.1:{port}{path}", tok, duration=duration,
                                      connections=args.connections, threads=args.threads, seed=seed)
            else:
                result, cmd = run_python_load(system, label, port, path, tok, duration=duration,
                                              connections=args.connections, processes=max(1, args.threads),
                                              seed=seed)
            cpu = meters[system].stop()
            n = max(1, result["requests"])
            result.update(cpu, app_ms_per_req=1000 * cpu["app_cpu_s"] / n, pg_ms_per_req=1000 * cpu["pg_cpu_s"] / n,
                          other_pct=100 * cpu["other_cpu_s"] / (cpu["elapsed_s"] * (os.cpu_count() or 1)))
            ok_total[system] += result["ok"]
            runs_total[system] += 1
            flag = ""
            if result["socket_error_total"] or result["not_201"]:
                flag = f"  ERRORS: statuses {result['statuses']} socket {result['socket_errors']}"
                if result["first_failure"]:
                    flag += f"\n      first failure: {result['first_failure']}"
            log(f"{label:<16} {system:<7} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                f"p90 {result['p90_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  n={result['requests']}  "
                f"CPU/req app {result['app_ms_per_req']:.2f} ms, PG {result['pg_ms_per_req']:.2f} ms; "
                f"others {result['other_pct']:.0f}% of the machine{flag}")
            return result, cmd

        results: list[dict] = []
        load_cmds: dict[str, str] = {}
        if args.warmup > 0:
            for system in ("product", "floor"):
                results.append(measure(system, "warm-up", args.warmup, seed=99)[0])
        for i in range(1, args.rounds + 1):
            for system in ("product", "floor"):
                result, cmd = measure(system, f"round {i}", args.duration, seed=i)
                results.append(result)
                shown = [c if not c.startswith("http://127.0.0.1:") else
                         re.sub(r":\d+/", ":PORT/", c) for c in cmd]
                prefix = "BENCH_TOKEN=<operator token> " if system == "product" else ""
                load_cmds[system] = prefix + shlex.join([Path(shown[0]).name if "/" in shown[0] else shown[0],
                                                          *shown[1:]]).replace(str(BENCH_DIR) + "/", "bench/")
        for name, proc in procs.procs:
            if proc.poll() is not None:
                raise BenchError(f"{name} server died during the run (exit {proc.returncode})")

        load_after = loadavg()
        log(f"load average before {load_before}, after {load_after}")

        # Row accounting --------------------------------------------------------------------------------
        calls = query_one(product_db, "SELECT count(*) FROM calls")
        audit = query_one(product_db, "SELECT count(*) FROM audit_events "
                                      "WHERE object_type = 'call' AND action = 'create'")
        unaudited = query_one(product_db, "SELECT count(*) FROM calls c WHERE NOT EXISTS (SELECT 1 FROM audit_events "
                                          "a WHERE a.object_type = 'call' AND a.object_id = c.id AND a.action = "
                                          "'create')")
        callers = query_one(product_db, "SELECT count(*) FROM callers")
        floor_rows = query_one(floor_db, "SELECT count(*) FROM floor_calls")
        slack_p = runs_total["product"] * args.connections
        slack_f = runs_total["floor"] * args.connections
        accounting = [
            f"product: {ok_total['product']} responses 201, {calls} rows in calls (+{calls - ok_total['product']} "
            f"in flight at run ends, bound {slack_p}), {audit} create events in audit_events, {unaudited} calls "
            f"without their audit event, {callers} distinct callers",
            f"floor: {ok_total['floor']} responses 201, {floor_rows} rows in floor_calls "
            f"(+{floor_rows - ok_total['floor']} in flight at run ends, bound {slack_f})",
        ]
        for line in accounting:
            log("rows: " + line)

        failures = []
        for r in results:
            if r["socket_error_total"] or r["not_201"]:
                failures.append(f"{r['label']} {r['system']}: statuses {r['statuses']}, socket errors "
                                f"{r['socket_errors']}" + (f", first failure: {r['first_failure']}"
                                                           if r["first_failure"] else ""))
        if not (ok_total["product"] <= calls <= ok_total["product"] + slack_p):
            failures.append(f"product rows {calls} do not match {ok_total['product']} responses 201")
        if audit != calls or unaudited:
            failures.append(f"product: {calls} calls but {audit} audit create events ({unaudited} calls unaudited)")
        if not (ok_total["floor"] <= floor_rows <= ok_total["floor"] + slack_f):
            failures.append(f"floor rows {floor_rows} do not match {ok_total['floor']} responses 201")
        if failures:
            for f in failures:
                log("FAIL " + f)
            return 1

        measured = [r for r in results if r["label"] != "warm-up"]
        product = [r for r in measured if r["system"] == "product"]
        floor = [r for r in measured if r["system"] == "floor"]
        med_p, med_f = summarize(product), summarize(floor)
        ratio = med_p["rps"] / med_f["rps"]
        ratio_ok, p99_ok = ratio >= GOAL_RATIO, med_p["p99_ms"] < GOAL_P99_MS
        print()
        print(f"{'':10} {'req/s':>8} {'p50':>9} {'p90':>9} {'p99':>9}  (medians of {args.rounds} rounds)")
        for name, med in (("product", med_p), ("floor", med_f)):
            print(f"{name:10} {med['rps']:8.1f} {med['p50_ms']:6.1f} ms {med['p90_ms']:6.1f} ms "
                  f"{med['p99_ms']:6.1f} ms")
        print(f"CPU per request (app + PG): product {med_p['app_ms_per_req'] + med_p['pg_ms_per_req']:.2f} ms, "
              f"floor {med_f['app_ms_per_req'] + med_f['pg_ms_per_req']:.2f} ms -> CPU-cost ratio "
              f"{cpu_cost_ratio(med_p, med_f):.2f}")
        print(f"ratio product/floor {ratio:.2f} (goal >= {GOAL_RATIO}: {'met' if ratio_ok else 'NOT MET'}); "
              f"product p99 {med_p['p99_ms']:.1f} ms (goal < {GOAL_P99_MS:.0f} ms: {'met' if p99_ok else 'NOT MET'})")

        exe = Path(sys.executable)
        exe_shown = f".venv/bin/{exe.name}" if exe.parent.parent.name == ".venv" else "python"
        script = Path(sys.argv[0]).resolve()
        try:
            script_shown = str(script.relative_to(ROOT))
        except ValueError:
            script_shown = str(script)
        command = shlex.join([exe_shown, script_shown, *argv])
        if not args.no_write:
            info = machine_info(product_db)
            out = Path(args.output)
            write_results(out, args=args, command=command, load_cmds=load_cmds, info=info, product=product,
                          floor=floor, med_p=med_p, med_f=med_f, ratio=ratio, accounting=accounting,
                          started=started, git_rev=git_revision(), load_before=load_before,
                          load_after=load_after)
            log(f"wrote {out}")
        clean = True
        if args.strict_goals and not (ratio_ok and p99_ok):
            return 2
        return 0
    finally:
        procs.stop()
        if args.keep:
            log(f"kept databases {', '.join(created)}; server logs in {workdir}")
        else:
            for name in created:
                try:
                    drop_database(name)
                except Exception as exc:  # noqa: BLE001 (report, keep cleaning up)
                    log(f"could not drop {name}: {exc}")
        if clean and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"server logs: {workdir}")


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(f"bench/intake.py: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench/intake.py: interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
