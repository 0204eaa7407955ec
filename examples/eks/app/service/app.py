"""HTTP endpoints: `/`, `/healthz`, `/readyz`, `/items` and `/metrics`."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from flask import Flask, Response, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from werkzeug.exceptions import HTTPException

from service.config import Config
from service.database import Database, DatabaseUnavailable
from service.readiness import Readiness

SERVICE_NAME = "my-service"
NAME_MAX = 200
# The database is checked this often, and is "not ready" when a check takes longer.
READINESS_INTERVAL = 1.0
# Longer than waiting for a connection (2 s), so a refused connection reports its own reason.
READINESS_TIMEOUT = 3.0
log = logging.getLogger("service")
access_log = logging.getLogger("access")


class Store(Protocol):
    """What the endpoints need from the database; tests pass an in-memory one."""

    def open(self) -> None: ...
    def close(self) -> None: ...
    def check(self) -> None: ...
    def list_items(self) -> list[dict[str, Any]]: ...
    def add_item(self, name: str) -> dict[str, Any]: ...


class Service:
    """The parts with a lifetime: the database pool and the readiness checker."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.readiness = Readiness(
            store.check, interval=READINESS_INTERVAL, timeout=READINESS_TIMEOUT
        )

    def start(self) -> None:
        """Connect and start checking readiness; neither waits for the database."""
        self.store.open()
        self.readiness.start()

    def begin_shutdown(self) -> None:
        """On SIGTERM: not ready, so no new traffic, while requests in flight finish."""
        self.readiness.stop()

    def close(self) -> None:
        """After the last request: close the database connections."""
        self.store.close()


def create_app(config: Config | None = None, *, store: Store | None = None) -> Flask:
    """Build the Flask application and start its service; `store` is injectable for tests."""
    config = config or Config.from_env()
    service = Service(store or Database(config.database_url, config.database_password_file))
    app = Flask(SERVICE_NAME)
    app.extensions["service"] = service
    # One registry per app, so tests can build several apps in one process.
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    requests_total = Counter(
        "http_requests_total",
        "HTTP requests handled, by method, route and status code.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "HTTP request latency, by method, route and status code.",
        ["method", "route", "status"],
        registry=registry,
    )

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def observe(response: Response) -> Response:
        seconds = time.perf_counter() - g.started
        route = request.url_rule.rule if request.url_rule else "unmatched"
        status = str(response.status_code)
        requests_total.labels(request.method, route, status).inc()
        latency.labels(request.method, route, status).observe(seconds)
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 3),
                }
            },
        )
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        code = error.code or 500
        return jsonify(error=(error.name or "error").lower()), code

    @app.errorhandler(Exception)
    def crash(error: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")
        return jsonify(error="internal server error"), 500

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
        ready, reason = service.readiness.status()
        if ready:
            return jsonify(status="ready"), 200
        return jsonify(status="unavailable", reason=reason), 503

    @app.get("/items")
    def list_items() -> tuple[Response, int]:
        try:
            return jsonify(items=service.store.list_items()), 200
        except DatabaseUnavailable as error:
            return _unavailable(error)

    @app.post("/items")
    def add_item() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= NAME_MAX:
            message = f"`name` must be a string of 1 to {NAME_MAX} characters"
            return jsonify(error=message), 400
        try:
            return jsonify(service.store.add_item(name.strip())), 201
        except DatabaseUnavailable as error:
            return _unavailable(error)

    @app.get("/metrics")
    def metrics() -> Response:
        # CONTENT_TYPE_LATEST carries its charset already; `mimetype=` would add a second one.
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

    service.start()
    return app


def _unavailable(error: DatabaseUnavailable) -> tuple[Response, int]:
    log.warning("database unavailable", extra={"fields": {"reason": str(error)}})
    return jsonify(error="database unavailable"), 503
