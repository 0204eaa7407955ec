"""HTTP endpoints: `/`, `/healthz`, `/readyz` and `/metrics`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import psycopg
from flask import Flask, Response, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from service.config import Config

SERVICE_NAME = "my-service"
log = logging.getLogger(SERVICE_NAME)


def check_database(database_url: str) -> None:
    """Raise if the database cannot answer `SELECT 1` within two seconds."""
    if not database_url:
        raise RuntimeError("DATABASE_URL is not set")
    with psycopg.connect(database_url, connect_timeout=2) as connection:
        connection.execute("SELECT 1")


def create_app(
    config: Config | None = None,
    *,
    database_check: Callable[[str], None] = check_database,
) -> Flask:
    """Build the Flask application; `database_check` is injectable for tests."""
    config = config or Config.from_env()
    app = Flask(SERVICE_NAME)
    # One registry per app, so tests can build several apps in one process.
    registry = CollectorRegistry()
    requests_total = Counter(
        "http_requests_total",
        "HTTP requests handled, by method, route and status code.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "HTTP request latency, by method and route.",
        ["method", "route"],
        registry=registry,
    )

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        requests_total.labels(request.method, route, str(response.status_code)).inc()
        latency.labels(request.method, route).observe(time.perf_counter() - g.started)
        return response

    @app.get("/")
    def index() -> Response:
        return jsonify(service=SERVICE_NAME, status="ok")

    @app.get("/healthz")
    def healthz() -> Response:
        # Liveness: the process answers. Never touches the database, so a database outage does
        # not make Kubernetes restart every pod.
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        try:
            database_check(config.database_url)
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            log.warning("readiness check failed: %s", error)
            return jsonify(status="unavailable", reason="database unreachable"), 503
        return jsonify(status="ready"), 200

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)

    return app
