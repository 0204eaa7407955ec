"""Tests of the HTTP endpoints, with an in-memory store in place of PostgreSQL.

The project's generator runs this app against a real PostgreSQL server as well (TLS, faults,
shutdown); these tests are the quick loop while you change the code.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.config import Config
from service.database import DatabaseUnavailable, connection_settings

CONFIG = Config(port=8000, database_url="postgresql://db.invalid/app", log_level="INFO")


class MemoryStore:
    """The Store protocol over a list; `up` switches the "database" on and off."""

    def __init__(self, up: bool) -> None:
        self.up = up
        self.items: list[dict[str, Any]] = []

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def check(self) -> None:
        if not self.up:
            raise ConnectionError("refused")

    def list_items(self) -> list[dict[str, Any]]:
        self.check_available()
        return list(reversed(self.items))

    def add_item(self, name: str) -> dict[str, Any]:
        self.check_available()
        item = {"id": len(self.items) + 1, "name": name, "created_at": "2025-01-01T00:00:00.000Z"}
        self.items.append(item)
        return item

    def check_available(self) -> None:
        if not self.up:
            raise DatabaseUnavailable("refused")


def _client(database_ok: bool) -> FlaskClient:
    client = create_app(CONFIG, store=MemoryStore(database_ok)).test_client()
    # Readiness is decided in the background: wait for its first check.
    deadline = time.monotonic() + 5
    while client.get("/readyz").get_json()["status"] == "unavailable":
        reason = client.get("/readyz").get_json()["reason"]
        if reason != "starting" or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return client


def test_index_returns_json() -> None:
    response = _client(True).get("/")
    assert response.status_code == 200
    assert response.get_json() == {"service": "my-service", "status": "ok"}


def test_healthz_does_not_need_the_database() -> None:
    response = _client(False).get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize(("database_ok", "status"), [(True, 200), (False, 503)])
def test_readyz_follows_the_database(database_ok: bool, status: int) -> None:
    response = _client(database_ok).get("/readyz")
    assert response.status_code == status


def test_items_are_written_and_listed() -> None:
    client = _client(True)
    created = client.post("/items", json={"name": " first "})
    assert created.status_code == 201
    assert created.get_json()["name"] == "first"
    client.post("/items", json={"name": "second"})
    names = [item["name"] for item in client.get("/items").get_json()["items"]]
    assert names == ["second", "first"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 3}, {"name": "x" * 201}])
def test_an_invalid_item_is_a_json_400(body: dict[str, Any]) -> None:
    response = _client(True).post("/items", json=body)
    assert response.status_code == 400
    assert "`name`" in response.get_json()["error"]


def test_items_without_the_database_are_a_json_503() -> None:
    response = _client(False).get("/items")
    assert (response.status_code, response.get_json()) == (503, {"error": "database unavailable"})


def test_unknown_paths_are_json_404() -> None:
    response = _client(True).get("/nope")
    assert (response.status_code, response.get_json()) == (404, {"error": "not found"})


def test_metrics_count_requests_and_show_the_process() -> None:
    client = _client(True)
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].count("charset") == 1
    body = response.get_data(as_text=True)
    assert 'http_requests_total{method="GET",route="/",status="200"} 1.0' in body
    assert 'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/"' in body
    assert "process_resident_memory_bytes" in body


@pytest.mark.parametrize(
    "url",
    ["", "postgresql://h/d?sslmode=prefer", "postgresql://h/d?sslmode=verify-ca", "not a url"],
)
def test_a_bad_database_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        connection_settings(url)


def test_the_password_file_overrides_the_url(tmp_path: Any) -> None:
    secret = tmp_path / "password"
    secret.write_text("from-file\n")
    settings = connection_settings("postgresql://app:in-url@h/d?sslmode=verify-full", str(secret))
    assert settings()["password"] == "from-file"
    assert settings()["sslrootcert"] == "system"
    secret.write_text("rotated\n")
    assert settings()["password"] == "rotated"


def test_config_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("DATABASE_PASSWORD_FILE", "/run/secrets/password")
    assert Config.from_env() == Config(
        port=9999,
        database_url="postgresql://x/y",
        log_level="DEBUG",
        database_password_file="/run/secrets/password",
    )
