"""Real-browser tests: headless Chromium (Debian's package, /usr/bin/chromium) driven by Playwright against the
real app served by gunicorn (the product's gunicorn.conf.py, 2 workers) on a free port of 127.0.0.1, with CSRF
on, like production.

The server gets a database of its own for the session, on the suite's backend (``--db``): a SQLite file in a
temporary folder, or a PostgreSQL database ``hotline_browser_<pid>`` created and dropped here. It is migrated
(``flask db upgrade``), seeded (``flask seed``), given demo data for 2015 in 株洲 (430200, for the statistics
pages) and the users below (``flask users create --password-stdin``), then started and stopped at the end.

Without Chromium or the ``playwright`` package the tests skip, saying why; with ``CI`` set they fail instead.
Each test leaves screenshots in tests/artifacts/browser/ (gitignored), passed or failed, and the server's log
is copied there at the end of the session.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import IN_CI, PG_ADMIN_URL

try:  # the tests import ``expect`` from here: without playwright they still collect, then skip (or fail in CI)
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - reported by the playwright_api fixture
    expect = None

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
CHROMIUM = os.environ.get("HOTLINE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: The flags that work on this kind of machine; without the background-networking ones Chromium keeps calling
#: home on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: How long a locator or an expectation waits (the CI machine is small and often busy).
TIMEOUT_MS = 20_000
SERVER_START_TIMEOUT = 90
PASSWORD = "browser-tests-Pa55word"
#: Demo data for the statistics scenario: one year, one 市州, small but with something in every month.
DEMO_YEAR = 2015
DEMO_REGION = "430200"
#: The telephone switch's service account (CTI events).
SWITCH_ACCOUNT = "bt-switch"


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    region: str
    display_name: str


ACCOUNTS = {
    "operator": Account("bt-operator", "operator", "430000", "接线员甲"),
    "officer": Account("bt-officer1", "officer", "430100", "执法员一"),
    "officer2": Account("bt-officer2", "officer", "430100", "执法员二"),
    "officer3": Account("bt-officer3", "officer", "430100", "执法员三"),
    "supervisor": Account("bt-supervisor", "supervisor", DEMO_REGION, "科长乙"),
    # 株洲's officers: the receiving office of the transfer cycle (tests/browser/test_workflow.py).
    "zz_officer": Account("bt-zz-officer", "officer", DEMO_REGION, "株洲执法员丙"),
    "zz_officer2": Account("bt-zz-officer2", "officer", DEMO_REGION, "株洲执法员丁"),
    # A county office of 长沙 (芙蓉区) and its sibling (天心区): tests/browser/test_county.py.
    "county_officer": Account("bt-fr-officer1", "officer", "430102", "芙蓉区执法员一"),
    "county_officer2": Account("bt-fr-officer2", "officer", "430102", "芙蓉区执法员二"),
    "sibling_officer": Account("bt-tx-officer", "officer", "430103", "天心区执法员"),
}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: real-browser test (headless Chromium against a live server)")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _clean_database():
    """The suite resets its in-process database between tests; the live server's database is its own."""
    return


def _unavailable(message: str):
    if IN_CI:
        pytest.fail(f"{message} (CI is set: the browser tests must run)", pytrace=False)
    pytest.skip(message)


# ---------------------------------------------------------------------------------------------------------------
# the browser


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc}); `make install` installs it")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def browser(playwright_api):
    try:
        browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
    except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser here"
        _unavailable(f"Chromium at {CHROMIUM} does not start: {type(exc).__name__}: {exc}")
    yield browser
    browser.close()


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout(playwright_api):
    expect.set_options(timeout=TIMEOUT_MS)


# ---------------------------------------------------------------------------------------------------------------
# the live server


