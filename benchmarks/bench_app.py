"""The generated apps under load, both runtimes against one real PostgreSQL server.

5. docker-dev rendered with each runtime and run natively (gunicorn, one worker with 8 threads;
   node), against one PostgreSQL server with TLS (`verify-full`, the tests' server:
   tests/postgres.py) holding 20 items. wrk (2 threads, keep-alive) drives `GET /`, `GET /readyz`
   and `GET /items` at 20 and 100 connections; requests/s and p50/p99 latency are printed.
   Baseline: `GET /` of the same runtime at the same concurrency, which touches neither the
   database nor the readiness state. A ratio is time per request (baseline requests/s divided by
   the endpoint's): `/readyz` should cost what `/` costs (target <= 1.25, it only reads the last
   background check); `/items` has no target (it is a real query).

Run ``python benchmarks/bench_app.py [--repeat SECONDS]`` (seconds per wrk run, default 5);
``make bench`` runs it with the others. wrk comes from the distribution (`apt-get install wrk`);
without it, or without PostgreSQL, the benchmark is skipped with a line saying so.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import REPO, BenchError, Session, Skip, load_average, main, wait_for_idle

sys.path.insert(0, str(REPO))
from scaffolder.generation import generate
from tests.postgres import PostgresServer, free_port, postgres_bin

ENDPOINTS = ("/", "/readyz", "/items")
CONNECTIONS = (20, 100)
DURATION = 5
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


@dataclass(frozen=True)
class Load:
    """One wrk run's result."""

    requests_per_second: float
    p50: float
    p99: float
    errors: str


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise BenchError(f"wrk printed a latency it cannot read: {text!r}")
    return float(match[1]) * UNITS[match[2]]


def wrk(wrk_bin: str, url: str, connections: int, duration: int) -> Load:
    result = subprocess.run(
        [
            wrk_bin,
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{duration}s",
            "--latency",
            "--timeout",
            "10s",
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=duration + 60,
    )
    out = result.stdout
    if result.returncode != 0 or "Requests/sec" not in out:
        raise BenchError(f"wrk failed on {url}:\n{out}{result.stderr}")
    if "Non-2xx or 3xx responses" in out:
        raise BenchError(f"{url} answered errors under load:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    p50 = _seconds(re.search(r"\s50%\s+(\S+)", out)[1])  # type: ignore[index]
    p99 = _seconds(re.search(r"\s99%\s+(\S+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Socket errors: (.*)", out)
    return Load(rps, p50, p99, errors[1] if errors else "none")


def _install(app: Path, runtime: str) -> list[str]:
    """Install the app's runtime dependencies; return its start command."""
    if runtime == "python":
        venv = app / ".venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--requirement",
                "requirements.txt",
            ],
            cwd=app,
            check=True,
            timeout=600,
        )
        return [str(venv / "bin" / "gunicorn"), "--config", "gunicorn.conf.py", "service.wsgi:app"]
    npm = shutil.which("npm")
    if npm is None:
        raise Skip("npm is not installed: the Node.js app cannot be installed")
    subprocess.run(
        [npm, "ci", "--omit=dev", "--no-audit", "--no-fund"],
        cwd=app,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return ["node", "src/server.js"]


@contextmanager
def running(app: Path, command: list[str], url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": url, "LOG_LEVEL": "warn"}
    process = subprocess.Popen(
        command, cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"{command[0]} did not become ready")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def bench_app(session: Session) -> None:
    wrk_bin = shutil.which("wrk")
    if wrk_bin is None:
        raise Skip("wrk is not installed (apt-get install wrk)")
    bindir = postgres_bin()
    if bindir is None or shutil.which("openssl") is None:
        raise Skip("PostgreSQL's server binaries or openssl are not installed")
    duration = session.repeat or DURATION
    root = Path(tempfile.mkdtemp(prefix="scaffolder-bench-pg-"))
    root.chmod(0o755)
    server = PostgresServer(bindir, root / "cluster")
    try:
        server.init()
        for runtime in ("python", "node"):
            project = generate(
                "docker-dev", session.scratch(f"app-{runtime}"), answers={"app_runtime": runtime}
            )
            app = project / "app"
            command = _install(app, runtime)
            server.create_database(runtime)
            url = server.url(runtime, sslmode="verify-full", sslrootcert=str(server.ca))
            with running(app, command, url) as base:
                for number in range(20):
                    request = urllib.request.Request(
                        f"{base}/items",
                        data=f'{{"name": "item {number}"}}'.encode(),
                        headers={"Content-Type": "application/json"},
                    )
                    urllib.request.urlopen(request, timeout=5).close()
                idle = wait_for_idle(session.wait_idle)
                session.note(
                    f"{runtime}: wrk {duration} s per run, 2 threads; machine {idle}, "
                    f"load average {load_average()}"
                )
                session.note(f"{'':<26}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}  errors")
                for connections in CONNECTIONS:
                    loads = {
                        path: wrk(wrk_bin, base + path, connections, duration) for path in ENDPOINTS
                    }
                    for path, load in loads.items():
                        session.note(
                            f"{runtime:<6} {path:<8} c={connections:<4}      "
                            f"{load.requests_per_second:>12.0f}{load.p50 * 1000:>10.2f}"
                            f"{load.p99 * 1000:>10.2f}  {load.errors}"
                        )
                    base_rps = loads["/"].requests_per_second
                    session.value(
                        f"{runtime} /readyz / GET / time per request, {connections} connections",
                        base_rps / loads["/readyz"].requests_per_second,
                        1.25,
                    )
                    session.value(
                        f"{runtime} GET /items / GET / time per request, {connections} connections",
                        base_rps / loads["/items"].requests_per_second,
                        None,
                    )
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


BENCHMARKS = [
    ("app", "5. the generated apps under load (wrk) against PostgreSQL with TLS", bench_app),
]

if __name__ == "__main__":
    sys.exit(main(BENCHMARKS))
