"""Tests of the HTTP endpoints, with the database check replaced."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from service.config import Config

CONFIG = Config(port=8000, database_url="postgresql://db.invalid/app", log_level="INFO")


def _client(database_ok: bool) -> FlaskClient:
    def database_check(url: str) -> None:
        assert url == CONFIG.database_url
        if not database_ok:
            raise ConnectionError("refused")

    return create_app(CONFIG, database_check=database_check).test_client()


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


def test_readyz_without_database_url_is_not_ready() -> None:
    config = Config(port=1, database_url="", log_level="INFO")
    response = create_app(config).test_client().get("/readyz")
    assert response.status_code == 503


def test_metrics_count_requests() -> None:
    client = _client(True)
    client.get("/")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    body = response.get_data(as_text=True)
    assert 'http_requests_total{method="GET",route="/",status="200"} 1.0' in body
    assert "http_request_duration_seconds_bucket" in body


def test_config_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9999")
    monkeypatch.setenv("DATABASE_URL", "postgresql://x/y")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert Config.from_env() == Config(
        port=9999, database_url="postgresql://x/y", log_level="DEBUG"
    )