@dataclass
class LiveServer:
    url: str
    log_path: Path
    accounts: dict[str, Account] = field(default_factory=lambda: dict(ACCOUNTS))
    #: An API token of the telephone switch's service account (SWITCH_ACCOUNT), for POST /api/v1/cti/events.
    switch_token: str = ""

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Runs `flask` commands one after the other in one interpreter: the same click group the `flask` script runs,
#: without paying Python's and the app's start-up for each (seconds apiece on a busy two-core machine). argv[1]
#: is a JSON list of argument lists; standard input feeds the --password-stdin reads in order.
_FLASK_COMMANDS = """
import json, sys
from flask.cli import cli
for args in json.loads(sys.argv[1]):
    print("$ flask " + " ".join(args), flush=True)
    try:
        cli.main(args=args, prog_name="flask", standalone_mode=False)
    except SystemExit as exc:
        if exc.code:
            sys.exit(f"`flask {' '.join(args)}` exited with {exc.code}")
"""


def _flask(env: dict[str, str], commands: list[list[str]], *, stdin: str = "", timeout: int = 300) -> str:
    result = subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, "-c", _FLASK_COMMANDS, json.dumps(commands)], env=env, cwd=ROOT, input=stdin,
        capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"preparing the server's database failed ({result.returncode}):\n{result.stdout}\n"
                           f"{result.stderr}")
    return result.stdout


