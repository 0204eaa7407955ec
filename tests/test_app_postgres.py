"""The generated apps against a real PostgreSQL server with TLS, with faults injected.

Both runtimes run natively (their own virtualenv / node_modules, built once per session) against
one server started here (tests/postgres.py): TLS verification, readiness through a stopped and a
hung (SIGSTOP) database, liveness while readiness is under load, the migration and the items
endpoint, the password file, and SIGTERM with requests in flight.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import RUNTIMES, require_tool
from .postgres import PASSWORD, PostgresServer, free_port, postgres_bin

pytestmark = pytest.mark.slow

# Far above the apps' own limits (a 1 s check interval, a 2 s check timeout): a state that has
# not changed by then is wrong, not slow.
SETTLE = 15.0


@pytest.fixture(scope="module")
def server() -> Iterator[PostgresServer]:
    bindir = postgres_bin()
    require_tool("PostgreSQL server (initdb)", str(bindir / "initdb") if bindir else None)
    require_tool("openssl", shutil.which("openssl"))
    assert bindir is not None
    # Not under pytest's temporary directory: that is private to root, and the server runs as
    # an unprivileged user that must reach its data directory.
    root = Path(tempfile.mkdtemp(prefix="scaffolder-pg-"))
    root.chmod(0o755)
    postgres = PostgresServer(bindir, root / "cluster")
    try:
        postgres.init()
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database for one test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    server.create_database(name)
    return name


@dataclass
class App:
    """One running app process; its log is a file, so a full pipe never blocks it."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = 10
    ) -> tuple[int, Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body) if body is not None else None
            headers = {"Content-Type": "application/json"} if body is not None else {}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            type_ = response.getheader("Content-Type", "")
            return response.status, json.loads(data) if "json" in type_ else data.decode()
        finally:
            connection.close()

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def logs(self) -> list[dict[str, Any]]:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, expected: int = 200) -> dict[str, Any]:
        """Poll `/readyz` until it answers ``expected``; return its body."""
        deadline = time.monotonic() + SETTLE
        while True:
            status, body = self.get("/readyz")
            if status == expected:
                return dict(body)
            if time.monotonic() > deadline:
                pytest.fail(f"/readyz stayed {status} {body}, not {expected}:\n{self.text()}")
            time.sleep(0.1)

    def wait_log(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            for entry in self.logs():
                if predicate(entry):
                    return entry
            time.sleep(0.1)
        pytest.fail(f"no such log line:\n{self.text()}")


@pytest.fixture
def run_app(app_ready: Callable[[str], Path], tmp_path: Path) -> Iterator[Callable[..., App]]:
    """Start the generated app natively: ``run_app(runtime, url, **env)``."""
    started: list[App] = []

    def start(runtime: str, url: str, **env: str) -> App:
        directory = app_ready(runtime)
        port = free_port()
        log_path = tmp_path / f"app-{len(started)}.log"
        environment = {
            **os.environ,
            "PORT": str(port),
            "DATABASE_URL": url,
            "LOG_LEVEL": "info",
            "TMPDIR": "/tmp",
            **env,
        }
        if runtime == "python":
            command = [
                str(directory / ".venv" / "bin" / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "service.wsgi:app",
            ]
        else:
            command = ["node", "src/server.js"]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=directory, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        app = App(process, port, log_path)
        started.append(app)
        deadline = time.monotonic() + 30
        while True:
            try:
                if app.get("/healthz")[0] == 200:
                    return app
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the {runtime} app did not start:\n{app.text()}")
            time.sleep(0.1)

    yield start
    for app in started:
        if app.process.poll() is None:
            app.process.kill()
            app.process.wait(timeout=30)


def _verified(server: PostgresServer, database: str, **params: str) -> str:
    return server.url(database, sslmode="verify-full", sslrootcert=str(server.ca), **params)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tls_is_verified_with_the_ca_and_refused_without_it(
    server: PostgresServer, database: str, run_app: Callable[..., App], runtime: str
) -> None:
    # Every app starts first and is checked after, so their waits overlap.
    verified = run_app(runtime, _verified(server, database))
    ca = str(server.ca)
    by_address = run_app(
        runtime, server.url(database, host="127.0.0.1", sslmode="verify-full", sslrootcert=ca)
    )
    ca_only = run_app(runtime, server.url(database, sslmode="verify-ca", sslrootcert=ca))
    # `require` encrypts without verifying, as libpq does: a CA nobody gave still connects.
    required = run_app(runtime, server.url(database, sslmode="require"))
    refused = {
        "the wrong CA": run_app(
            runtime,
            server.url(database, sslmode="verify-full", sslrootcert=str(server.other_ca)),
        ),
        "no CA (public CAs only)": run_app(runtime, server.url(database, sslmode="verify-full")),
    }
    # The server accepts TLS only: `disable` is refused by the server, and says so.
    plain = run_app(runtime, server.url(database, sslmode="disable"))
    assert verified.wait_ready() == {"status": "ready"}
    assert by_address.wait_ready() == {"status": "ready"}
    assert ca_only.wait_ready() == {"status": "ready"}
    assert required.wait_ready() == {"status": "ready"}
    for case, app in refused.items():
        line = app.wait_log(_first_failure)
        assert "certificate" in line["reason"].lower(), (case, line)
        status, body = app.get("/readyz")
        assert status == 503 and "certificate" in body["reason"].lower(), case
        assert app.get("/healthz")[0] == 200
    line = plain.wait_log(_first_failure)
    assert "no encryption" in line["reason"], line


def _first_failure(entry: dict[str, Any]) -> bool:
    return entry["message"] == "not ready" and entry["reason"] != "starting"


# 16 clients calling `/readyz` over and over, in their own process so that their threads do not
# compete with the measuring thread for this interpreter's lock.
HAMMER = """
import json, sys, threading, time, urllib.error, urllib.request
url, seconds = sys.argv[1], float(sys.argv[2])
statuses, stop = [], time.monotonic() + seconds
def hammer():
    while time.monotonic() < stop:
        try:
            urllib.request.urlopen(url, timeout=10).close()
            statuses.append(200)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
threads = [threading.Thread(target=hammer) for _ in range(16)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps(statuses))
"""


def _healthz_while_readyz_is_hammered(app: App) -> tuple[list[float], list[int]]:
    """`/healthz` latencies (s) while 16 clients call `/readyz` over and over."""
    hammer = subprocess.Popen(
        [sys.executable, "-c", HAMMER, f"http://127.0.0.1:{app.port}/readyz", "2.5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.5)  # all 16 clients connected and calling
    latencies = []
    while hammer.poll() is None and len(latencies) < 30:
        started = time.perf_counter()
        assert app.get("/healthz")[0] == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    out, _ = hammer.communicate(timeout=30)
    return latencies, json.loads(out)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_readiness_follows_a_stopped_and_a_hung_database(
    server: PostgresServer, database: str, run_app: Callable[..., App], runtime: str
) -> None:
    app = run_app(runtime, _verified(server, database))
    app.wait_ready()
    server.stop()
    try:
        assert app.wait_ready(503)["status"] == "unavailable"
        assert app.get("/healthz")[0] == 200
    finally:
        server.start()
    app.wait_ready(200)

    server.hang()
    try:
        body = app.wait_ready(503)
        assert "did not answer within 3 s" in body["reason"], body
        # Every /readyz answers (not ready) instead of waiting on the database, so liveness is
        # never queued behind them.
        latencies, statuses = _healthz_while_readyz_is_hammered(app)
        assert set(statuses) == {503} and len(statuses) > 16
        # Under 100 ms: queued behind the readiness calls it would take seconds. The machine is
        # shared, so one scheduling hiccup in ten is forgiven, none of a second.
        assert sorted(latencies)[len(latencies) * 9 // 10 - 1] < 0.1, latencies
        assert max(latencies) < 1.0, latencies
    finally:
        server.resume()
    app.wait_ready(200)
    lines = [e for e in app.logs() if e["logger"] == "service.readiness"]
    assert [e["message"] for e in lines][-2:] == ["not ready", "ready"]


def _items_and_metrics(app: App) -> None:
    status, created = app.request("POST", "/items", {"name": "first"})
    assert status == 201 and created["name"] == "first" and created["created_at"].endswith("Z")
    assert app.request("POST", "/items", {"name": "second"})[0] == 201
    status, body = app.get("/items")
    assert status == 200
    assert [item["name"] for item in body["items"]] == ["second", "first"]
    assert app.request("POST", "/items", {"name": ""}) == (
        400,
        {"error": "`name` must be a string of 1 to 200 characters"},
    )
    assert app.get("/no/such/path") == (404, {"error": "not found"})
    status, metrics = app.get("/metrics")
    assert status == 200
    assert 'http_requests_total{method="POST",route="/items",status="201"} 2' in metrics
    assert 'http_request_duration_seconds_count{method="GET",route="/items",status="200"}' in (
        metrics
    )
    for name in (
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_start_time_seconds",
        "process_open_fds",
        "process_max_fds",
    ):
        assert f"\n{name} " in metrics, name


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_migration_runs_once_and_the_items_endpoint_works(
    server: PostgresServer, database: str, run_app: Callable[..., App], runtime: str
) -> None:
    url = _verified(server, database)
    # Two replicas start together on an empty database: the advisory lock lets one migrate.
    first, second = run_app(runtime, url), run_app(runtime, url)
    first.wait_ready()
    second.wait_ready()
    migrated = [
        e for app in (first, second) for e in app.logs() if e["message"] == "applied migration"
    ]
    assert [e["migration"] for e in migrated] == ["0001_create_items"]
    assert server.psql("SELECT version FROM schema_migrations", database) == "0001_create_items"
    _items_and_metrics(first)
    line = first.wait_log(lambda e: e["logger"] == "access" and e["path"] == "/items")
    assert {"method": "POST", "route": "/items", "status": 201}.items() <= line.items()
    assert isinstance(line["duration_ms"], float)
    # A restart finds the schema in place and the data kept; LOG_LEVEL=warn drops access lines.
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=30) == 0
    third = run_app(runtime, url, LOG_LEVEL="warn")
    third.wait_ready()
    assert len(third.get("/items")[1]["items"]) == 2
    assert server.psql("SELECT count(*) FROM schema_migrations", database) == "1"
    assert not [e for e in third.logs() if e["level"] in {"info", "debug"}], third.text()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_password_file_is_read_for_every_new_connection(
    server: PostgresServer,
    database: str,
    run_app: Callable[..., App],
    runtime: str,
    tmp_path: Path,
) -> None:
    secret = tmp_path / "password"
    secret.write_text("not-the-password\n")
    # The URL's password is right, the file's is wrong: the file wins.
    app = run_app(runtime, _verified(server, database), DATABASE_PASSWORD_FILE=str(secret))
    line = app.wait_log(_first_failure)
    assert "password authentication failed" in line["reason"], line
    # The secret is rotated in place: the next connection reads it, no restart.
    secret.write_text(f"{PASSWORD}\n")
    app.wait_ready()
    # Without a password anywhere the app still starts and says why it is not ready.
    bare = run_app(
        runtime,
        server.url(database, password=False, sslmode="verify-full", sslrootcert=str(server.ca)),
    )
    line = bare.wait_log(_first_failure)
    assert "password" in line["reason"], line


@contextmanager
def _items_locked(server: PostgresServer, database: str) -> Iterator[Callable[[], None]]:
    """Hold an exclusive lock on `items`: queries on it wait, the rest of the database answers."""
    holder = subprocess.Popen(
        [
            str(server.bindir / "psql"),
            "-h",
            str(server.root),
            "-p",
            str(server.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert holder.stdin is not None
    holder.stdin.write("BEGIN;\nLOCK TABLE items IN ACCESS EXCLUSIVE MODE;\n")
    holder.stdin.flush()

    def release() -> None:
        assert holder.stdin is not None
        if holder.poll() is None:
            holder.stdin.write("COMMIT;\n\\q\n")
            holder.stdin.close()
            holder.wait(timeout=30)

    _wait_for(
        server,
        database,
        "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock'"
        " AND granted AND relation = 'items'::regclass",
        "1",
    )
    try:
        yield release
    finally:
        release()


def _wait_for(server: PostgresServer, database: str, sql: str, expected: str) -> None:
    deadline = time.monotonic() + SETTLE
    while server.psql(sql, database) != expected:
        if time.monotonic() > deadline:
            pytest.fail(f"{sql} never returned {expected}")
        time.sleep(0.05)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_sigterm_answers_every_request_in_flight_and_exits_0(
    server: PostgresServer, database: str, run_app: Callable[..., App], runtime: str
) -> None:
    app = run_app(runtime, _verified(server, database))
    app.wait_ready()
    in_flight = 3
    with _items_locked(server, database) as release, ThreadPoolExecutor(in_flight) as pool:
        # Keep-alive connections, each with a request waiting on the lock.
        connections = [
            http.client.HTTPConnection("127.0.0.1", app.port, timeout=30) for _ in range(in_flight)
        ]
        for number, connection in enumerate(connections):
            connection.request(
                "POST",
                "/items",
                body=json.dumps({"name": f"in flight {number}"}),
                headers={"Content-Type": "application/json"},
            )
        _wait_for(
            server,
            database,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
            str(in_flight),
        )
        responses = [pool.submit(_read, connection) for connection in connections]
        app.process.send_signal(signal.SIGTERM)
        app.wait_log(lambda e: e.get("reason") == "shutting down")
        time.sleep(0.5)
        assert app.process.poll() is None, "exited with requests in flight"
        release()
        answers = [future.result(timeout=30) for future in responses]
    assert app.process.wait(timeout=30) == 0, app.text()
    assert [status for status, _, _ in answers] == [201] * in_flight
    # The keep-alive connections are told to close, not left to time out.
    assert [header.lower() for _, header, _ in answers] == ["close"] * in_flight
    names = server.psql("SELECT name FROM items ORDER BY name", database).splitlines()
    assert names == [f"in flight {n}" for n in range(in_flight)]


def _read(connection: http.client.HTTPConnection) -> tuple[int, str, dict[str, Any]]:
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, response.getheader("Connection", ""), body
