"""Several machines on this one: network namespaces joined by a bridge, each running one host of the deployment.

``Cluster`` builds, for one test run, a private /24 in 10.233.0.0/16 (a bridge in the root namespace, address .1,
where the test itself runs) and one namespace per host, each with a veth link into the bridge:

    .10 db       the test's own PostgreSQL cluster (initdb into a temporary directory, run as ``postgres``)
    .11 redis    the test's own redis-server
    .21 web-a    gunicorn -c gunicorn.conf.py 'hotline:create_app()'   (production configuration)
    .22 web-b    the same
    .30 lb       Debian's nginx, both web hosts upstream, the next one tried on connection errors
    .40 worker   celery -A workers.celery_app worker -B   (beat inside the worker)

Traffic stays on the bridge: nothing listens on the machine's addresses, the machine's shared PostgreSQL and
Redis are never used. Names carry a random run id, so runs side by side do not meet. ``close()`` stops every
process this cluster started (by process group) and deletes the namespaces and the bridge; the test calls it in
a finalizer, so a failing run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_PORT, REDIS_PORT, WEB_PORT, LB_PORT = 5432, 6379, 8000, 8080
HOSTS = {"db": 10, "redis": 11, "web-a": 21, "web-b": 22, "lb": 30, "worker": 40}


_ERROR_WORDS = ("ERROR", "CRITICAL", "Traceback", "[error]", "[crit]", "[emerg]", "FATAL", "PANIC")


class ClusterError(RuntimeError):
    pass


def run(cmd: list[str], *, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)  # noqa: S603 - fixed argv
    if check and result.returncode != 0:
        raise ClusterError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL server binaries (/usr/lib/postgresql/<version>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def missing_tools() -> list[str]:
    missing = [tool for tool in ("ip", "nginx", "redis-server", "setpriv") if shutil.which(tool) is None]
    if postgres_bin() is None:
        missing.append("postgresql (initdb)")
    return missing


def ensure_nginx() -> None:
    """CI installs what this test needs itself (a no-op when nginx is there)."""
    if shutil.which("nginx") is None:
        run(["apt-get", "update"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        run(["apt-get", "install", "-y", "--no-install-recommends", "nginx"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def wait_tcp(address: str, port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ClusterError(f"{what or proc.args!r} exited ({proc.returncode}) before listening on "
                               f"{address}:{port}")
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ClusterError(f"{what} did not listen on {address}:{port} within {timeout:.0f} s")


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    """Until ``url`` answers 200 (gunicorn listens before its workers have loaded the app)."""
    import requests

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ClusterError(f"{what} exited ({proc.returncode}) before {url} answered")
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise ClusterError(f"{what}: {url} did not answer 200 within {timeout:.0f} s (last: {last})")


@dataclass
class Proc:
    name: str
    host: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Cluster:
    run_id: str = field(default_factory=lambda: secrets.token_hex(3))
    subnet: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hotline-multihost-")))
    procs: dict[str, Proc] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    bridge: str = ""
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    #: The API tokens the test set up (its own business).
    tokens: object = None

    # Addresses -------------------------------------------------------------------------------------------------

    def addr(self, host: str) -> str:
        return f"10.233.{self.subnet}.{HOSTS.get(host, 1)}"

    def ns(self, host: str) -> str:
        return f"hotline-mh-{self.run_id}-{host}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@{self.addr('db')}:{PG_PORT}/hotline"

    @property
    def redis_url(self) -> str:
        return f"redis://{self.addr('redis')}:{REDIS_PORT}/0"

    def web_url(self, host: str) -> str:
        return f"http://{self.addr(host)}:{WEB_PORT}"

    @property
    def lb_url(self) -> str:
        return f"http://{self.addr('lb')}:{LB_PORT}"

    # The network -----------------------------------------------------------------------------------------------

    def _free_subnet(self) -> int:
        used = run(["ip", "-o", "-4", "addr", "show"]).stdout + run(["ip", "-4", "route", "show"]).stdout
        candidates = [n for n in range(1, 255) if f"10.233.{n}." not in used]
        if not candidates:
            raise ClusterError("no free 10.233.x.0/24 subnet")
        return secrets.choice(candidates)

    def build_network(self) -> None:
        self.workdir.chmod(0o755)  # the postgres user walks into it
        self.subnet = self._free_subnet()
        self.bridge = f"hlmh{self.run_id}"
        run(["ip", "link", "add", self.bridge, "type", "bridge"])
        # Frames between the hosts are switched, not filtered: a machine whose firewall drops forwarded packets
        # (Docker's FORWARD policy, with br_netfilter loaded) must not cut this private segment.
        run(["ip", "link", "set", self.bridge, "type", "bridge", "nf_call_iptables", "0", "nf_call_ip6tables", "0",
             "nf_call_arptables", "0"], check=False)
        run(["ip", "addr", "add", f"{self.addr('root')}/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])
        for index, host in enumerate(HOSTS):
            ns, outside = self.ns(host), f"hm{self.run_id}{index}"
            run(["ip", "netns", "add", ns])
            self.namespaces.append(ns)
            run(["ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", ns])
            run(["ip", "link", "set", outside, "master", self.bridge, "up"])
            run(["ip", "-n", ns, "addr", "add", f"{self.addr(host)}/24", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])

    # Processes -------------------------------------------------------------------------------------------------

    def spawn(self, name: str, host: str, argv: list[str], *, env: dict | None = None,
              user: str | None = None) -> Proc:
        """Start ``argv`` in ``host``'s namespace, in a process group of its own, logging to workdir/<name>.log
        (appended: a restarted process keeps the earlier run's log above)."""
        prefix = ["ip", "netns", "exec", self.ns(host)]
        if user:
            prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"]
        log = self.workdir / f"{name}.log"
        with open(log, "a") as fh:
            fh.write(f"===== {time.strftime('%H:%M:%S')} start {name} on {host} ({self.addr(host)})\n")
            fh.flush()
            popen = subprocess.Popen(prefix + argv, cwd=ROOT, env=env if env is not None else os.environ.copy(),  # noqa: S603
                                     stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        proc = Proc(name, host, popen, log)
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the process group of ``name`` (the master and every child it forked) and reap it."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.popen.pid, sig)
        try:
            proc.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.wait(timeout=20)
        with open(proc.log, "a") as fh:
            fh.write(f"===== {time.strftime('%H:%M:%S')} {signal.Signals(sig).name} {name}\n")

    def app_env(self, host: str, **extra: str) -> dict[str, str]:
        """A production host's environment: everything from variables, nothing from the test's settings."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TEST_", "HOTLINE_", "PG", "REDIS_", "DATABASE_", "CELERY_", "STORAGE_",
                                    "PYTEST", "FLASK_"))}
        home = self.workdir / host
        home.mkdir(exist_ok=True)
        env.update(HOTLINE_CONFIG="production", DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                   SECRET_KEY=self.secret_key, HOTLINE_INSTANCE_DIR=str(home),
                   # The host's own disk: whatever lands here is not seen by the other hosts.
                   HOTLINE_UPLOAD_DIR=str(home / "uploads"), FLASK_APP="hotline", PYTHONUNBUFFERED="1",
                   TMPDIR=str(home), HOME=str(home))
        env.update(extra)
        return env

    def start_postgres(self) -> None:
        pgbin = postgres_bin()
        data = self.workdir / "pgdata"
        data.mkdir()
        shutil.chown(data, "postgres", "postgres")
        data.chmod(0o700)
        run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", str(pgbin / "initdb"),
             "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            cwd="/")
        with open(data / "pg_hba.conf", "a") as fh:
            fh.write(f"host all all 10.233.{self.subnet}.0/24 trust\n")
        proc = self.spawn("postgres", "db", [
            str(pgbin / "postgres"), "-D", str(data), "-c", f"listen_addresses={self.addr('db')}",
            "-c", f"port={PG_PORT}", "-c", f"unix_socket_directories={data}", "-c", "max_connections=200",
            # Nothing here stops the database host; durability against its own crash is PostgreSQL's business.
            "-c", "fsync=off", "-c", "full_page_writes=off"], user="postgres")
        wait_tcp(self.addr("db"), PG_PORT, 30, proc.popen, "PostgreSQL")
        deadline = time.monotonic() + 30
        while True:
            created = run([str(pgbin / "createdb"), "-h", self.addr("db"), "-p", str(PG_PORT), "-U", "postgres",
                           "hotline"], check=False)
            if created.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"createdb failed: {created.stderr}")
            time.sleep(0.3)

    def start_redis(self) -> None:
        home = self.workdir / "redis"
        home.mkdir()
        proc = self.spawn("redis", "redis", [
            "redis-server", "--bind", self.addr("redis"), "--port", str(REDIS_PORT), "--save", "",
            "--appendonly", "no", "--protected-mode", "no", "--dir", str(home)])
        wait_tcp(self.addr("redis"), REDIS_PORT, 20, proc.popen, "Redis")

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """A flask CLI command, run on the worker host (migrations, seed, users)."""
        result = run(["ip", "netns", "exec", self.ns("worker"), sys.executable, "-m", "flask", *args],
                     cwd=ROOT, env=self.app_env("worker"), input=stdin, check=False)
        if result.returncode != 0:
            raise ClusterError(f"flask {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def start_web(self, host: str, workers: int = 2, wait: bool = True) -> Proc:
        proc = self.spawn(host, host, [
            sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"{self.addr(host)}:{WEB_PORT}",
            "--access-logfile", "-", "--access-logformat", '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
            "hotline:create_app()"],
            env=self.app_env(host, WEB_CONCURRENCY=str(workers), TRUSTED_PROXIES="1"))
        if wait:
            self.wait_web(host)
        return proc

    def wait_web(self, host: str) -> None:
        wait_http(f"{self.web_url(host)}/api/v1/health", 90, self.procs[host].popen, f"gunicorn on {host}")

    def start_worker(self) -> Proc:
        home = self.workdir / "worker"
        home.mkdir(exist_ok=True)
        proc = self.spawn("worker", "worker", [
            sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-B",
            "--schedule", str(home / "celerybeat-schedule"), "--concurrency=2", "--loglevel=INFO",
            "-n", f"worker@mh-{self.run_id}"], env=self.app_env("worker"))
        return proc

    def start_lb(self) -> Proc:
        home = self.workdir / "lb"
        home.mkdir()
        upstreams = "\n".join(f"    server {self.addr(h)}:{WEB_PORT} max_fails=1 fail_timeout=5s;"
                              for h in ("web-a", "web-b"))
        conf = home / "nginx.conf"
        conf.write_text(f"""\
daemon off;
user root;
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log notice;
events {{ worker_connections 1024; }}
http {{
  log_format upstream '$remote_addr [$time_iso8601] "$request" $status $upstream_addr $upstream_status '
                      '$request_time';
  access_log {home}/access.log upstream;
  client_body_temp_path {home}/body;
  proxy_temp_path {home}/proxy;
  fastcgi_temp_path {home}/fastcgi;
  uwsgi_temp_path {home}/uwsgi;
  scgi_temp_path {home}/scgi;
  client_max_body_size 25m;
  upstream hotline {{
{upstreams}
  }}
  server {{
    listen {self.addr('lb')}:{LB_PORT};
    location / {{
      proxy_pass http://hotline;
      # A web host that refuses or never accepts the connection: the request goes to the next one. (A POST
      # already sent is never resent: nginx retries non-idempotent requests only before sending them.)
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
""")
        proc = self.spawn("nginx", "lb", ["nginx", "-p", str(home), "-c", str(conf), "-e", str(home / "error.log")])
        wait_tcp(self.addr("lb"), LB_PORT, 20, proc.popen, "nginx")
        return proc

    # Evidence on failure ---------------------------------------------------------------------------------------

    def logs_tail(self, lines: int = 40) -> str:
        parts = []
        files = sorted(self.workdir.glob("*.log")) + sorted((self.workdir / "lb").glob("*.log"))
        for path in files:
            if not path.exists():
                continue
            text = path.read_text(errors="replace").splitlines()
            # Access-log lines crowd the tail: the errors of the whole run first, then the tail.
            errors = [line for line in text[:-lines] if any(word in line for word in _ERROR_WORDS)]
            if errors:
                parts.append(f"----- {path.name}: {len(errors)} error lines before the tail (last 20)")
                parts.extend(errors[-20:])
            parts.append(f"----- {path.name} (last {min(lines, len(text))} of {len(text)} lines)")
            parts.extend(text[-lines:])
        return "\n".join(parts)

    # Teardown --------------------------------------------------------------------------------------------------

    def close(self) -> None:
        for name in reversed(list(self.procs)):  # the balancer and the app first, their database and Redis last
            proc = self.procs[name]
            if proc.popen.poll() is None:
                with contextlib.suppress(Exception):
                    # PostgreSQL's immediate shutdown (its data is thrown away next); the rest die hard.
                    self.kill(name, signal.SIGQUIT if name == "postgres" else signal.SIGKILL)
        for ns in self.namespaces:
            # Anything still running inside (a daemonized child): ours, by pid.
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces.clear()
        if self.bridge:
            run(["ip", "link", "del", self.bridge], check=False)
            self.bridge = ""
        if not os.environ.get("HOTLINE_MULTIHOST_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)