def _create_database(backend: str, tmp: Path) -> tuple[str, object]:
    """(DATABASE_URL for the server, a callable that drops the database afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'hotline.sqlite3'}", lambda: None
    import sqlalchemy as sa

    from config import database_url as to_driver_url

    name = f"hotline_browser_{os.getpid()}"
    try:
        admin = sa.create_engine(to_driver_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable: {exc} (CI is set)", pytrace=False)
        pytest.skip(f"PostgreSQL is not reachable: {type(exc).__name__}")

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", drop


def _server_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "FLASK_")) and k not in {
        "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SESSION_COOKIE_SECURE", "TEST_DATABASE_URL"}}
    env.update({
        "FLASK_APP": "hotline",
        "HOTLINE_CONFIG": "development",
        "HOTLINE_INSTANCE_DIR": str(tmp / "instance"),
        "HOTLINE_UPLOAD_DIR": str(tmp / "uploads"),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "browser-tests-secret-key-" + os.urandom(8).hex(),
        "SESSION_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        # Cheaper password hashing keeps the logins quick on a busy two-core machine (as in TestingConfig).
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "8192",
        "ARGON2_PARALLELISM": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def _wait_until_up(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=5) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server did not answer within {SERVER_START_TIMEOUT} s:\n"
                               f"{log_path.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)  # polling for readiness, not waiting in a test


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's master and its workers: the group started here
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(browser, backend, tmp_path_factory) -> Iterator[LiveServer]:
    """The app under gunicorn on its own database, with the users of ACCOUNTS; stopped at the end, always."""
    tmp = tmp_path_factory.mktemp("browser-server")
    database_url, drop_database = _create_database(backend, tmp)
    env = _server_env(tmp, database_url)
    log_path = tmp / "server.log"
    proc = None
    try:
        commands = [["db", "upgrade"], ["seed"]]
        commands += [["users", "create", a.username, "--role", a.role, "--region", a.region,
                      "--display-name", a.display_name, "--password-stdin", "--no-must-change"]
                     for a in ACCOUNTS.values()]
        commands.append(["demo-data", "--years", str(DEMO_YEAR), "--regions", DEMO_REGION, "--scale", "0.2",
                         "--no-search"])
        (tmp / "prepare.log").write_text(_flask(env, commands, stdin=f"{PASSWORD}\n" * len(ACCOUNTS)))
        # The telephone switch: a service account and its token (the last line `users token` prints).
        switch_out = _flask(env, [["users", "create", SWITCH_ACCOUNT, "--role", "operator", "--service"],
                                  ["users", "token", SWITCH_ACCOUNT, "--name", "switch"]])
        switch_token = switch_out.strip().splitlines()[-1].strip()

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
                # The product's gunicorn settings (gthread workers), two of them.
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "2",
                 "--bind", f"127.0.0.1:{port}",
                 "--timeout", "120", "--graceful-timeout", "5", "--no-control-socket", "--access-logfile", "-",
                 "hotline:create_app()"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_until_up(url, proc, log_path)
        yield LiveServer(url=url, log_path=log_path, switch_token=switch_token)
    finally:
        if proc is not None:
            _stop(proc)
        drop_database()
        if log_path.exists():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log_path, ARTIFACTS / f"server-{backend}.log")


# ---------------------------------------------------------------------------------------------------------------
# pages: one browser context per user, console watched, screenshots kept


@dataclass
class Problem:
    page: str
    url: str
    text: str

    def __str__(self) -> str:
        return f"[{self.page}] {self.url}: {self.text}"


#: Reports CSP violations to the console too (they usually are, this makes sure of it and names the directive).
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Browsing:
    """Opens pages for a test (``open(user, **context_options)``), logs them in and records what goes wrong in
    them: console errors (CSP violations included), uncaught exceptions, server errors (5xx)."""

    def __init__(self, browser, server: LiveServer, test_name: str):
        self.browser = browser
        self.server = server
        self.test_name = re.sub(r"[^\w.\-\[\]]+", "_", test_name)
        self.pages: list[tuple[str, object]] = []
        self.problems: list[Problem] = []
        self.visited: list[str] = []

    def open(self, user: str | None = None, *, label: str | None = None, **context_options):
        options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "accept_downloads": True,
                   "viewport": {"width": 1280, "height": 900}}
        options.update(context_options)
        context = self.browser.new_context(base_url=self.server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(_CSP_LISTENER)
        page = context.new_page()
        name = label or user or "anonymous"
        self.pages.append((name, page))

        def on_console(message):
            if message.type != "error":
                return
            source = (message.location or {}).get("url") or ""
            if source.endswith("/favicon.ico") and message.text.startswith("Failed to load resource"):
                return  # the browser asks for /favicon.ico by itself; the app has none (404)
            where = f" ({source})" if source and source != page.url else ""
            self.problems.append(Problem(name, page.url, f"console error: {message.text}{where}"))

        def on_page_error(error):
            self.problems.append(Problem(name, page.url, f"uncaught JavaScript error: {error}"))

        def on_response(response):
            if response.status >= 500:
                self.problems.append(Problem(name, response.url, f"HTTP {response.status}"))

        def on_navigated(frame):
            if frame == page.main_frame:
                self.visited.append(f"[{name}] {frame.url}")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.on("response", on_response)
        page.on("framenavigated", on_navigated)
        if user is not None:
            self.login(page, user)
        return page

    def login(self, page, user: str, next_path: str = "/") -> None:
        account = self.server.accounts[user]
        page.goto(f"/login?next={next_path}")
        page.locator("#username").fill(account.username)
        page.locator("#password").fill(PASSWORD)
        with page.expect_navigation():
            page.locator("#password").press("Enter")
        if "/login" in page.url:
            raise AssertionError(f"{account.username} could not log in; the page says: "
                                 f"{page.locator('main').inner_text()[:500]}")

    def assert_clean_console(self) -> None:
        """No console errors, CSP violations, uncaught exceptions or server errors on any page visited so far."""
        if self.problems:
            visited = "\n  ".join(self.visited)
            raise AssertionError("the browser reported problems:\n  " + "\n  ".join(map(str, self.problems))
                                 + f"\npages visited:\n  {visited}\nserver log:\n{self.server.log_tail(30)}")

    def capture(self, page, step: str) -> None:
        """A screenshot of a step on the way: tests/artifacts/browser/<test>.<step>.png."""
        self._shoot(page, f"{self.test_name}.{step}.png")

    def screenshots(self) -> None:
        """Every page as the test left it: <test>.png for the last one opened (the one the test is about),
        <test>.<label>.png for the others."""
        for index, (name, page) in enumerate(self.pages):
            last = index == len(self.pages) - 1
            self._shoot(page, f"{self.test_name}.png" if last else f"{self.test_name}.{name}.png")

    def _shoot(self, page, filename: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(ARTIFACTS / filename), full_page=True, timeout=15_000)
        except Exception as exc:  # noqa: BLE001 - a screenshot must not hide the test's own outcome
            print(f"screenshot {filename} failed: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        for _, page in self.pages:
            with contextlib.suppress(Exception):  # closing after a crashed page
                page.context.close()


@pytest.fixture
def browsing(browser, live_server, request) -> Iterator[Browsing]:
    session = Browsing(browser, live_server, request.node.name)
    try:
        yield session
    finally:
        session.screenshots()
        session.close()
